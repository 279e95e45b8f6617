import { SeqLog } from '../shared/seq-log.js';
import { visitorName } from './format.js';
import { ReceiptState } from './receipts.js';

/**
 * One conversation an agent owns, built from the handoff package of an `assigned` frame and
 * kept up to date by `event` frames: its events in `seq` order, each once (a reconnect sends
 * the package again), the agent's replies and notes still waiting for their event, the unread
 * count, the delivered/read marks, and whether it was transferred away (`released`).
 */
export class Chat {
  #conversationId;
  #handoff;
  #log = new SeqLog();
  #events = [];
  #pending = new Map();
  #closed = false;
  #unread = 0;
  #releasedTo = null;
  #receipts = new ReceiptState();

  constructor(handoff) {
    if (!handoff?.conversationId) throw new TypeError('Chat: a handoff package with a conversationId is required');
    this.#conversationId = handoff.conversationId;
    this.#handoff = handoff;
    this.#ingest(handoff.transcript ?? []);
  }

  get conversationId() { return this.#conversationId; }
  get handoff() { return this.#handoff; }
  get visitor() { return this.#handoff.visitor ?? {}; }
  get visitorName() { return visitorName(this.#handoff.visitor); }
  get events() { return [...this.#events]; }
  get closed() { return this.#closed; }
  get unread() { return this.#unread; }
  get lastSeq() { return this.#log.lastSeq; }
  get receipts() { return this.#receipts; }
  /** The seq of the visitor's latest line: what `delivered` and `read` receipts point at. */
  get lastVisitorSeq() {
    for (let i = this.#events.length - 1; i >= 0; i -= 1) if (this.#events[i].author?.role === 'visitor') return this.#events[i].seq;
    return 0;
  }
  /** Where the chat went when this agent transferred it ("Sam Support", "billing"), or null. */
  get releasedTo() { return this.#releasedTo; }
  /** True while the agent can still write in it: neither closed nor transferred away. */
  get active() { return !this.#closed && this.#releasedTo === null; }

  /** Replies and notes sent by this agent whose event has not come back yet: [{id, text, kind}]. */
  get pending() {
    return [...this.#pending].map(([id, { text, kind }]) => ({ id, text, kind }));
  }

  /** A newer handoff package (after a reconnect or a transfer): returns the events it adds. */
  update(handoff) {
    this.#handoff = { ...handoff, transcript: undefined };
    this.#releasedTo = null; // transferred back to this agent
    return this.#ingest(handoff.transcript ?? []);
  }

  /** Live events: returns those that are new, in order. */
  add(...events) {
    return this.#ingest(events);
  }

  /** `kind` is `message` (a reply) or `note`. */
  addPending(id, text, kind = 'message') {
    this.#pending.set(id, { text, kind });
  }

  dropPending(id) {
    return this.#pending.delete(id);
  }

  /** Counts a new event as unread (when the chat is not on screen). */
  markUnread() {
    this.#unread += 1;
  }

  markRead() {
    this.#unread = 0;
  }

  /** A `released` frame: the chat went to another agent or a department; it is read-only now. */
  release(frame) {
    this.#releasedTo = frame?.to?.name ?? frame?.to?.id ?? frame?.department ?? frame?.to ?? 'another agent';
    this.#pending.clear();
  }

  /**
   * A `visitor` frame: the visitor's identity or context changed. Identity fields replace,
   * context fields replace (`page` as a whole), attributes merge by key.
   */
  updateVisitor(frame) {
    const before = this.#handoff;
    const visitor = { ...(before.visitor ?? {}), ...(frame?.visitor ?? {}) };
    const context = { ...(before.context ?? {}), ...(frame?.context ?? {}) };
    const attributes = { ...(before.visitor?.attributes ?? {}), ...(frame?.context?.attributes ?? {}), ...(frame?.visitor?.attributes ?? {}) };
    if (Object.keys(attributes).length > 0) visitor.attributes = attributes;
    delete context.attributes;
    this.#handoff = { ...before, visitor, context };
  }

  #ingest(events) {
    const fresh = this.#log.acceptAll(events.map((e) => ({ conversationId: this.#conversationId, ...e })));
    for (const event of fresh) {
      if (event.id) this.#pending.delete(event.id);
      if (event.kind === 'closed') this.#closed = true;
      this.#events.push(event);
    }
    return fresh;
  }
}
