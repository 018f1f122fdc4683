// The JSON control API the Python tests drive, under /control/.  It lives on
// the peer's own server and is reachable only on loopback.
import {
  Announce, Create, Delete, Follow, isActor, Like, Mention, Note, Object as APObject,
  PUBLIC_COLLECTION, signRequest, Tombstone, Undo,
} from "@fedify/fedify";
import { Temporal } from "@js-temporal/polyfill";
import { describeObject } from "./describe.mjs";
import { IDENTIFIER, newUri } from "./federation.mjs";
import { describeSignature } from "./signatures.mjs";

const LOOKUP_TIMEOUT_MS = 15000;
const AS2 = "application/activity+json";
const SPECS = new Set(["rfc9421", "draft-cavage-http-signatures-12"]);
const POLICIES = new Set(["accept", "reject"]);

export class ControlError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

const sender = { identifier: IDENTIFIER };

async function lookup(ctx, target) {
  if (typeof target !== "string" || target === "") {
    throw new ControlError(400, "a non-empty string target is required");
  }
  // Signed GETs, as servers in the wild fetch, so peers requiring them answer.
  const documentLoader = await ctx.getDocumentLoader({ identifier: IDENTIFIER });
  const signal = AbortSignal.timeout(LOOKUP_TIMEOUT_MS);
  const object = await ctx.lookupObject(target, { documentLoader, signal });
  if (object == null) throw new ControlError(502, `Fedify could not look up ${target}`);
  return object;
}

async function lookupActor(ctx, target) {
  const actor = await lookup(ctx, target);
  if (!isActor(actor)) throw new ControlError(422, `${target} is a ${actor.constructor.name}, not an actor`);
  return actor;
}

const urls = (values) => (values ?? []).map((v) => new URL(v));
const handleOf = (actor) => `@${actor.preferredUsername}@${actor.id.host}`;

async function deliver(ctx, state, activity, recipients, { sharedInbox = false, followers = false } = {}) {
  state.publish(activity);
  state.outbox.push(activity.id.href);
  state.recipients.set(activity.id.href, recipients);
  const options = { preferSharedInbox: sharedInbox };
  if (recipients.length > 0) await ctx.sendActivity(sender, recipients, activity, options);
  if (followers && state.followers.size > 0) {
    await ctx.sendActivity(sender, "followers", activity, { ...options, preferSharedInbox: true });
  }
  return { id: activity.id.href, recipients: recipients.map((r) => r.id.href), followers };
}

async function follow(ctx, state, body) {
  const actor = await lookupActor(ctx, body.target);
  const activity = new Follow({ id: newUri(ctx, Follow), actor: ctx.getActorUri(IDENTIFIER), object: actor.id, to: actor.id });
  const entry = {
    id: actor.id.href, inbox: actor.inboxId?.href ?? null, follow: activity.id.href, state: "pending",
  };
  state.following.set(actor.id.href, entry);
  try {
    const sent = await deliver(ctx, state, activity, [actor], body);
    return [202, { ...sent, target: actor.id.href, state: entry.state }];
  } catch (error) {
    entry.state = "undelivered";
    throw error;
  }
}

async function unfollow(ctx, state, body) {
  const actor = await lookupActor(ctx, body.target);
  const entry = state.following.get(actor.id.href);
  if (entry == null) throw new ControlError(404, `not following ${actor.id.href}`);
  const activity = new Undo({
    id: newUri(ctx, Undo), actor: ctx.getActorUri(IDENTIFIER), object: state.objects.get(entry.follow), to: actor.id,
  });
  state.following.delete(actor.id.href);
  return [202, await deliver(ctx, state, activity, [actor], body)];
}

async function addressing(ctx, body, mentioned) {
  const followersUri = ctx.getFollowersUri(IDENTIFIER);
  const to = body.to != null ? urls(body.to) : [PUBLIC_COLLECTION];
  const cc = body.cc != null ? urls(body.cc) : [followersUri];
  if (mentioned != null && ![...to, ...cc].some((u) => u.href === mentioned.id.href)) cc.push(mentioned.id);
  const skip = new Set([PUBLIC_COLLECTION.href, followersUri.href, mentioned?.id.href]);
  const others = [];
  for (const url of [...to, ...cc]) {
    if (!skip.has(url.href)) others.push(await lookupActor(ctx, url.href));
  }
  const recipients = mentioned != null ? [mentioned, ...others] : others;
  const followers = [...to, ...cc].some((u) => u.href === followersUri.href);
  return { to, cc, recipients, followers };
}

