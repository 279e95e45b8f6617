import { SeqLog } from '../shared/seq-log.js';
import { BAD_STATE, NOT_FOUND } from '../shared/error-codes.js';

/** Requests that go to the visitor's open conversation, or a new one, when theirs is closed or gone. */
const STARTERS = new Set(['message', 'handoff']);

/**
 * Which conversation the visitor is in, and its events in `seq` order, each exactly once: the
 * half of {@link Connection} that reads frames rather than moving them.
 *
 * - A gap in the seqs asks `history` for what is missing; a `transcript` that says `more` (one
 *   page of a long conversation) asks for the next page, to the last.
 * - A `welcome` without the conversation we know means it was closed (fetch it: a reload
 *   still shows it) or is gone (`not_found`): then it is forgotten, `lost` is emitted, and
 *   the messages and handoffs still waiting for it go to a new conversation, same `id`.
 * - A message refused because its conversation closed meanwhile goes to the open (or a new)
 *   conversation: nothing the visitor typed is dropped.
 *
 * It remembers the conversation in {@link VisitorMemory} as it goes, and sends through `send`
 * (which drops frames while not connected). Emits `conversation`, `event`, `transcript` and
 * `lost` through `emit`, as documented on {@link Connection}.
 */
export class ConversationTracker {
  #memory;
  #outbox;
  #send;
  #newId;
  #emit;
  #conversationId;
  #closed;
  #announced = false;
  #log = new SeqLog();
  #historyRef = null;
  #checkRef = null;

  /**
   * @param {object} o
   * @param {VisitorMemory} o.memory the stored token and conversation
   * @param {Outbox} o.outbox the requests waiting for their ack
   * @param {function} o.send (frame) => void, writes a frame if connected
   * @param {function} o.newId () => a fresh request id
   * @param {function} o.emit (type, detail) => void
   */
  constructor({ memory, outbox, send, newId, emit }) {
    this.#memory = memory;
    this.#outbox = outbox;
    this.#send = send;
    this.#newId = newId;
    this.#emit = emit;
    const remembered = memory.conversation;
    this.#conversationId = remembered?.id ?? null;
    this.#closed = remembered?.closed ?? false;
  }

  get conversationId() {
    return this.#conversationId;
  }

  get closed() {
    return this.#closed;
  }

  get lastSeq() {
    return this.#log.lastSeq;
  }

  /** The `hello.resume` point, or undefined without a conversation. */
  get resume() {
    return this.#conversationId ? { conversationId: this.#conversationId, lastSeq: this.#log.lastSeq } : undefined;
  }

