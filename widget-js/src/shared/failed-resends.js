/**
 * Requests the server could not store (`internal`, docs/protocol.md), sent again together: one
 * timer at a time, and when it fires the failed requests still waiting are written again in the
 * order they were first sent — but only those with no request still unanswered before them, so
 * that a later one is never stored first (an earlier request in flight may fail too, and must
 * go first). The others wait for another round. Requests that fail while the timer waits go out
 * with it. The widget's and the console's connections share it.
 */
export class FailedResends {
  #timers;
  #backoff;
  #waiting;
  #write;
  /** The one pending timer, or null. */
  #timer = null;
  /** Ids of requests answered `internal`, to be written again when the timer fires. */
  #failed = new Set();

  /**
   * @param {object} options
   * @param {{setTimeout: Function, clearTimeout: Function}} options.timers
   * @param {{next: () => number}} options.backoff the delay before each round
   * @param {() => Iterable<object>} options.waiting the requests still waiting, in sending order
   * @param {(frame: object) => void} options.write sends a frame, or drops it when no socket can
   */
  constructor({ timers, backoff, waiting, write }) {
    this.#timers = timers;
    this.#backoff = backoff;
    this.#waiting = waiting;
    this.#write = write;
  }

  /** The request `id` was not stored: it goes out again with the next round. */
  add(id) {
    this.#failed.add(id);
    if (this.#timer !== null) return;
    this.#schedule();
  }

  #schedule() {
    this.#timer = this.#timers.setTimeout(() => {
      this.#timer = null;
      const failed = this.#failed;
      this.#failed = new Set();
      let blocked = false; // an earlier request is still in flight
      for (const frame of this.#waiting()) {
        if (!failed.has(frame.id)) {
          blocked = true;
        } else if (blocked) {
          this.#failed.add(frame.id);
        } else {
          this.#write(frame);
        }
      }
      if (this.#failed.size > 0) this.#schedule();
    }, this.#backoff.next());
  }

  /** Forgets the failed requests and the timer (a reconnect's welcome resends the whole outbox). */
  cancel() {
    if (this.#timer !== null) this.#timers.clearTimeout(this.#timer);
    this.#timer = null;
    this.#failed.clear();
  }
}
