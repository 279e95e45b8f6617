import { h } from '../shared/dom.js';
import { ENGLISH } from './strings.js';

/**
 * Shown when a conversation has ended and the visitor gave an email address in it: "Email me
 * the transcript". Clicking calls `onSend(email)` (the `transcript_email` request, docs/protocol.md);
 * {@link sent} then says where it went, {@link failed} why not (e.g. asked too often), and the
 * button stays, so the visitor may ask again.
 */
export class TranscriptEmail {
  #root;
  #button;
  #status;
  #strings;
  #onSend;
  #email = null;

  constructor({ onSend, strings = ENGLISH }) {
    this.#onSend = onSend;
    this.#strings = strings;
    this.#button = h('button', {
      type: 'button', class: 'human', text: strings.t('transcriptEmail'),
      on: { click: () => this.#send() },
    });
    this.#status = h('p', { class: 'transcript-email-status', hidden: true });
    this.#root = h('div', { class: 'transcript-email', hidden: true }, this.#button, this.#status);
  }

  get element() {
    return this.#root;
  }

  /** Offers the transcript to `email` (hides the offer when null); keeps what it said until then. */
  offer(email) {
    if (!email) {
      this.hide();
      return;
    }
    if (!this.#root.hidden && email === this.#email) return;
    this.#email = email;
    this.#button.disabled = false;
    this.#status.hidden = true;
    this.#root.hidden = false;
  }

  /** The server took the request: the transcript is on its way to `email`. */
  sent(email) {
    this.#say('status', this.#strings.t('transcriptSent', { email }));
  }

  /** Refused or failed: `message` says why, already in the visitor's language. */
  failed(message) {
    this.#say('alert', message);
  }

  hide() {
    this.#root.hidden = true;
    this.#status.hidden = true;
    this.#email = null;
  }

  #send() {
    if (!this.#email) return;
    this.#button.disabled = true;
    this.#status.hidden = true;
    this.#onSend(this.#email);
  }

  #say(role, text) {
    this.#button.disabled = false;
    // A fresh element, so screen readers announce it even when the text repeats.
    const status = h('p', { class: `transcript-email-status transcript-email-status--${role}`, role, text });
    this.#status.replaceWith(status);
    this.#status = status;
  }
}
