/**
 * A short message in the page's `#toast` element, shown until a newer one replaces it or five
 * seconds pass. Shared by the agent console and the insights dashboard.
 */
export class Toast {
  #doc;
  #timer = null;

  /** @param {Document} doc the page holding the `#toast` element */
  constructor(doc) {
    this.#doc = doc;
  }

  /** Shows `message`, replacing any message still on screen. */
  show(message) {
    const toast = this.#doc.getElementById('toast');
    toast.textContent = message;
    toast.hidden = false;
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => { toast.hidden = true; }, 5000);
  }
}
