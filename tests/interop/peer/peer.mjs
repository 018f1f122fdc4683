// An independent ActivityPub peer built on Fedify, for Solidarity Node's
// interop tests.
//
//   node peer.mjs lookup <handle-or-url> [--timeout SECONDS]
//   node peer.mjs serve [--host 127.0.0.1] [--port 0] [--tls-cert F --tls-key F]
//                       [--first-knock rfc9421|draft-cavage-http-signatures-12]
//                       [--follow-policy accept|reject] [--require-signed-fetch]
//                       [--integrity-proofs]
//
// `lookup` prints one JSON line: what Fedify parsed.  `serve` prints one JSON
// line {"ready": true, "origin": …} once it listens; see lib/control.mjs for
// the control API.
import "./polyfill.mjs";
import { parseArgs } from "node:util";
import { getDocumentLoader, lookupObject } from "@fedify/fedify";
import { describeObject, describeWebFinger } from "./lib/describe.mjs";
import { buildFederation } from "./lib/federation.mjs";
import { serve } from "./lib/http.mjs";
import { LogBuffer, setupLogging } from "./lib/logging.mjs";
import { createHandler, recordOutgoing } from "./lib/server.mjs";
import { PeerState } from "./lib/state.mjs";

const USAGE = "usage: node peer.mjs lookup <handle-or-url> [--timeout S] | node peer.mjs serve [--port P] …";

function fail(message, logs) {
  process.stderr.write(`peer: ${message}\n`);
  for (const line of logs?.lines("debug") ?? []) {
    process.stderr.write(`  ${line.level} ${line.category}: ${line.message}\n`);
  }
  process.exit(1);
}

async function lookupCommand(target, { timeout }) {
  const logs = new LogBuffer();
  await setupLogging(logs, { stderrLevel: "fatal" });
  const loader = getDocumentLoader({ allowPrivateAddress: true });
  const signal = AbortSignal.timeout(Number(timeout) * 1000);
  const options = { documentLoader: loader, contextLoader: loader, allowPrivateAddress: true, signal };
  try {
    const webfinger = await describeWebFinger(target, options);
    const object = await lookupObject(target, options);
    if (object == null) fail(`Fedify's lookupObject found nothing for ${target}`, logs);
    const described = await describeObject(object, options);
    process.stdout.write(`${JSON.stringify({ ...described, webfinger })}\n`);
  } catch (error) {
    fail(`looking up ${target} failed: ${error?.stack ?? error}`, logs);
  }
}

async function serveCommand(options) {
  const logs = new LogBuffer();
  await setupLogging(logs);
  const state = new PeerState({ followPolicy: options["follow-policy"] });
  recordOutgoing(state);
  let handler = null;
  const server = await serve({
    host: options.host,
    port: Number(options.port),
    tlsCert: options["tls-cert"],
    tlsKey: options["tls-key"],
    handler: (request) => handler(request),
  });
  const { address, port } = server.address();
  const host = address.includes(":") ? `[${address}]` : address;
  const origin = `${options["tls-cert"] ? "https" : "http"}://${host}:${port}`;
  const federation = await buildFederation({
    origin,
    state,
    firstKnock: options["first-knock"],
    requireSignedFetch: options["require-signed-fetch"],
    integrityProofs: options["integrity-proofs"],
  });
  handler = createHandler({ federation, state, logs, origin });
  const stop = () => server.close(() => process.exit(0));
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
  process.stdout.write(`${JSON.stringify({ ready: true, origin, actor: `${origin}/users/peer` })}\n`);
}

async function main() {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: {
      host: { type: "string", default: "127.0.0.1" },
      port: { type: "string", default: "0" },
      "tls-cert": { type: "string" },
      "tls-key": { type: "string" },
      "first-knock": { type: "string", default: "rfc9421" },
      "follow-policy": { type: "string", default: "accept" },
      "require-signed-fetch": { type: "boolean", default: false },
      "integrity-proofs": { type: "boolean", default: false },
      timeout: { type: "string", default: "30" },
    },
  });
  const choices = {
    "first-knock": ["rfc9421", "draft-cavage-http-signatures-12"],
    "follow-policy": ["accept", "reject"],
  };
  for (const [option, allowed] of Object.entries(choices)) {
    if (!allowed.includes(values[option])) fail(`--${option} must be one of: ${allowed.join(", ")}`);
  }
  const [command, target] = positionals;
  if (command === "lookup" && target != null) return lookupCommand(target, values);
  if (command === "serve") return serveCommand(values);
  fail(USAGE);
}

await main();
