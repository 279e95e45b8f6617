/**
 * Exponential backoff with jitter for reconnecting sockets.
 *
 * The n-th delay (n from 0) is drawn uniformly from [cap/2, cap] where
 * cap = min(maxMs, baseMs · factor^n): half of it is a floor so clients never hammer a
 * restarting server, the other half is random so a thousand widgets do not reconnect in step.
 * `random` is injected so tests are deterministic.
 */
export class Backoff {
  #baseMs;
  #maxMs;
  #factor;
  #random;
  #attempt = 0;

  constructor({ baseMs = 500, maxMs = 30_000, factor = 2, random = Math.random } = {}) {
    if (!(baseMs > 0)) throw new RangeError(`Backoff: baseMs must be > 0, got ${baseMs}`);
    if (!(maxMs >= baseMs)) throw new RangeError(`Backoff: maxMs must be >= baseMs, got ${maxMs}`);
    if (!(factor >= 1)) throw new RangeError(`Backoff: factor must be >= 1, got ${factor}`);
    if (typeof random !== 'function') throw new TypeError('Backoff: random must be a function');
    this.#baseMs = baseMs;
    this.#maxMs = maxMs;
    this.#factor = factor;
    this.#random = random;
  }

  /** How many delays were handed out since the last reset. */
  get attempt() {
    return this.#attempt;
  }

  /** The upper bound of the n-th delay, before jitter. */
  capFor(attempt) {
    return Math.min(this.#maxMs, this.#baseMs * this.#factor ** attempt);
  }

  /** The next delay in milliseconds; each call moves one step further. */
  next() {
    const cap = this.capFor(this.#attempt);
    this.#attempt += 1;
    const r = Math.min(Math.max(this.#random(), 0), 1);
    return Math.round(cap / 2 + r * (cap / 2));
  }

  /** Back to the first step, after a connection succeeded. */
  reset() {
    this.#attempt = 0;
  }
}
