import { Backoff } from '../shared/backoff.js';
import { FailedResends } from '../shared/failed-resends.js';
import { Outbox } from '../shared/outbox.js';
import { webStorage } from '../shared/web-storage.js';
import { newId } from '../shared/ids.js';
import { ConversationTracker } from './conversation-tracker.js';
import { VisitorMemory } from './visitor-memory.js';
import { INTERNAL } from '../shared/error-codes.js';

/** Requests the server deduplicates on `id`: kept in the outbox until acknowledged. */
const RESENDABLE = new Set(['message', 'handoff', 'close', 'rate']);
/**
 * The protocol version of the hello (docs/protocol.md): in version 2 a `message` is acknowledged
 * by its own `event`, which carries the request's `id`, instead of by an `ack`.
 */
const PROTOCOL_VERSION = 2;
/**
 * The longest wait between reconnect attempts. Someone is looking at the screen, so 10 s rather
 * than the 30 s of a background client (socket.io caps at 5 s); the jitter (each delay between
 * half and all of its step) still spreads a thousand clients over seconds after a restart.
 */
const RECONNECT_MAX_MS = 10_000;

/**
 * The visitor's WebSocket to `/ws/visitor` (docs/protocol.md), with everything a flaky
 * network needs: `hello` with the stored visitor token and a `resume` point, reconnect with
 * exponential backoff and jitter, an {@link Outbox} (in sessionStorage, so a reload keeps it)
 * that resends unacknowledged requests with their original `id`, and transcript events
 * delivered in `seq` order exactly once.
 *
 * Which conversation, and which of its events to show, is the {@link ConversationTracker}'s
 * part: when the server no longer has a conversation the visitor has seen, it emits `lost`
 * and sends what the visitor wrote meanwhile to a new conversation.
 *
 * States: `idle` (no socket yet) → `connecting` → `open` (welcomed) → `reconnecting` → …;
 * `closed` after {@link disconnect}. Events (CustomEvent, payload in `detail`):
 * `state` {state}, `welcome` (the frame), `conversation` {conversationId, previous}
 * (`previous` is the conversation shown before, or null), `event` {event, live} (one
 * transcript event, deduplicated, in order; `live` is false for events replayed from a
 * `transcript` frame), `transcript` {conversationId, state}, `lost` {conversationId}, `ack`,
 * `queue_status`, `typing`, `error` (frames as received), and `earlier` {ref, conversationId,
 * state, events} or {ref, conversationId, error} (the answer to {@link fetchEarlier}).
 */
export class Connection extends EventTarget {
  #endpoint;
  #site;
  #context;
  #department;
  #identity;
  #memory;
  #outbox;
  #WebSocket;
  #backoff;
  #newId;
  #timers;
  #socket = null;
  #state = 'idle';
  #wanted = false;
  #welcomed = false;
  #retryTimer = null;
  /** Between resends of requests the server could not store (`internal`). */
  #retryBackoff;
  /** Requests the server could not store, sent again together (`internal`). */
  #resends;
  #conversation;
  /**
   * `history` requests for earlier conversations (read-only), by id: {conversationId, ref (of
   * the first page), events so far}. A long transcript comes in pages (`more`), read to the last.
   */
  #earlierRefs = new Map();

