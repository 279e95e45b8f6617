import { Backoff } from '../shared/backoff.js';
import { SeqLog } from '../shared/seq-log.js';
import { newId } from '../shared/ids.js';

/** Requests the server deduplicates on `id`: kept in the outbox until acknowledged. */
const RESENDABLE = new Set(['message', 'handoff', 'close', 'rate']);
const PROTOCOL_VERSION = 1;

/**
 * The visitor's WebSocket to `/ws/visitor` (docs/protocol.md), with everything a flaky
 * network needs: `hello` with the stored visitor token and a `resume` point, reconnect with
 * exponential backoff and jitter, an outbox that resends unacknowledged requests with their
 * original `id`, and transcript events delivered in `seq` order exactly once.
 *
 * States: `idle` (no socket yet) → `connecting` → `open` (welcomed) → `reconnecting` → …;
 * `closed` after {@link disconnect}. Events (CustomEvent, payload in `detail`):
 * `state` {state}, `welcome` (the frame), `conversation` {conversationId, previous},
 * `event` {event, live} (one transcript event, deduplicated, in order; `live` is false for
 * events replayed from a `transcript` frame), `transcript` {conversationId,
 * state}, `ack`, `queue_status`, `typing`, `error` (frames as received).
 */
export class Connection extends EventTarget {
  #endpoint;
  #site;
  #context;
  #storage;
  #WebSocket;
  #backoff;
  #newId;
  #timers;
  #socket = null;
  #state = 'idle';
  #wanted = false;
  #welcomed = false;
  #retryTimer = null;
  #outbox = new Map();
  #conversationId = null;
  #log = new SeqLog();
  #historyRef = null;
  #helloRef = null;
  #conversationClosed = false;

  /**
   * @param {object} o
   * @param {string} o.server  the server's origin, e.g. `https://chat.example.com`
   * @param {string} o.site    the site key (`data-site`)
   * @param {object|function} [o.context] the hello `context`, or a function returning it
   * @param {Storage} [o.storage] where the visitor token and conversation id are kept
   */
  constructor({
    server,
    site,
    context = {},
    storage = defaultStorage(),
    WebSocketImpl = globalThis.WebSocket,
    backoff = new Backoff(),
    idFactory = newId,
    timers = { setTimeout: (fn, ms) => setTimeout(fn, ms), clearTimeout: (t) => clearTimeout(t) },
  }) {
    super();
    if (typeof site !== 'string' || site === '') throw new TypeError('Connection: site is required');
    if (typeof WebSocketImpl !== 'function') throw new TypeError('Connection: no WebSocket available');
    this.#endpoint = Connection.endpointFor(server);
    this.#site = site;
    this.#context = context;
    this.#storage = storage;
    this.#WebSocket = WebSocketImpl;
    this.#backoff = backoff;
    this.#newId = idFactory;
    this.#timers = timers;
    this.#conversationId = this.#read(this.#conversationKey) ?? null;
  }

  /** `ws(s)://host/ws/visitor` for a server origin `http(s)://host`. */
  static endpointFor(server) {
    const url = new URL('/ws/visitor', server);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    return url.href;
  }

  /** True when this browser has a visitor token and a conversation id for `site` stored. */
  static hasOngoingConversation(site, storage = defaultStorage()) {
    try {
      return Boolean(storage?.getItem(tokenKey(site)) && storage?.getItem(conversationKey(site)));
    } catch {
      return false;
    }
  }

  get state() {
    return this.#state;
  }

  /** The current conversation's id, or null before the first message. */
  get conversationId() {
    return this.#conversationId;
  }

  /** True once the current conversation is closed (a new message will start another one). */
  get conversationClosed() {
    return this.#conversationClosed;
  }

  /** The highest `seq` shown of the current conversation. */
  get lastSeq() {
    return this.#log.lastSeq;
  }

