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

/** Timers on a fake clock: each fires at its deadline, earliest first (set order on a tie). */
export class FakeClock {
  now = 0;
  #next = 0;
  pending = [];
  setTimeout = (fn, ms) => { const handle = ++this.#next; this.pending.push({ handle, fn, at: this.now + ms }); return handle; };
  clearTimeout = (handle) => { this.pending = this.pending.filter((t) => t.handle !== handle); };
  /** Runs every timer due within `ms`, in deadline order, and moves the clock on. */
  advance(ms) {
    const until = this.now + ms;
    for (;;) {
      const due = this.pending.filter((t) => t.at <= until).sort((a, b) => a.at - b.at || a.handle - b.handle)[0];
      if (!due) break;
      this.pending = this.pending.filter((t) => t !== due);
      this.now = due.at;
      due.fn();
    }
    this.now = until;
  }
}
