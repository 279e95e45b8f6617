// Delivered/read marks (docs/protocol.md, `receipt`) for one chat, both ways. No DOM.

/**
 * What the visitor has received and read of this chat (from their `receipt` frames), and what
 * this console has already told the server, so each receipt is sent once.
 */
export class ReceiptState {
  #theirs = { delivered: 0, read: 0 };
  #sent = { delivered: 0, read: 0 };

  /** The visitor's mark, from a `receipt` frame: returns true when it moved forward. */
  record(status, seq) {
    if (!isStatus(status) || !Number.isInteger(seq) || seq <= this.#theirs[status]) return false;
    this.#theirs[status] = seq;
    if (status === 'read') this.#theirs.delivered = Math.max(this.#theirs.delivered, seq);
    return true;
  }

  /** The mark under the agent's message of `seq`: "Read", "Delivered" or "" (not yet known). */
  label(seq) {
    if (!Number.isInteger(seq)) return '';
    if (seq <= this.#theirs.read) return 'Read';
    if (seq <= this.#theirs.delivered) return 'Delivered';
    return '';
  }

  /**
   * The seq to put in a `receipt` of `status` now that the events up to `seq` are on the
   * device (`delivered`) or on screen (`read`), or null when it was said already.
   */
  toSend(status, seq) {
    if (!isStatus(status) || !Number.isInteger(seq) || seq <= this.#sent[status]) return null;
    this.#sent[status] = seq;
    if (status === 'read') this.#sent.delivered = Math.max(this.#sent.delivered, seq);
    return seq;
  }

  /** After a reconnect the server may have missed what was sent: say it again. */
  forgetSent() {
    this.#sent = { delivered: 0, read: 0 };
  }
}

function isStatus(status) {
  return status === 'delivered' || status === 'read';
}