async function create(ctx, state, body) {
  if (typeof body.content !== "string") throw new ControlError(400, "content (a string) is required");
  const mentioned = body.mention != null ? await lookupActor(ctx, body.mention) : null;
  const { to, cc, recipients, followers } = await addressing(ctx, body, mentioned);
  const me = ctx.getActorUri(IDENTIFIER);
  const published = Temporal.Now.instant();
  const note = state.publish(new Note({
    id: newUri(ctx, Note), attribution: me, content: body.content, tos: to, ccs: cc, published,
    replyTarget: body.inReplyTo != null ? new URL(body.inReplyTo) : null,
    tags: mentioned != null ? [new Mention({ href: mentioned.id, name: handleOf(mentioned) })] : [],
  }));
  const activity = new Create({ id: newUri(ctx, Create), actor: me, object: note, tos: to, ccs: cc, published });
  const sent = await deliver(ctx, state, activity, recipients, { ...body, followers });
  state.creates.set(note.id.href, activity.id.href);
  return [202, { ...sent, object: note.id.href }];
}

/** Deletes a Note this peer created: a Delete(Tombstone) to whoever got its Create. */
async function remove(ctx, state, body) {
  const note = state.objects.get(body.object);
  if (!(note instanceof Note)) throw new ControlError(404, `this peer has no note ${body.object}`);
  const followersUri = ctx.getFollowersUri(IDENTIFIER);
  const activity = new Delete({
    id: newUri(ctx, Delete), actor: ctx.getActorUri(IDENTIFIER),
    object: new Tombstone({ id: note.id }), tos: note.toIds, ccs: note.ccIds,
  });
  state.objects.delete(note.id.href);
  const followers = [...note.toIds, ...note.ccIds].some((u) => u.href === followersUri.href);
  const recipients = state.recipients.get(state.creates.get(note.id.href)) ?? [];
  return [202, { ...(await deliver(ctx, state, activity, recipients, { ...body, followers })), object: note.id.href }];
}

async function parseDocument(document, loaders) {
  try {
    return await describeObject(await APObject.fromJsonLd(document, loaders), loaders);
  } catch (error) {
    return { error: String(error?.message ?? error) };
  }
}

/**
 * GETs `url` as AS2, signed with this peer's RSA key (`spec`, RFC 9421 by default) unless
 * `signed` is false, and reports the status, the body and what Fedify's vocabulary parsed of
 * it; `lookup` is what Fedify's own lookupObject made of the same URL with the same identity
 * (its authenticated document loader, which double-knocks), or null.
 */
async function fetchObject(ctx, state, body) {
  if (typeof body.url !== "string") throw new ControlError(400, "url (a string) is required");
  const signed = body.signed !== false;
  const spec = body.spec ?? "rfc9421";
  if (!SPECS.has(spec)) throw new ControlError(400, `spec must be one of ${[...SPECS]}`);
  let request = new Request(new URL(body.url), { headers: { accept: AS2 } });
  if (signed) {
    const [pair] = await ctx.getActorKeyPairs(IDENTIFIER);
    request = await signRequest(request, pair.privateKey, pair.keyId, { spec });
  }
  const response = await fetch(request, { signal: AbortSignal.timeout(LOOKUP_TIMEOUT_MS) });
  const text = await response.text();
  let document = null;
  try {
    document = JSON.parse(text);
  } catch {
    // Not JSON: reported as text.
  }
  const loaders = { documentLoader: ctx.documentLoader, contextLoader: ctx.contextLoader };
  const parsed = response.ok && document != null ? await parseDocument(document, loaders) : null;
  return [200, {
    url: body.url,
    signed,
    signature: describeSignature(request.headers),
    status: response.status,
    contentType: response.headers.get("content-type"),
    document: document ?? text,
    parsed,
    lookup: await lookupAs(ctx, body.url, signed, loaders),
  }];
}

async function lookupAs(ctx, url, signed, loaders) {
  const documentLoader = signed ? await ctx.getDocumentLoader({ identifier: IDENTIFIER }) : ctx.documentLoader;
  try {
    const found = await ctx.lookupObject(url, { documentLoader, signal: AbortSignal.timeout(LOOKUP_TIMEOUT_MS) });
    return found == null ? null : await describeObject(found, loaders);
  } catch (error) {
    return { error: String(error?.message ?? error) };
  }
}

