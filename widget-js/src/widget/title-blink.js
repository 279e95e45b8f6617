/**
 * Blinks the page title ("(2) New message" ↔ the page's own) while messages wait unread and
 * the panel is closed, as messengers do; restores the title when stopped.
 */
export class TitleBlink {
  #timer = null;
  #original = null;
  #text = '';
  #document;
  #periodMs;

  constructor({ document = globalThis.document, periodMs = 1200 } = {}) {
    this.#document = document;
    this.#periodMs = periodMs;
  }

  get blinking() {
    return this.#timer !== null;
  }

  /** Starts blinking `text` (or changes it while blinking). */
  start(text) {
    if (!this.#document) return;
    this.#text = text;
    if (this.#timer !== null) return;
    this.#original = this.#document.title;
    this.#document.title = text;
    this.#timer = setInterval(() => {
      this.#document.title = this.#document.title === this.#text ? this.#original : this.#text;
    }, this.#periodMs);
  }

  stop() {
    if (this.#timer === null) return;
    clearInterval(this.#timer);
    this.#timer = null;
    this.#document.title = this.#original;
  }
}
