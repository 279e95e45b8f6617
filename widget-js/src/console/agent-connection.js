import { Backoff } from '../shared/backoff.js';
import { newId } from '../shared/ids.js';
import { FailedResends } from '../shared/failed-resends.js';
import { INTERNAL, UNAUTHORIZED } from '../shared/error-codes.js';

const RESENDABLE = new Set(['message', 'note', 'close']);
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
 * The agent's WebSocket to `/ws/agent` (docs/protocol.md): `hello` with the session token,
 * reconnect with backoff and jitter, an outbox that resends unacknowledged `message`, `note` and
 * `close` requests with their original `id` (after a reconnect, and with backoff after an
 * `internal` error, which the server sends when it could not store one). A request's own `event` acknowledges it as an `ack`
 * does, and is followed by an `ack` event for it (protocol 2 sends no separate `ack` frame for a
 * `message`). Frames are passed on as events named by their
 * `type` (`welcome`, `queue`, `assigned`, `event`, `transcript`, `typing`, `receipt`, `agents`,
 * `settings`, `alert`, `released`, `visitor`, `ack`, `error`),
 * plus `state` {state} and `unauthorized` (the token is no longer valid: sign in again).
 * Every `hello` carries the presence `presence()` returns, so an agent who chose away (or signs
 * in away) is never made online, nor assigned a chat, by connecting or reconnecting.
 * After each reconnect the server sends `queue` and one `assigned` per owned conversation
 * again; the chats deduplicate on `seq`.
 */
export class AgentConnection extends EventTarget {
  #endpoint;
  #token;
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
  /** Between resends of requests the server could not store (`internal`). */
  #retryBackoff;
  /** Requests the server could not store, sent again together (`internal`). */
  #resends;
  /** The presence to say hello with (`online`, `away`, `offline`), or null to let the server decide. */
  #presence;

