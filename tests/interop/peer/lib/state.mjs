// Everything the peer remembers lives here, in memory, for one process.
const LIMIT = 5000;

function bounded(list, item) {
  list.push(item);
  if (list.length > LIMIT) list.shift();
  return item;
}

export class PeerState {
  constructor({ followPolicy = "accept" } = {}) {
    this.settings = { followPolicy };
    this.inbox = [];          // every POST to an inbox, with Fedify's verdict
    this.requests = [];       // every other non-control request served
    this.outgoing = [];       // every HTTP request Fedify made
    this.outboxErrors = [];   // failed background deliveries (Accept/Reject of follows)
    this.followers = new Map();   // actor id -> { id, inbox, sharedInbox, follow }
    this.following = new Map();   // actor id -> { id, inbox, follow, state }
    this.objects = new Map();     // id -> Fedify object this peer published
    this.outbox = [];             // ids of activities this peer sent, oldest first
    this.recipients = new Map();  // activity id -> actors it was delivered to
    this.creates = new Map();     // id of a Note this peer created -> its Create's id
    this.seq = 0;
  }

  /** Adds a finished inbox entry (the listener may already have annotated it). */
  recordInbox(entry) {
    entry.seq = ++this.seq;
    return bounded(this.inbox, entry);
  }

  recordRequest(entry) {
    return bounded(this.requests, { seq: ++this.seq, ...entry });
  }

  recordOutgoing(entry) {
    return bounded(this.outgoing, { seq: ++this.seq, ...entry });
  }

  recordOutboxError(entry) {
    return bounded(this.outboxErrors, { seq: ++this.seq, ...entry });
  }

  publish(object) {
    this.objects.set(object.id.href, object);
    return object;
  }

  followingByFollowId(followId) {
    for (const entry of this.following.values()) if (entry.follow === followId) return entry;
    return null;
  }
}
