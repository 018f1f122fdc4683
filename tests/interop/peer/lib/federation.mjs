// The Fedify federation of the peer: one Person `peer`, its collections, the
// objects it published, and inbox listeners that record what arrives.
import {
  Accept, Activity, Announce, Create, createFederation, Endpoints, Follow,
  generateCryptoKeyPair, isActor, Like, MemoryKvStore,
  Note, Person, Reject, Undo, Update, Delete,
} from "@fedify/fedify";
import { describeObject } from "./describe.mjs";

export const IDENTIFIER = "peer";
const ANSWER_RETRY_DELAYS_MS = [0, 1000, 3000];
const PUBLISHED_TYPES = [
  [Note, "notes"], [Create, "creates"], [Follow, "follows"], [Accept, "accepts"],
  [Reject, "rejects"], [Undo, "undos"], [Like, "likes"], [Announce, "announces"],
  [Delete, "deletes"],
];

/** A fresh id for an object of class `cls` published by this peer. */
export function newUri(ctx, cls) {
  return ctx.getObjectUri(cls, { id: crypto.randomUUID() });
}

function buildActor(ctx, keys) {
  return new Person({
    id: ctx.getActorUri(IDENTIFIER),
    preferredUsername: IDENTIFIER,
    name: "Fedify interop peer",
    summary: "An independent ActivityPub peer built on Fedify, used by Solidarity Node's tests.",
    url: ctx.getActorUri(IDENTIFIER),
    inbox: ctx.getInboxUri(IDENTIFIER),
    outbox: ctx.getOutboxUri(IDENTIFIER),
    followers: ctx.getFollowersUri(IDENTIFIER),
    following: ctx.getFollowingUri(IDENTIFIER),
    endpoints: new Endpoints({ sharedInbox: ctx.getInboxUri() }),
    manuallyApprovesFollowers: false,
    discoverable: true,
    publicKey: keys[0].cryptographicKey,
    assertionMethods: keys.map((k) => k.multikey),
  });
}

function registerDispatchers(federation, state, keyPairs, requireSignedFetch) {
  const actorSetters = federation
    .setActorDispatcher("/users/{identifier}", async (ctx, identifier) => {
      if (identifier !== IDENTIFIER) return null;
      return buildActor(ctx, await ctx.getActorKeyPairs(identifier));
    })
    .mapHandle((_ctx, username) => (username === IDENTIFIER ? IDENTIFIER : null))
    .setKeyPairsDispatcher((_ctx, identifier) => (identifier === IDENTIFIER ? keyPairs : []));
  if (requireSignedFetch) {
    actorSetters.authorize((_ctx, _identifier, signedKey, owner) => signedKey != null && owner != null);
  }
  federation.setFollowersDispatcher("/users/{identifier}/followers", (_ctx, identifier) =>
    identifier === IDENTIFIER
      ? { items: [...state.followers.values()].map((f) => ({
          id: new URL(f.id),
          inboxId: new URL(f.inbox),
          endpoints: f.sharedInbox ? { sharedInbox: new URL(f.sharedInbox) } : null,
        })) }
      : null);
  federation.setFollowingDispatcher("/users/{identifier}/following", (_ctx, identifier) =>
    identifier === IDENTIFIER
      ? { items: [...state.following.values()]
          .filter((f) => f.state === "accepted").map((f) => new URL(f.id)) }
      : null);
  federation.setOutboxDispatcher("/users/{identifier}/outbox", (_ctx, identifier) =>
    identifier === IDENTIFIER
      ? { items: state.outbox.map((id) => state.objects.get(id)).filter(Boolean).reverse() }
      : null);
  for (const [cls, segment] of PUBLISHED_TYPES) {
    federation.setObjectDispatcher(cls, `/${segment}/{id}`, (ctx, values) =>
      state.objects.get(ctx.getObjectUri(cls, values).href) ?? null);
  }
  federation.setNodeInfoDispatcher("/nodeinfo/2.1", () => ({
    software: { name: "fedify-interop-peer", version: "1.0.0" },
    protocols: ["activitypub"],
    usage: { users: { total: 1, activeHalfyear: 1, activeMonth: 1 }, localPosts: state.outbox.length, localComments: 0 },
  }));
}

/** Marks the inbox entry of the current request as handled by a listener. */
function handled(ctx, activity, listener) {
  const entry = ctx.data?.entry;
  if (entry != null) {
    entry.handled = listener;
    entry.parsedType = activity.constructor.name;
    entry.parsedActor = activity.actorId?.href ?? null;
    entry.parsedObject = activity.objectId?.href ?? null;
  }
}

