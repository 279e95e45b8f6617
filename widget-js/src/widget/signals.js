// What the widget tells the agent besides messages, and shows of the agent besides messages:
// typing indicators both ways and delivered/read receipts (docs/protocol.md `typing`,
// `receipt`). No DOM of its own: it talks to the connection and the view it is given.

const TYPING_REPEAT_MS = 2500;
const TYPING_IDLE_MS = 4000;
const TYPING_SHOWN_MS = 6000;

export class Signals {
  #connection;
  #view;
  #agentName;
  /** Receipts sent: the highest agent event seq reported delivered / read. */
  #agentSeq = 0;
  #deliveredSent = 0;
  #readSent = 0;
  #typingSentAt = 0;
  #typingStop = null;
  #typingHide = null;

  /**
   * @param connection () => the current Connection, or null
   * @param view       () => the WidgetView, or null (its `visible` and `setTyping`)
   * @param agentName  () => the name to show while the agent types
   */
  constructor({ connection, view, agentName }) {
    this.#connection = connection;
    this.#view = view;
    this.#agentName = agentName;
  }

  /** Another conversation starts: no receipt sent for it yet. */
  resetReceipts() {
    this.#agentSeq = 0;
    this.#deliveredSent = 0;
    this.#readSent = 0;
  }

  /** An agent's message reached this device: say so, and that it was read if it is on screen. */
  agentMessage(seq) {
    if (!Number.isInteger(seq)) return;
    this.#agentSeq = Math.max(this.#agentSeq, seq);
    if (this.#agentSeq > this.#deliveredSent) {
      this.#deliveredSent = this.#agentSeq;
      this.#connection()?.receipt('delivered', this.#agentSeq);
    }
    this.sendRead();
  }

  /** What the agent wrote is on screen (panel open, tab visible): say it was read. */
  sendRead() {
    const connection = this.#connection();
    if (!this.#view()?.visible || this.#agentSeq <= this.#readSent || connection?.state !== 'open') return;
    this.#readSent = this.#agentSeq;
    connection.receipt('read', this.#agentSeq);
  }

  /** The visitor typed: `typing: true` at most every few seconds, `false` once they pause. */
  typing() {
    const connection = this.#connection();
    if (!connection) return;
    const now = Date.now();
    if (now - this.#typingSentAt > TYPING_REPEAT_MS) {
      connection.typing(true);
      this.#typingSentAt = now;
    }
    clearTimeout(this.#typingStop);
    this.#typingStop = setTimeout(() => this.stopTyping(), TYPING_IDLE_MS);
  }

  stopTyping() {
    clearTimeout(this.#typingStop);
    if (this.#typingSentAt !== 0) this.#connection()?.typing(false);
    this.#typingSentAt = 0;
  }

  /** A `typing` frame: show the agent typing for a while, or stop showing it. */
  onTyping(frame) {
    if (frame.role !== 'agent') return;
    clearTimeout(this.#typingHide);
    const view = this.#view();
    if (!frame.typing) {
      view.setTyping(null);
      return;
    }
    view.setTyping(this.#agentName());
    this.#typingHide = setTimeout(() => this.#view()?.setTyping(null), TYPING_SHOWN_MS);
  }
}
