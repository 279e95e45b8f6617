/**
 * Orders and deduplicates the transcript events of one conversation by their server `seq`.
 *
 * The server numbers events 1, 2, 3… without gaps (docs/protocol.md). After a reconnect a
 * client may receive again what it already showed (the `resume` transcript overlaps the live
 * stream), and a frame may in principle overtake another. `accept` returns the events that can
 * be shown now, in order, each exactly once; an event that arrives early is held until the
 * gap before it is filled.
 */
export class SeqLog {
  #lastSeq;
  #held = new Map();

  /** @param lastSeq the highest seq already shown (0 when nothing was). */
  constructor(lastSeq = 0) {
    if (!Number.isInteger(lastSeq) || lastSeq < 0) {
      throw new RangeError(`SeqLog: lastSeq must be a non-negative integer, got ${lastSeq}`);
    }
    this.#lastSeq = lastSeq;
  }

  /** The highest seq delivered so far: what to put in `resume.lastSeq` or `history.afterSeq`. */
  get lastSeq() {
    return this.#lastSeq;
  }

  /** True while events are held because one before them has not arrived yet. */
  get hasGap() {
    return this.#held.size > 0;
  }

  /**
   * Takes one event (an object with an integer `seq`) and returns the events now ready to be
   * shown, in seq order: empty for a duplicate, an event without a valid seq, or one that
   * waits for a gap to be filled.
   */
  accept(event) {
    const seq = event?.seq;
    if (!Number.isInteger(seq) || seq < 1) return [];
    if (seq <= this.#lastSeq || this.#held.has(seq)) return [];
    if (seq !== this.#lastSeq + 1) {
      this.#held.set(seq, event);
      return [];
    }
    const ready = [event];
    this.#lastSeq = seq;
    while (this.#held.has(this.#lastSeq + 1)) {
      const next = this.#held.get(this.#lastSeq + 1);
      this.#held.delete(this.#lastSeq + 1);
      ready.push(next);
      this.#lastSeq += 1;
    }
    return ready;
  }

  /**
   * Gives up waiting for the missing events: returns every held event in seq order and moves
   * past them. For when a `history` answer still leaves a gap (the server no longer has them).
   */
  releaseHeld() {
    const ready = [...this.#held.values()].sort((a, b) => a.seq - b.seq);
    this.#held.clear();
    if (ready.length > 0) this.#lastSeq = ready[ready.length - 1].seq;
    return ready;
  }

  /** Takes several events (e.g. a `transcript` frame's) and returns the ready ones in order. */
  acceptAll(events) {
    const sorted = [...(events ?? [])].sort((a, b) => (a?.seq ?? 0) - (b?.seq ?? 0));
    return sorted.flatMap((event) => this.accept(event));
  }
}