  /**
   * The conversation a new request of `type` names: the current one, except that after a
   * close a message or handoff names none (the server starts a new conversation).
   */
  conversationFor(type) {
    if (!this.#conversationId || (this.#closed && STARTERS.has(type))) return undefined;
    return this.#conversationId;
  }

  /** The socket is gone: answers to questions asked on it will not come. */
  disconnected() {
    this.#historyRef = null;
    this.#checkRef = null;
  }

  /** A `welcome`: the server names the visitor's open conversation, or has none. */
  welcome(frame) {
    this.#checkRef = null;
    if (frame.conversationId) {
      if (frame.conversationId === this.#conversationId) this.#closed = false; // the server says it is open
      this.#setConversation(frame.conversationId);
    } else if (this.#conversationId) {
      this.#check();
    }
  }

  ack(frame) {
    if (frame.conversationId && !this.#conversationId) this.#setConversation(frame.conversationId);
  }

  /** Events of `conversationId` (live `event` frames, or a `transcript`'s): delivered in order, once. */
  ingest(conversationId, events, live) {
    if (conversationId && conversationId !== this.#conversationId) this.#setConversation(conversationId);
    const ready = this.#log.acceptAll(events);
    for (const event of ready) this.#deliver(event, live);
    if (ready.length > 0) this.#remember();
    if (this.#log.hasGap && this.#historyRef === null) {
      this.#historyRef = this.#newId();
      this.#send({ type: 'history', id: this.#historyRef, conversationId: this.#conversationId, afterSeq: this.#log.lastSeq });
    }
  }

  transcript(frame) {
    const conversationId = frame.conversationId;
    const events = Array.isArray(frame.events) ? frame.events : [];
    if (frame.ref && frame.ref === this.#checkRef) this.#checkRef = null;
    this.ingest(conversationId, events.map((event) => ({ conversationId, ...event })), false);
    const last = events.at(-1)?.seq;
    const more = frame.more === true && Number.isInteger(last) && (!conversationId || conversationId === this.#conversationId);
    if (frame.ref && frame.ref === this.#historyRef) {
      this.#historyRef = null;
      // Asked for the gap and it did not come: show what we have rather than nothing.
      if (!more && this.#log.hasGap) for (const event of this.#log.releaseHeld()) this.#deliver(event, false);
    }
    if (more && this.#historyRef === null) {
      // One page of a long transcript (docs/protocol.md): read on to the last.
      this.#historyRef = this.#newId();
      this.#send({ type: 'history', id: this.#historyRef, conversationId: this.#conversationId, afterSeq: last });
    }
    if (!conversationId || conversationId === this.#conversationId) {
      if (frame.state === 'closed') this.#closed = true;
      this.#remember();
      this.#emit('transcript', { conversationId, state: frame.state });
    }
  }

  /**
   * An `error` frame: returns true when it is handled here (a lost conversation, a request
   * moved to another conversation) and not for the visitor to see.
   */
  error(frame) {
    if (frame.ref && frame.ref === this.#historyRef) this.#historyRef = null;
    if (frame.ref && frame.ref === this.#checkRef) {
      this.#checkRef = null;
      if (frame.code === NOT_FOUND) this.#lose();
      return true;
    }
    const request = frame.ref ? this.#outbox.get(frame.ref) : undefined;
    if (!request || !STARTERS.has(request.type) || (frame.code !== NOT_FOUND && frame.code !== BAD_STATE)) return false;
    // An earlier copy of a request already moved off a lost conversation: its resend is on the way.
    if (request.conversationId === undefined) return true;
    if (frame.code === NOT_FOUND && request.conversationId === this.#conversationId) {
      this.#lose();
      return true;
    }
    // Its conversation was closed (or is gone) meanwhile: the open one, or a new one, takes it.
    const { conversationId, ...moved } = request;
    this.#outbox.put(moved);
    this.#send(moved);
    return true;
  }

  /**
   * The server has no open conversation for us, but we know one: it was closed (fetch what is
   * not shown yet, e.g. after a reload) or it is gone (the `history` gets `not_found`). One we
   * never showed anything of is forgotten quietly.
   */
  #check() {
    const remembered = this.#memory.conversation;
    const seen = Math.max(this.#log.lastSeq, remembered?.id === this.#conversationId ? remembered.lastSeq : 0);
    if (seen === 0) {
      this.#forget();
      return;
    }
    this.#checkRef = this.#newId();
    this.#send({ type: 'history', id: this.#checkRef, conversationId: this.#conversationId, afterSeq: this.#log.lastSeq });
  }

  /** The server no longer has the conversation the visitor has seen: say so, start clean. */
  #lose() {
    const lost = this.#conversationId;
    if (!lost) return;
    const moved = this.#forget();
    this.#emit('lost', { conversationId: lost });
    for (const frame of moved) this.#send(frame);
  }

  /**
   * Forgets the current conversation. Messages and handoffs waiting for it stay in the outbox
   * without a conversation (the server then uses the open one or starts one) and are returned;
   * a `close` or `rate` of it is dropped.
   */
  #forget() {
    const gone = this.#conversationId;
    this.#conversationId = null;
    this.#closed = false;
    this.#announced = false;
    this.#log = new SeqLog();
    this.#historyRef = null;
    this.#memory.forgetConversation();
    const moved = [];
    for (const frame of this.#outbox.frames()) {
      if (frame.conversationId !== gone) continue;
      if (STARTERS.has(frame.type)) {
        delete frame.conversationId;
        this.#outbox.put(frame);
        moved.push(frame);
      } else {
        this.#outbox.remove(frame.id);
      }
    }
    return moved;
  }

  #deliver(event, live) {
    if (event.kind === 'closed') this.#closed = true;
    // The event of one of our requests: stored, as good as its ack.
    if (event.id) this.#outbox.remove(event.id);
    this.#emit('event', { event, live });
  }

  #setConversation(conversationId) {
    if (conversationId === this.#conversationId && this.#announced) return;
    const changed = conversationId !== this.#conversationId;
    const previous = changed && this.#announced && this.#log.lastSeq > 0 ? this.#conversationId : null;
    if (changed) {
      this.#conversationId = conversationId;
      this.#closed = false;
      this.#log = new SeqLog();
    }
    this.#announced = true;
    this.#remember();
    this.#emit('conversation', { conversationId, previous });
  }

  #remember() {
    if (this.#conversationId) this.#memory.remember(this.#conversationId, { lastSeq: this.#log.lastSeq, closed: this.#closed });
  }
}