  constructor({
    server = globalThis.location?.origin,
    token,
    WebSocketImpl = globalThis.WebSocket,
    backoff = new Backoff({ maxMs: RECONNECT_MAX_MS }),
    retryBackoff = new Backoff({ baseMs: 1000 }),
    idFactory = newId,
    timers = { setTimeout: (fn, ms) => setTimeout(fn, ms), clearTimeout: (t) => clearTimeout(t) },
    presence = () => null,
  }) {
    super();
    if (typeof token !== 'string' || token === '') throw new TypeError('AgentConnection: token is required');
    const url = new URL('/ws/agent', server);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    this.#endpoint = url.href;
    this.#token = token;
    this.#WebSocket = WebSocketImpl;
    this.#backoff = backoff;
    this.#retryBackoff = retryBackoff;
    // The outbox (a Map) keeps sending order: a request keeps its place until acknowledged.
    this.#resends = new FailedResends({
      timers,
      backoff: retryBackoff,
      waiting: () => this.#outbox.values(),
      write: (frame) => {
        if (this.#welcomed) this.#write(frame); // else the welcome after the reconnect resends it
      },
    });
    this.#newId = idFactory;
    this.#timers = timers;
    this.#presence = presence;
  }

  get state() {
    return this.#state;
  }

  connect() {
    this.#wanted = true;
    if (this.#socket || this.#retryTimer !== null) return;
    this.#open();
  }

  disconnect() {
    this.#wanted = false;
    if (this.#retryTimer !== null) this.#timers.clearTimeout(this.#retryTimer);
    this.#retryTimer = null;
    const socket = this.#socket;
    this.#socket = null;
    this.#welcomed = false;
    if (socket) {
      socket.onclose = null;
      socket.onmessage = null;
      try { socket.close(1000, 'bye'); } catch { /* already closed */ }
    }
    this.#setState('closed');
  }

  /** Sends a request, returns its id. `message`, `note` and `close` (which the server stores once per id) are resent after a reconnect until acknowledged. */
  request(type, fields = {}) {
    const frame = { type, id: this.#newId(), ...fields };
    if (RESENDABLE.has(type)) this.#outbox.set(frame.id, frame);
    if (this.#welcomed) this.#write(frame);
    return frame.id;
  }

  /** Typing indicator for a conversation; dropped while disconnected. */
  typing(conversationId, isTyping) {
    if (this.#welcomed) this.#write({ type: 'typing', conversationId, typing: Boolean(isTyping) });
  }

  /** A `receipt` (`delivered` or `read` up to `seq`); returns false when it could not be sent now. */
  receipt(conversationId, seq, status) {
    if (!this.#welcomed) return false;
    this.#write({ type: 'receipt', conversationId, seq, status });
    return true;
  }

  #open() {
    this.#setState(this.#backoff.attempt === 0 ? 'connecting' : 'reconnecting');
    const socket = new this.#WebSocket(this.#endpoint);
    this.#socket = socket;
    socket.onopen = () => {
      const hello = { type: 'hello', id: this.#newId(), version: PROTOCOL_VERSION, token: this.#token };
      const status = this.#presence();
      if (status === 'online' || status === 'away' || status === 'offline') hello.status = status;
      this.#write(hello);
    };
    socket.onmessage = (message) => this.#onText(message.data);
    socket.onclose = (close) => this.#onClose(socket, close);
    socket.onerror = () => { /* a close event follows */ };
  }

  #onText(data) {
    let frame;
    try {
      frame = JSON.parse(data);
    } catch {
      return;
    }
    if (frame === null || typeof frame !== 'object' || typeof frame.type !== 'string') return;
    if (frame.type === 'welcome') {
      this.#welcomed = true;
      this.#backoff.reset();
      this.#setState('open');
      this.#emit('welcome', frame);
      // Everything waiting goes out again, oldest first, failed ones included: no resend is due.
      this.#resends.cancel();
      for (const queued of this.#outbox.values()) this.#write(queued);
      return;
    }
    if (frame.type === 'error' && frame.code === INTERNAL && this.#outbox.has(frame.ref)) {
      // The server could not store it (docs/protocol.md): the same request again, a little
      // later, as the widget does; a reconnect's welcome resends it as well. The chat shows it
      // as still sending.
      this.#resends.add(frame.ref);
      return;
    }
    if (frame.type === 'ack' || frame.type === 'error') this.#outbox.delete(frame.ref);
    if (frame.type === 'ack') this.#retryBackoff.reset();
    if (frame.type === 'event' && typeof frame.id === 'string' && this.#outbox.has(frame.id)) {
      // The request's own event: stored, so it is acknowledged (an `ack` after it, as in version 1).
      this.#outbox.delete(frame.id);
      this.#retryBackoff.reset();
      this.#emit('event', frame);
      this.#emit('ack', { type: 'ack', ref: frame.id, conversationId: frame.conversationId, seq: frame.seq });
      return;
    }
    if (frame.type === 'error' && frame.code === UNAUTHORIZED) {
      this.#wanted = false;
      this.#emit('unauthorized', frame);
      return;
    }
    this.#emit(frame.type, frame);
  }

  #onClose(socket, close) {
    if (socket !== this.#socket) return;
    this.#socket = null;
    this.#welcomed = false;
    if (close?.code === 1008) {
      if (this.#wanted) this.#emit('unauthorized', { code: UNAUTHORIZED, message: close.reason || 'Please sign in again.' });
      this.#wanted = false;
    }
    if (!this.#wanted) {
      this.#setState('closed');
      return;
    }
    this.#setState('reconnecting');
    this.#retryTimer = this.#timers.setTimeout(() => {
      this.#retryTimer = null;
      if (this.#wanted) this.#open();
    }, this.#backoff.next());
  }

  #write(frame) {
    if (this.#socket?.readyState !== 1) return;
    this.#socket.send(JSON.stringify(frame));
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
