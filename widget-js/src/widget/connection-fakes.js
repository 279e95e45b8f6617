// Stand-ins for the connection tests: a WebSocket the test plays the server of, storage and
// timers. Not part of the widget bundle (only the tests import it).

/** A WebSocket stand-in that records what the client sends and lets a test play the server. */
export class FakeSocket {
  static instances = [];
  readyState = 0;
  sent = [];
  constructor(url) {
    this.url = url;
    FakeSocket.instances.push(this);
  }
  send(text) { this.sent.push(JSON.parse(text)); }
  close(code = 1000) { this.readyState = 3; this.closedWith = code; }
  // Test side:
  serverOpen() { this.readyState = 1; this.onopen?.({}); }
  serverSend(frame) { this.onmessage?.({ data: JSON.stringify(frame) }); }
  serverClose(code = 1006) { this.readyState = 3; this.onclose?.({ code, reason: '' }); }
  last(type) { return this.sent.filter((f) => f.type === type).at(-1); }
  messageIds() { return this.sent.filter((f) => f.type === 'message').map((f) => f.id); }
}

export class MemoryStorage {
  #map = new Map();
  getItem(k) { return this.#map.has(k) ? this.#map.get(k) : null; }
  setItem(k, v) { this.#map.set(k, String(v)); }
  removeItem(k) { this.#map.delete(k); }
}

export class ManualTimers {
  pending = [];
  setTimeout = (fn, ms) => { this.pending.push({ fn, ms }); return this.pending.length; };
  clearTimeout = () => { this.pending = []; };
  runNext() { const t = this.pending.shift(); t.fn(); return t.ms; }
}