async function authorOf(ctx, objectUrl) {
  const object = await lookup(ctx, objectUrl);
  const author = object.attributionId ?? (isActor(object) ? object.id : null);
  if (author == null) throw new ControlError(422, `${objectUrl} names no author`);
  return [object, await lookupActor(ctx, author.href)];
}

async function like(ctx, state, body) {
  const [object, author] = await authorOf(ctx, body.object);
  const activity = new Like({ id: newUri(ctx, Like), actor: ctx.getActorUri(IDENTIFIER), object: object.id, to: author.id });
  return [202, await deliver(ctx, state, activity, [author], body)];
}

async function announce(ctx, state, body) {
  const [object, author] = await authorOf(ctx, body.object);
  const activity = new Announce({
    id: newUri(ctx, Announce), actor: ctx.getActorUri(IDENTIFIER), object: object.id,
    to: PUBLIC_COLLECTION, ccs: [ctx.getFollowersUri(IDENTIFIER), author.id], published: Temporal.Now.instant(),
  });
  return [202, await deliver(ctx, state, activity, [author], { ...body, followers: true })];
}

async function undo(ctx, state, body) {
  const original = state.objects.get(body.activity);
  if (original == null) throw new ControlError(404, `this peer sent no activity ${body.activity}`);
  const activity = new Undo({ id: newUri(ctx, Undo), actor: ctx.getActorUri(IDENTIFIER), object: original });
  return [202, await deliver(ctx, state, activity, state.recipients.get(body.activity) ?? [], body)];
}

function settings(_ctx, state, body) {
  if (body.followPolicy != null) {
    if (!POLICIES.has(body.followPolicy)) throw new ControlError(400, `followPolicy must be one of ${[...POLICIES]}`);
    state.settings.followPolicy = body.followPolicy;
  }
  return [200, state.settings];
}

function actorInfo(ctx) {
  const id = ctx.getActorUri(IDENTIFIER);
  return {
    id: id.href, handle: `@${IDENTIFIER}@${id.host}`, inbox: ctx.getInboxUri(IDENTIFIER).href,
    sharedInbox: ctx.getInboxUri().href, followers: ctx.getFollowersUri(IDENTIFIER).href,
    keyId: `${id.href}#main-key`,
  };
}

const ROUTES = {
  "GET /control/health": (ctx) => [200, { ok: true, actor: actorInfo(ctx) }],
  "GET /control/actor": (ctx) => [200, actorInfo(ctx)],
  "GET /control/inbox": (_ctx, state) => [200, { items: state.inbox }],
  "GET /control/requests": (_ctx, state) => [200, { items: state.requests }],
  "GET /control/outgoing": (_ctx, state) => [200, { items: state.outgoing, errors: state.outboxErrors }],
  "GET /control/followers": (_ctx, state) => [200, { items: [...state.followers.values()] }],
  "GET /control/following": (_ctx, state) => [200, { items: [...state.following.values()] }],
  "POST /control/settings": settings,
  "POST /control/lookup": async (ctx, _state, body) =>
    [200, await describeObject(await lookup(ctx, body.target), ctx)],
  "POST /control/follow": follow,
  "POST /control/unfollow": unfollow,
  "POST /control/create": create,
  "POST /control/like": like,
  "POST /control/announce": announce,
  "POST /control/undo": undo,
  "POST /control/delete": remove,
  "POST /control/fetch": fetchObject,
};

const json = (status, value) =>
  new Response(JSON.stringify(value), { status, headers: { "content-type": "application/json" } });

/** Answers one /control/ request. */
export async function handleControl(request, { federation, state, logs, origin }) {
  const url = new URL(request.url);
  if (`${request.method} ${url.pathname}` === "GET /control/log") {
    return json(200, { items: logs.lines(url.searchParams.get("level") ?? "debug") });
  }
  const route = ROUTES[`${request.method} ${url.pathname}`];
  if (route == null) return json(404, { error: `no control route ${request.method} ${url.pathname}` });
  const mark = logs.mark();
  try {
    const body = request.method === "POST" ? await request.json().catch(() => {
      throw new ControlError(400, "the body must be a JSON object");
    }) : {};
    const ctx = federation.createContext(new URL(origin), { entry: null });
    const [status, value] = await route(ctx, state, body ?? {});
    return json(status, value);
  } catch (error) {
    const status = error instanceof ControlError ? error.status : 502;
    return json(status, { error: String(error?.message ?? error), log: logs.since(mark, "debug") });
  }
}
