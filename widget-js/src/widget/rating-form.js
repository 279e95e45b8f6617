import { h, clear } from '../shared/dom.js';

const LABELS = ['Very poor', 'Poor', 'Okay', 'Good', 'Excellent'];

/**
 * Shown when a conversation is closed: a 1–5 score (radio buttons, so arrow keys work) and an
 * optional comment; submitting calls `onRate(score, comment)`. After the `rated` event it
 * thanks the visitor.
 */
export class RatingForm {
  #root;
  #onRate;

  constructor({ onRate }) {
    this.#onRate = onRate;
    this.#root = h('section', { class: 'rating', 'aria-label': 'Rate this conversation', hidden: true });
  }

  get element() {
    return this.#root;
  }

  /** Asks for a rating (again from scratch). */
  ask() {
    clear(this.#root);
    const comment = h('textarea', { name: 'comment', rows: '2', maxlength: '1000', placeholder: 'Anything to add? (optional)', 'aria-label': 'Comment (optional)' });
    const submit = h('button', { type: 'submit', class: 'primary', text: 'Send rating', disabled: true });
    const stars = h('div', { class: 'stars' });
    LABELS.forEach((label, index) => {
      const score = index + 1;
      stars.append(h('label', { title: label },
        h('input', { type: 'radio', name: 'score', value: String(score), 'aria-label': `${score} — ${label}`, on: { change: () => { submit.disabled = false; } } }),
        h('span', { text: String(score), 'aria-hidden': 'true' })));
    });
    const form = h('form', {
      on: {
        submit: (event) => {
          event.preventDefault();
          const picked = form.querySelector('input[name="score"]:checked');
          if (!picked) return;
          submit.disabled = true;
          submit.textContent = 'Sending…';
          this.#onRate(Number(picked.value), comment.value.trim());
        },
      },
    }, h('fieldset', {}, h('legend', { text: 'How was this conversation?' }), stars), comment, submit);
    this.#root.append(form);
    this.#root.hidden = false;
  }

  /** The rating was stored. */
  thank(score) {
    clear(this.#root);
    this.#root.append(h('p', { class: 'thanks', role: 'status', text: `Thanks for your feedback (${score}/5)!` }));
    this.#root.hidden = false;
  }

  /** The server refused the rating: let the visitor try again. */
  failed(message) {
    this.ask();
    this.#root.prepend(h('p', { role: 'alert', class: 'system', text: message }));
  }

  hide() {
    this.#root.hidden = true;
  }
}
