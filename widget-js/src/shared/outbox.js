/**
 * Requests sent but not yet acknowledged (docs/protocol.md, "The envelope"): `message`,
 * `handoff`, `close` and `rate` frames, oldest first, kept until their `ack` (or their stored
 * `event`) comes back, and sent again with their original `id` after a reconnect; the server
 * stores a resend once and acknowledges it with the same `seq`.
 *
 * With a `storage` and a `key` the frames are also kept there as JSON, so a page reload (or
 * another page of the same site in the same tab) picks them up where the last one left off.
 * A second Outbox on the same storage and key starts with the frames the first one left.
 */
export class Outbox {
  #frames = new Map();
  #storage;
  #key;
  #limit;

  /**
   * @param {object} [o]
   * @param {Storage|null} [o.storage] where to keep the frames (e.g. sessionStorage), or null
   * @param {string|null} [o.key] the storage key
   * @param {number} [o.limit] at most this many frames are kept; the oldest go first
   */
  constructor({ storage = null, key = null, limit = 200 } = {}) {
    if (storage && (typeof key !== 'string' || key === '')) throw new TypeError('Outbox: a key is required with a storage');
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`Outbox: limit must be a positive integer, got ${limit}`);
    this.#storage = storage;
    this.#key = key;
    this.#limit = limit;
    for (const frame of this.#load()) this.#frames.set(frame.id, frame);
  }

  /** How many requests wait for their ack. */
  get size() {
    return this.#frames.size;
  }

  /** True while the request `id` waits for its ack. */
  has(id) {
    return this.#frames.has(id);
  }

  /** The waiting frame with this `id`, or undefined. */
  get(id) {
    return this.#frames.get(id);
  }

  /** The waiting frames, oldest first (copies: change them with {@link put}). */
  frames() {
    return [...this.#frames.values()].map((frame) => ({ ...frame }));
  }

  /**
   * Keeps `frame` (an object with a string `id` and `type`) until {@link remove} is called
   * with its id; putting a frame with an id already kept replaces it in place.
   */
  put(frame) {
    if (typeof frame?.id !== 'string' || frame.id === '' || typeof frame.type !== 'string') {
      throw new TypeError('Outbox.put: a frame with a string id and type is required');
    }
    this.#frames.set(frame.id, { ...frame });
    while (this.#frames.size > this.#limit) this.#frames.delete(this.#frames.keys().next().value);
    this.#save();
  }

  /** Forgets the request `id` (acknowledged, or failed for good); returns its frame, if any. */
  remove(id) {
    const frame = this.#frames.get(id);
    if (!frame) return undefined;
    this.#frames.delete(id);
    this.#save();
    return frame;
  }

  #load() {
    let text;
    try {
      text = this.#storage?.getItem(this.#key) ?? null;
    } catch {
      return [];
    }
    if (!text) return [];
    try {
      const frames = JSON.parse(text);
      return Array.isArray(frames)
        ? frames.filter((f) => f && typeof f === 'object' && typeof f.id === 'string' && f.id !== '' && typeof f.type === 'string')
        : [];
    } catch {
      return []; // not ours or damaged: start empty
    }
  }

  #save() {
    if (!this.#storage) return;
    try {
      if (this.#frames.size === 0) this.#storage.removeItem(this.#key);
      else this.#storage.setItem(this.#key, JSON.stringify([...this.#frames.values()]));
    } catch { /* storage full or blocked: the outbox still lives as long as the page */ }
  }
}
