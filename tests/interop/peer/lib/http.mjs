// A tiny adapter between node:http(s) and the fetch-API handler Fedify expects.
import { readFileSync } from "node:fs";
import http from "node:http";
import https from "node:https";

const MAX_BODY_BYTES = 4 * 1024 * 1024;

class BodyTooLarge extends Error {}

async function readBody(req) {
  const chunks = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new BodyTooLarge();
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

async function toWebRequest(req, scheme) {
  const headers = new Headers();
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    headers.append(req.rawHeaders[i], req.rawHeaders[i + 1]);
  }
  // The URL keeps the Host the client used: RFC 9421's @authority is checked
  // against it.
  const url = new URL(req.url, `${scheme}://${req.headers.host ?? "localhost"}`);
  const hasBody = req.method !== "GET" && req.method !== "HEAD";
  const body = hasBody ? await readBody(req) : undefined;
  return new Request(url, { method: req.method, headers, body });
}

async function writeWebResponse(res, response) {
  const body = Buffer.from(await response.arrayBuffer());
  response.headers.forEach((value, name) => res.setHeader(name, value));
  res.setHeader("content-length", body.length);
  res.writeHead(response.status);
  res.end(body);
}

function plainResponse(res, status, message) {
  res.writeHead(status, { "content-type": "text/plain; charset=utf-8" });
  res.end(message);
}

/** Serves `handler(request) -> Response` on host:port; resolves once listening. */
export function serve({ host, port, tlsCert, tlsKey, handler }) {
  const scheme = tlsCert ? "https" : "http";
  const listener = async (req, res) => {
    try {
      await writeWebResponse(res, await handler(await toWebRequest(req, scheme)));
    } catch (error) {
      if (error instanceof BodyTooLarge) return plainResponse(res, 413, "Body too large.");
      process.stderr.write(`peer: unhandled error for ${req.method} ${req.url}: ${error?.stack ?? error}\n`);
      if (!res.headersSent) plainResponse(res, 500, "Internal error in the peer.");
      else res.destroy();
    }
  };
  const server = tlsCert
    ? https.createServer({ cert: readFileSync(tlsCert), key: readFileSync(tlsKey) }, listener)
    : http.createServer(listener);
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve(server));
  });
}
