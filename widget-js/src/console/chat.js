import { SeqLog } from '../shared/seq-log.js';
import { visitorName } from './format.js';

/**
 * One conversation an agent owns, built from the handoff package of an `assigned` frame and
 * kept up to date by `event` frames: its events in `seq` order, each once (a reconnect sends
 * the package again), the agent's replies still waiting for their event, and unread count.
 */
export class Chat {
  #conversationId;
  #handoff;
  #log = new SeqLog();
  #events = [];
  #pending = new Map();
  #closed = false;
  #unread = 0;

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

  /** Replies sent by this agent whose event has not come back yet: [{id, text}]. */
  get pending() {
    return [...this.#pending].map(([id, text]) => ({ id, text }));
  }

  /** A newer handoff package (after a reconnect or a transfer): returns the events it adds. */
  update(handoff) {
    this.#handoff = { ...handoff, transcript: undefined };
    return this.#ingest(handoff.transcript ?? []);
  }

  /** Live events: returns those that are new, in order. */
  add(...events) {
    return this.#ingest(events);
  }

  addPending(id, text) {
    this.#pending.set(id, text);
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