  /**
   * @param {object} o
   * @param {string} o.server  the server's origin, e.g. `https://chat.example.com`
   * @param {string} o.site    the site key (`data-site`)
   * @param {object|function} [o.context] the hello `context`, or a function returning it
   * @param {function} [o.department] () => the hello `department`, or null
   * @param {function} [o.identity] () => the hello `identity` ({userId, name, email, signature|token}), or null
   * @param {Storage} [o.storage] where the visitor token and conversation are kept (localStorage)
   * @param {Storage} [o.outboxStorage] where unacknowledged requests are kept (sessionStorage:
   *   each tab resends only what it sent itself)
   * @param {Backoff} [o.retryBackoff] the waits before resending requests the server could not
   *   store (`internal`); reset by each ack
   */
  constructor({
    server,
    site,
    context = {},
    department = () => null,
    identity = () => null,
    storage = webStorage('localStorage'),
    outboxStorage = webStorage('sessionStorage'),
    WebSocketImpl = globalThis.WebSocket,
    backoff = new Backoff({ maxMs: RECONNECT_MAX_MS }),
    retryBackoff = new Backoff({ baseMs: 1000 }),
    idFactory = newId,
    timers = { setTimeout: (fn, ms) => setTimeout(fn, ms), clearTimeout: (t) => clearTimeout(t) },
  }) {
    super();
    if (typeof site !== 'string' || site === '') throw new TypeError('Connection: site is required');
    if (typeof WebSocketImpl !== 'function') throw new TypeError('Connection: no WebSocket available');
    this.#endpoint = Connection.endpointFor(server);
    this.#site = site;
    this.#context = context;
    this.#department = department;
    this.#identity = identity;
    this.#memory = new VisitorMemory(storage, site);
    this.#outbox = new Outbox({ storage: outboxStorage, key: outboxKey(site) });
    this.#WebSocket = WebSocketImpl;
    this.#backoff = backoff;
    this.#retryBackoff = retryBackoff;
    // Outbox order is sending order: a request keeps its place there until acknowledged.
    this.#resends = new FailedResends({
      timers,
      backoff: retryBackoff,
      waiting: () => this.#outbox.frames(),
      write: (frame) => this.#write(frame),
    });
    this.#newId = idFactory;
    this.#timers = timers;
    this.#conversation = new ConversationTracker({
      memory: this.#memory,
      outbox: this.#outbox,
      send: (frame) => this.#write(frame),
      newId: () => this.#newId(),
      emit: (type, detail) => this.#emit(type, detail),
    });
  }

  /** `ws(s)://host/ws/visitor` for a server origin `http(s)://host`. */
  static endpointFor(server) {
    const url = new URL('/ws/visitor', server);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    return url.href;
  }

  /**
   * True when this browser has a conversation going for `site` (a visitor token and an open
   * conversation stored), or this tab has requests waiting to be sent.
   */
  static hasOngoingConversation(site, storage = webStorage('localStorage'), outboxStorage = webStorage('sessionStorage')) {
    return VisitorMemory.hasOpenConversation(storage, site)
      || new Outbox({ storage: outboxStorage, key: outboxKey(site) }).size > 0;
  }

  get state() {
    return this.#state;
  }

  /** The current conversation's id, or null before the first message. */
  get conversationId() {
    return this.#conversation.conversationId;
  }

  /** True once the current conversation is closed (a new message will start another one). */
  get conversationClosed() {
    return this.#conversation.closed;
  }

  /** The highest `seq` shown of the current conversation. */
  get lastSeq() {
    return this.#conversation.lastSeq;
  }

  /** The visitor token from the last `welcome` (for the transcript download), or null. */
  get visitorToken() {
    return this.#memory.token;
  }

  /** Ids of requests sent but not yet acknowledged, oldest first. */
  get unacknowledged() {
    return this.#outbox.frames().map((frame) => frame.id);
  }

  /** The visitor's messages still waiting for their ack, oldest first: [{id, text}]. */
  get pendingMessages() {
    return this.#outbox.frames().filter((f) => f.type === 'message').map(({ id, text }) => ({ id, text }));
  }

  /** Opens the socket (once; later calls do nothing while it is open or reconnecting). */
  connect() {
    this.#wanted = true;
    if (this.#socket || this.#retryTimer !== null) return;
    this.#open();
  }

  /** While waiting to reconnect, tries now (the network is back, or the visitor wrote). */
  retryNow() {
    if (!this.#wanted || this.#retryTimer === null) return;
    this.#timers.clearTimeout(this.#retryTimer);
    this.#retryTimer = null;
    this.#open();
  }

  /** Closes the socket for good (until the next {@link connect}). */
  disconnect() {
    this.#wanted = false;
    if (this.#retryTimer !== null) this.#timers.clearTimeout(this.#retryTimer);
    this.#retryTimer = null;
    const socket = this.#socket;
    this.#socket = null;
    this.#welcomed = false;
    if (socket) {
      detach(socket);
      try { socket.close(1000, 'bye'); } catch { /* already closed */ }
    }
    this.#dropEarlier();
    this.#setState('closed');
  }

  /** The socket is gone: answers to earlier-conversation requests will not come. */
  #dropEarlier() {
    const pending = [...this.#earlierRefs.values()];
    this.#earlierRefs.clear();
    for (const { ref, conversationId } of pending) this.#emit('earlier', { ref, conversationId, error: 'offline' });
  }

  /**
   * Sends a request and returns its `id`. `conversationId` is filled in when known.
   * `message`, `handoff`, `close` and `rate` wait in the outbox until acknowledged, and are
   * sent again with the same `id` after a reconnect. Connects if not yet connected.
   */
  request(type, fields = {}) {
    const frame = { type, id: this.#newId(), ...fields };
    const conversationId = this.#conversation.conversationFor(type);
    if (frame.conversationId === undefined && conversationId) frame.conversationId = conversationId;
    if (RESENDABLE.has(type)) this.#outbox.put(frame);
    if (this.#welcomed) {
      this.#write(frame);
    } else {
      this.connect();
      this.retryNow();
    }
    return frame.id;
  }

  sendMessage(text, entryId) {
    return this.request('message', entryId ? { text, entryId } : { text });
  }

  requestHandoff() {
    return this.request('handoff');
  }

  closeConversation(reason = 'visitor_closed') {
    return this.request('close', { reason });
  }

  rate(score, comment) {
    return this.request('rate', comment ? { score, comment } : { score });
  }

  /**
   * Asks for the whole transcript of one of the visitor's earlier (closed) conversations, to
   * show read-only: the answer comes as an `earlier` event carrying the returned `ref`, and
   * never touches the current conversation. Returns null when not connected (nothing sent).
   */
  fetchEarlier(conversationId) {
    const frame = { type: 'history', id: this.#newId(), conversationId, afterSeq: 0 };
    if (!this.#write(frame)) return null;
    this.#earlierRefs.set(frame.id, { conversationId, ref: frame.id, events: [] });
    return frame.id;
  }

  /** Tells the agent how far the visitor got (`delivered` or `read` up to `seq`): fire and forget. */
  receipt(status, seq) {
    const conversationId = this.#conversation.conversationId;
    if (!this.#welcomed || !conversationId || !Number.isInteger(seq) || seq < 1) return;
    this.#write({ type: 'receipt', conversationId, seq, status });
  }

  /**
   * Says hello again on a new socket (the identity or department changed): the server reads
   * them from the `hello`. Does nothing before the first {@link connect}.
   */
  restart() {
    if (!this.#wanted) return;
    const socket = this.#socket;
    this.#socket = null;
    this.#welcomed = false;
    if (socket) {
      detach(socket);
      try { socket.close(1000, 'hello again'); } catch { /* already closed */ }
    }
    this.#conversation.disconnected();
    this.#dropEarlier();
    if (this.#retryTimer !== null) this.#timers.clearTimeout(this.#retryTimer);
    this.#retryTimer = null;
    this.#backoff.reset();
    this.#open();
  }

  /**
   * Forgets the visitor of `site` in this browser: token, conversation and this tab's outbox
   * (`Concierge.reset()`, e.g. when the site's user signs out).
   */
  static forget(site, storage = webStorage('localStorage'), outboxStorage = webStorage('sessionStorage')) {
    VisitorMemory.forget(storage, site);
    try { outboxStorage?.removeItem(outboxKey(site)); } catch { /* blocked */ }
  }

  /** Typing indicator: fire and forget, only while connected and in a conversation. */
  typing(isTyping) {
    const conversationId = this.#conversation.conversationId;
    if (!this.#welcomed || !conversationId) return;
    this.#write({ type: 'typing', conversationId, typing: Boolean(isTyping) });
  }

  #open() {
    this.#setState(this.#backoff.attempt === 0 ? 'connecting' : 'reconnecting');
    let socket;
    try {
      socket = new this.#WebSocket(this.#endpoint);
    } catch (error) {
      this.#emit('error', { code: 'connect_failed', message: String(error?.message ?? error) });
      this.#scheduleReconnect();
      return;
    }
    this.#socket = socket;
    socket.onopen = () => this.#sendHello();
    socket.onmessage = (message) => this.#onText(message.data);
    socket.onclose = (close) => this.#onClose(socket, close);
    socket.onerror = () => { /* a close event follows */ };
  }

  #sendHello() {
    const hello = { type: 'hello', id: this.#newId(), version: PROTOCOL_VERSION, site: this.#site };
    const token = this.#memory.token;
    if (token) hello.visitorToken = token;
    const context = typeof this.#context === 'function' ? this.#context() : this.#context;
    if (context && Object.keys(context).length > 0) hello.context = context;
    const resume = this.#conversation.resume;
    if (resume) hello.resume = resume;
    const department = this.#department();
    if (department) hello.department = department;
    const identity = this.#identity();
    if (identity) hello.identity = identity;
    this.#write(hello);
  }

  #onText(data) {
    let frame;
    try {
      frame = JSON.parse(data);
    } catch {
      return;
    }
    if (frame === null || typeof frame !== 'object') return;
    if (frame.ref && this.#earlierRefs.has(frame.ref) && (frame.type === 'transcript' || frame.type === 'error')) {
      this.#onEarlier(frame);
      return;
    }
    switch (frame.type) {
      case 'welcome': return this.#onWelcome(frame);
      case 'ack': return this.#onAck(frame);
      case 'event': return this.#onEvent(frame);
      case 'transcript': return this.#conversation.transcript(frame);
      case 'availability': return this.#emit('availability', frame);
      case 'queue_status':
      case 'typing':
      case 'receipt':
        if (frame.conversationId && frame.conversationId !== this.#conversation.conversationId) return undefined;
        return this.#emit(frame.type, frame);
      case 'error': return this.#onError(frame);
      default: return undefined; // unknown types are ignored (forward compatibility)
    }
  }

  #onWelcome(frame) {
    if (frame.visitorToken) this.#memory.token = frame.visitorToken;
    this.#welcomed = true;
    this.#backoff.reset();
    this.#conversation.welcome(frame);
    this.#setState('open');
    this.#emit('welcome', frame);
    // Everything waiting goes out again, oldest first, failed ones included: no resend is due.
    this.#resends.cancel();
    for (const queued of this.#outbox.frames()) this.#write(queued);
  }

  #onEarlier(frame) {
    const reading = this.#earlierRefs.get(frame.ref);
    this.#earlierRefs.delete(frame.ref);
    const { conversationId, ref } = reading;
    if (frame.type === 'error') {
      this.#emit('earlier', { ref, conversationId, error: frame.code ?? 'error' });
      return;
    }
    const events = Array.isArray(frame.events) ? frame.events.map((event) => ({ conversationId, ...event })) : [];
    reading.events.push(...events);
    const last = events.at(-1)?.seq;
    if (frame.more === true && Number.isInteger(last)) {
      // One page of a long transcript (docs/protocol.md): ask for the next.
      const next = { type: 'history', id: this.#newId(), conversationId, afterSeq: last };
      if (this.#write(next)) {
        this.#earlierRefs.set(next.id, reading);
        return;
      }
    }
    this.#emit('earlier', { ref, conversationId, state: frame.state, events: reading.events });
  }

  #onEvent(frame) {
    // A request's own event means it is stored: it acknowledges the request as an `ack` would
    // (protocol 2 sends none for a `message`), and the `ack` event follows it as in version 1.
    const acknowledges = typeof frame.id === 'string' && this.#outbox.has(frame.id);
    this.#conversation.ingest(frame.conversationId, [frame], true);
    if (acknowledges) this.#onAck({ type: 'ack', ref: frame.id, conversationId: frame.conversationId, seq: frame.seq });
  }

  #onAck(frame) {
    this.#outbox.remove(frame.ref);
    this.#retryBackoff.reset();
    this.#conversation.ack(frame);
    this.#emit('ack', frame);
  }

  #onError(frame) {
    if (this.#conversation.error(frame)) return;
    if (frame.code === INTERNAL && this.#outbox.has(frame.ref)) {
      // Nothing was stored (docs/protocol.md): the same request again, a little later.
      this.#resends.add(frame.ref);
      return;
    }
    if (frame.ref) this.#outbox.remove(frame.ref);
    this.#emit('error', frame);
  }

  #onClose(socket, close) {
    if (socket !== this.#socket) return;
    detach(socket);
    this.#socket = null;
    this.#welcomed = false;
    this.#conversation.disconnected();
    this.#dropEarlier();
    if (close?.code === 1008) {
      this.#wanted = false;
      this.#emit('error', { code: 'policy', message: close.reason || 'The server refused the connection.' });
      this.#setState('closed');
      return;
    }
    if (this.#wanted) this.#scheduleReconnect();
    else this.#setState('closed');
  }

  #scheduleReconnect() {
    const delay = this.#backoff.next();
    this.#setState('reconnecting');
    this.#retryTimer = this.#timers.setTimeout(() => {
      this.#retryTimer = null;
      if (this.#wanted) this.#open();
    }, delay);
  }

  #write(frame) {
    const socket = this.#socket;
    if (!this.#welcomed && frame.type !== 'hello') return false;
    if (!socket || socket.readyState !== 1) return false;
    socket.send(JSON.stringify(frame));
    return true;
  }

  #setState(state) {
    if (state === this.#state) return;
    this.#state = state;
    this.#emit('state', { state });
  }

  #emit(type, detail) {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }
}

function outboxKey(site) {
  return `concierge.outbox.${site}`;
}

function detach(socket) {
  socket.onopen = null;
  socket.onmessage = null;
  socket.onclose = null;
  socket.onerror = null;
}