async function onFollow(ctx, follow, state) {
  handled(ctx, follow, "Follow");
  const target = ctx.parseUri(follow.objectId);
  if (target?.type !== "actor" || target.identifier !== IDENTIFIER) return;
  const follower = await follow.getActor(ctx);
  if (follower == null || !isActor(follower) || follower.id == null || follower.inboxId == null) {
    throw new Error(`Follow ${follow.id?.href}: the follower's actor could not be fetched`);
  }
  const policy = state.settings.followPolicy;
  const Answer = policy === "reject" ? Reject : Accept;
  if (policy === "accept") {
    state.followers.set(follower.id.href, {
      id: follower.id.href,
      inbox: follower.inboxId.href,
      sharedInbox: follower.endpoints?.sharedInbox?.href ?? null,
      follow: follow.id?.href ?? null,
    });
  }
  const answer = state.publish(new Answer({
    id: newUri(ctx, Answer), actor: ctx.getActorUri(IDENTIFIER), object: follow, to: follower.id,
  }));
  sendInBackground(state, answer, () => ctx.sendActivity({ identifier: IDENTIFIER }, follower, answer));
}

/**
 * Sends after the inbox has answered, as servers in the wild do, with a few
 * retries; a final failure is recorded for /control/outgoing.
 */
function sendInBackground(state, activity, send) {
  const attempt = async (index) => {
    try {
      await send();
    } catch (error) {
      if (index + 1 < ANSWER_RETRY_DELAYS_MS.length) {
        setTimeout(() => attempt(index + 1), ANSWER_RETRY_DELAYS_MS[index + 1]);
      } else {
        state.recordOutboxError({
          at: new Date().toISOString(), activity: activity.id.href, error: String(error),
        });
      }
    }
  };
  setTimeout(() => attempt(0), ANSWER_RETRY_DELAYS_MS[0]);
}

function onAnswer(ctx, answer, state, newState) {
  handled(ctx, answer, newState === "accepted" ? "Accept" : "Reject");
  const entry = (answer.objectId && state.followingByFollowId(answer.objectId.href))
    ?? state.following.get(answer.actorId?.href);
  if (entry != null && entry.id === answer.actorId?.href) {
    entry.state = newState;
    entry.answer = answer.id?.href ?? null;
  }
}

async function onUndo(ctx, undo, state) {
  handled(ctx, undo, "Undo");
  const follower = state.followers.get(undo.actorId?.href);
  if (follower == null) return;
  const object = await undo.getObject({
    documentLoader: ctx.documentLoader, contextLoader: ctx.contextLoader, suppressError: true,
  });
  if (object instanceof Follow || (follower.follow != null && undo.objectId?.href === follower.follow)) {
    state.followers.delete(follower.id);
  }
}

/**
 * Records what Fedify's vocabulary made of the activity and of its object (embedded, or
 * fetched with the inbox's loader), as a Fedify-based server would go on to store it.
 */
async function parsed(ctx, activity, listener) {
  handled(ctx, activity, listener);
  const entry = ctx.data?.entry;
  if (entry == null) return;
  const loaders = { documentLoader: ctx.documentLoader, contextLoader: ctx.contextLoader };
  try {
    const object = await activity.getObject(loaders);
    entry.fedify = {
      activity: await describeObject(activity, loaders),
      object: object == null ? null : await describeObject(object, loaders),
    };
  } catch (error) {
    entry.fedify = { error: String(error?.stack ?? error) };
  }
}

function registerListeners(federation, state) {
  const record = (name) => (ctx, activity) => handled(ctx, activity, name);
  const parse = (name) => (ctx, activity) => parsed(ctx, activity, name);
  federation
    .setInboxListeners("/users/{identifier}/inbox", "/inbox")
    .withIdempotency("per-inbox")
    .on(Follow, (ctx, follow) => onFollow(ctx, follow, state))
    .on(Accept, (ctx, accept) => onAnswer(ctx, accept, state, "accepted"))
    .on(Reject, (ctx, reject) => onAnswer(ctx, reject, state, "rejected"))
    .on(Undo, (ctx, undo) => onUndo(ctx, undo, state))
    .on(Create, parse("Create"))
    .on(Update, parse("Update"))
    .on(Delete, parse("Delete"))
    .on(Like, record("Like"))
    .on(Announce, record("Announce"))
    .on(Activity, record("Activity"))
    .onError((ctx, error) => {
      const entry = ctx.data?.entry;
      if (entry != null) entry.listenerError = String(error?.stack ?? error);
    });
}

/**
 * The peer's federation.  Signatures are always verified (Fedify's default);
 * private addresses are allowed because every test runs on loopback.  There is
 * no message queue: Fedify 1.10's Context.sendActivity drops the `immediate`
 * option, so with a queue a failed delivery would be invisible to the control
 * API; without one every send happens (and fails) in the caller.  With
 * `integrityProofs`, an Ed25519 key is added and Fedify attaches FEP-8b32
 * proofs to what it sends, as Fedify-based servers in the wild do.
 */
export async function buildFederation({ origin, state, firstKnock, requireSignedFetch, integrityProofs }) {
  const federation = createFederation({
    kv: new MemoryKvStore(),
    origin,
    allowPrivateAddress: true,
    firstKnock,
  });
  const keyPairs = [await generateCryptoKeyPair("RSASSA-PKCS1-v1_5")];
  if (integrityProofs) keyPairs.push(await generateCryptoKeyPair("Ed25519"));
  registerDispatchers(federation, state, keyPairs, requireSignedFetch);
  registerListeners(federation, state);
  return federation;
}