  /** Opens the socket (once; later calls do nothing while it is open or reconnecting). */
  connect() {
    this.#wanted = true;
    if (this.#socket || this.#retryTimer !== null) return;
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
    this.#setState('closed');
  }

  /**
   * Sends a request and returns its `id`. `conversationId` is filled in when known.
   * `message`, `handoff`, `close` and `rate` wait in the outbox until acknowledged, and are
   * sent again with the same `id` after a reconnect. Connects if not yet connected.
   */
  request(type, fields = {}) {
    const frame = { type, id: this.#newId(), ...fields };
    // After a close, a new message or handoff starts a new conversation: name none.
    const startsNew = this.#conversationClosed && (type === 'message' || type === 'handoff');
    if (frame.conversationId === undefined && this.#conversationId && !startsNew) frame.conversationId = this.#conversationId;
    if (RESENDABLE.has(type)) this.#outbox.set(frame.id, frame);
    if (this.#welcomed) this.#write(frame);
    else this.connect();
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

  /** Typing indicator: fire and forget, only while connected and in a conversation. */
  typing(isTyping) {
    if (!this.#welcomed || !this.#conversationId) return;
    this.#write({ type: 'typing', conversationId: this.#conversationId, typing: Boolean(isTyping) });
  }

  /** Ids of requests sent but not yet acknowledged, oldest first. */
  get unacknowledged() {
    return [...this.#outbox.keys()];
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
    this.#helloRef = this.#newId();
    const hello = { type: 'hello', id: this.#helloRef, version: PROTOCOL_VERSION, site: this.#site };
    const token = this.#read(this.#tokenKey);
    if (token) hello.visitorToken = token;
    const context = typeof this.#context === 'function' ? this.#context() : this.#context;
    if (context && Object.keys(context).length > 0) hello.context = context;
    if (this.#conversationId) hello.resume = { conversationId: this.#conversationId, lastSeq: this.#log.lastSeq };
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
    switch (frame.type) {
      case 'welcome': return this.#onWelcome(frame);
      case 'ack': return this.#onAck(frame);
      case 'event': return this.#ingest(frame.conversationId, [frame], true);
      case 'transcript': return this.#onTranscript(frame);
      case 'queue_status':
      case 'typing':
        if (frame.conversationId && frame.conversationId !== this.#conversationId) return undefined;
        return this.#emit(frame.type, frame);
      case 'error': return this.#onError(frame);
      default: return undefined; // unknown types are ignored (forward compatibility)
    }
  }

  #onWelcome(frame) {
    if (frame.visitorToken) this.#store(this.#tokenKey, frame.visitorToken);
    this.#welcomed = true;
    this.#backoff.reset();
    if (frame.conversationId) {
      this.#setConversation(frame.conversationId);
    } else if (this.#conversationId && this.#log.lastSeq === 0) {
      // The stored conversation is over and nothing of it is on screen: start clean.
      this.#conversationId = null;
      this.#remove(this.#conversationKey);
    }
    this.#setState('open');
    this.#emit('welcome', frame);
    for (const queued of this.#outbox.values()) {
      if (queued.conversationId === undefined && this.#conversationId) queued.conversationId = this.#conversationId;
      this.#write(queued);
    }
  }

  #onAck(frame) {
    this.#outbox.delete(frame.ref);
    if (frame.conversationId && !this.#conversationId) this.#setConversation(frame.conversationId);
    this.#emit('ack', frame);
  }

  #onTranscript(frame) {
    const conversationId = frame.conversationId;
    const events = Array.isArray(frame.events) ? frame.events : [];
    this.#ingest(conversationId, events.map((event) => ({ conversationId, ...event })), false);
    if (frame.ref && frame.ref === this.#historyRef) {
      this.#historyRef = null;
      // Asked for the gap and it did not come: show what we have rather than nothing.
      if (this.#log.hasGap) for (const event of this.#log.releaseHeld()) this.#deliver(event, false);
    }
    if (frame.state === 'closed' && (!conversationId || conversationId === this.#conversationId)) this.#conversationClosed = true;
    if (!conversationId || conversationId === this.#conversationId) {
      this.#emit('transcript', { conversationId, state: frame.state });
    }
  }

  #onError(frame) {
    if (frame.ref && this.#outbox.has(frame.ref)) this.#outbox.delete(frame.ref);
    if (frame.ref && frame.ref === this.#historyRef) this.#historyRef = null;
    if (frame.ref && frame.ref === this.#helloRef && frame.code === 'not_found' && this.#log.lastSeq === 0) {
      this.#conversationId = null;
      this.#remove(this.#conversationKey);
    }
    this.#emit('error', frame);
  }

  #ingest(conversationId, events, live) {
    if (conversationId && conversationId !== this.#conversationId) this.#setConversation(conversationId);
    for (const event of this.#log.acceptAll(events)) this.#deliver(event, live);
    if (this.#log.hasGap && this.#historyRef === null && this.#welcomed) {
      this.#historyRef = this.#newId();
      this.#write({ type: 'history', id: this.#historyRef, conversationId: this.#conversationId, afterSeq: this.#log.lastSeq });
    }
  }

  #deliver(event, live) {
    if (event.kind === 'closed') this.#conversationClosed = true;
    this.#emit('event', { event, live });
  }

  #setConversation(conversationId) {
    if (conversationId === this.#conversationId) return;
    const previous = this.#conversationId;
    this.#conversationId = conversationId;
    this.#conversationClosed = false;
    this.#log = new SeqLog();
    this.#store(this.#conversationKey, conversationId);
    this.#emit('conversation', { conversationId, previous });
  }

  #onClose(socket, close) {
    if (socket !== this.#socket) return;
    detach(socket);
    this.#socket = null;
    this.#welcomed = false;
    this.#historyRef = null;
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

  get #tokenKey() {
    return tokenKey(this.#site);
  }

  get #conversationKey() {
    return conversationKey(this.#site);
  }

  #read(key) {
    try { return this.#storage?.getItem(key) ?? null; } catch { return null; }
  }

  #store(key, value) {
    try { this.#storage?.setItem(key, value); } catch { /* storage full or blocked: live without */ }
  }

  #remove(key) {
    try { this.#storage?.removeItem(key); } catch { /* blocked */ }
  }
}

function tokenKey(site) {
  return `concierge.visitorToken.${site}`;
}

function conversationKey(site) {
  return `concierge.conversationId.${site}`;
}

function defaultStorage() {
  try {
    return globalThis.localStorage ?? null;
  } catch {
    return null; // e.g. blocked third-party storage
  }
}

function detach(socket) {
  socket.onopen = null;
  socket.onmessage = null;
  socket.onclose = null;
  socket.onerror = null;
}
