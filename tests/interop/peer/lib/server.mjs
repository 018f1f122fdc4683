// The peer's HTTP front: /control/ goes to the control API, everything else to
// Fedify.  Inbox POSTs are recorded with Fedify's verdict; every outgoing
// request Fedify makes is recorded too.
import { getDocumentLoader } from "@fedify/fedify";
import { handleControl } from "./control.mjs";
import { describeSignature, verifyWithFedify } from "./signatures.mjs";

const INBOX_PATH = /^\/(users\/[^/]+\/)?inbox\/?$/;
const RECORDED_HEADERS = ["host", "date", "digest", "content-digest", "content-type", "user-agent"];

const fetchOptions = (entry) => ({
  contextData: { entry },
  onNotFound: () => new Response("Not found.", { status: 404 }),
  onNotAcceptable: () => new Response("Not acceptable.", { status: 406 }),
});

function pickHeaders(headers) {
  return Object.fromEntries(RECORDED_HEADERS.filter((h) => headers.has(h)).map((h) => [h, headers.get(h)]));
}

/** Wraps the global fetch so that every request Fedify sends is recorded. */
export function recordOutgoing(state) {
  const realFetch = globalThis.fetch;
  globalThis.fetch = async (input, init) => {
    const isRequest = input instanceof Request;
    const headers = new Headers(isRequest ? input.headers : init?.headers);
    const entry = state.recordOutgoing({
      at: new Date().toISOString(),
      method: (isRequest ? input.method : init?.method) ?? "GET",
      url: isRequest ? input.url : String(input),
      accept: headers.get("accept"),
      signature: describeSignature(headers),
      status: null,
    });
    try {
      const response = await realFetch(input, init);
      entry.status = response.status;
      return response;
    } catch (error) {
      entry.error = String(error?.cause ?? error);
      throw error;
    }
  };
}

async function handleInboxPost(request, { federation, state }, loaders) {
  const copy = request.clone();
  const text = await request.clone().text();
  let activity = null;
  try {
    activity = JSON.parse(text);
  } catch {
    // Fedify answers 400; the entry keeps the raw text.
  }
  const entry = {
    receivedAt: new Date().toISOString(),
    path: new URL(request.url).pathname,
    id: activity?.id ?? null,
    type: activity?.type ?? null,
    actor: typeof activity?.actor === "string" ? activity.actor : activity?.actor?.id ?? null,
    activity: activity ?? text,
    headers: pickHeaders(request.headers),
    ldSignature: activity?.signature != null,
    integrityProof: activity?.proof != null,
    handled: null,
  };
  const response = await federation.fetch(request, fetchOptions(entry));
  entry.status = response.status;
  // Fedify only answers 2xx after it authenticated the activity and checked
  // that the signer owns the actor.
  entry.verified = response.ok;
  if (!response.ok) entry.response = await response.clone().text();
  entry.httpSignature = await verifyWithFedify(copy, loaders);
  state.recordInbox(entry);
  return response;
}

/** The request handler of the whole peer server. */
export function createHandler({ federation, state, logs, origin }) {
  const loader = getDocumentLoader({ allowPrivateAddress: true });
  const loaders = { documentLoader: loader, contextLoader: loader };
  const context = { federation, state, logs, origin };
  return async (request) => {
    const url = new URL(request.url);
    if (url.pathname.startsWith("/control/")) return handleControl(request, context);
    if (request.method === "POST" && INBOX_PATH.test(url.pathname)) {
      return handleInboxPost(request, context, loaders);
    }
    const response = await federation.fetch(request, fetchOptions(null));
    state.recordRequest({
      at: new Date().toISOString(),
      method: request.method,
      path: url.pathname + url.search,
      accept: request.headers.get("accept"),
      signature: describeSignature(request.headers),
      status: response.status,
    });
    return response;
  };
}
