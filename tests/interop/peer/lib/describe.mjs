// Turns what Fedify parsed into plain JSON, so the Python tests can check the
// node's documents as Fedify understood them (not as the node wrote them).
import {
  Activity, Collection, getTypeId, isActor, LanguageString, Link, lookupWebFinger, toAcctUrl,
} from "@fedify/fedify";

const text = (value) => (value == null ? null : String(value));
const href = (value) => (value == null ? null : value instanceof Link ? text(value.href) : value.href ?? text(value));

async function describeKey(key) {
  if (key == null) return null;
  const crypto = key.publicKey;
  const parsed = crypto instanceof CryptoKey;
  return {
    id: href(key.id),
    owner: href(key.ownerId),
    parsed,
    algorithm: parsed ? crypto.algorithm.name : null,
    hash: parsed ? crypto.algorithm.hash?.name ?? null : null,
    modulusLength: parsed ? crypto.algorithm.modulusLength ?? null : null,
  };
}

async function describeImage(image) {
  if (image == null) return null;
  return { type: image.constructor.name, url: href(image.url), mediaType: image.mediaType ?? null };
}

async function collect(iterable) {
  const items = [];
  for await (const item of iterable) items.push(item);
  return items;
}

/** What Fedify parsed of any object; actors get their full profile. */
export async function describeObject(object, loaders) {
  const base = {
    type: object.constructor.name,
    typeId: getTypeId(object).href,
    id: href(object.id),
    name: text(object.name),
    summary: text(object.summary),
    content: text(object.content),
    url: href(object.url),
    published: text(object.published),
    attributedTo: href(object.attributionId),
  };
  if (object instanceof Collection) {
    return { ...base, totalItems: object.totalItems, first: href(object.firstId) };
  }
  if (!isActor(object)) return { ...base, ...(await describeContent(object, loaders)) };
  const keys = await collect(object.getPublicKeys(loaders));
  const attachments = await collect(object.getAttachments(loaders));
  return {
    ...base,
    actor: true,
    preferredUsername: text(object.preferredUsername),
    inbox: href(object.inboxId),
    outbox: href(object.outboxId),
    followers: href(object.followersId),
    following: href(object.followingId),
    featured: href(object.featuredId),
    featuredTags: href(object.featuredTagsId),
    endpoints: { sharedInbox: href(object.endpoints?.sharedInbox) },
    manuallyApprovesFollowers: object.manuallyApprovesFollowers,
    discoverable: object.discoverable,
    indexable: object.indexable,
    publicKey: await describeKey(keys[0]),
    publicKeys: await Promise.all(keys.map(describeKey)),
    assertionMethods: object.assertionMethodIds.map(href),
    icon: await describeImage(await object.getIcon(loaders)),
    image: await describeImage(await object.getImage(loaders)),
    attachments: attachments.map((a) => ({
      type: a.constructor.name,
      name: text(a.name),
      value: text(a.value),
    })),
    aliases: object.aliasIds.map(href),
  };
}

/** `contentMap` and the like as Fedify parsed them: language tag -> text (the values that
 * carry a language; the plain `content` is among Fedify's `contents` too, untagged). */
function languageMap(values) {
  const tagged = values.filter((v) => v instanceof LanguageString);
  return Object.fromEntries(tagged.map((v) => [v.language.compact(), String(v)]));
}

async function totalOf(getCollection, options) {
  const collection = await getCollection(options);
  return collection == null ? null : { id: href(collection.id), totalItems: collection.totalItems };
}

/**
 * The fields a server shows of a post (or carries in an activity): addressing, maps, tags
 * (with their Fedify classes: Hashtag, Mention), reply target and collections.
 */
async function describeContent(object, loaders) {
  const options = {
    documentLoader: loaders.documentLoader, contextLoader: loaders.contextLoader, suppressError: true,
  };
  const tags = await collect(object.getTags(options));
  const attachments = await collect(object.getAttachments(options));
  const described = {
    updated: text(object.updated),
    to: object.toIds.map(href),
    cc: object.ccIds.map(href),
    bto: object.btoIds.map(href),
    bcc: object.bccIds.map(href),
    contentMap: languageMap(object.contents),
    nameMap: languageMap(object.names),
    summaryMap: languageMap(object.summaries),
    sensitive: object.sensitive,
    inReplyTo: href(object.replyTargetId),
    tags: tags.map((t) => ({ type: t.constructor.name, name: text(t.name), href: href(t.href ?? t.id) })),
    attachments: attachments.map(describeAttachment),
  };
  if (object instanceof Activity) {
    return { ...described, actor: href(object.actorId), object: href(object.objectId) };
  }
  return {
    ...described,
    replies: await totalOf((o) => object.getReplies(o), options),
    likes: await totalOf((o) => object.getLikes(o), options),
    shares: await totalOf((o) => object.getShares(o), options),
    deleted: text(object.deleted ?? null),
  };
}

/** A picture or document beside a post, as Fedify's vocabulary read it. */
function describeAttachment(a) {
  return {
    type: a.constructor.name,
    mediaType: a.mediaType ?? null,
    url: href(a.url),
    name: text(a.name),
    width: a.width ?? null,
    height: a.height ?? null,
  };
}

/** The WebFinger answer for a handle, as Fedify fetched it (or null). */
export async function describeWebFinger(target, options) {
  const acct = toAcctUrl(target);
  if (acct == null) return null;
  const jrd = await lookupWebFinger(acct, options);
  if (jrd == null) return { resource: acct.href, found: false };
  return {
    resource: acct.href,
    found: true,
    subject: jrd.subject ?? null,
    aliases: jrd.aliases ?? [],
    links: (jrd.links ?? []).map(({ rel, type, href: h, template }) => ({
      rel, type: type ?? null, href: h ?? null, template: template ?? null,
    })),
  };
}
