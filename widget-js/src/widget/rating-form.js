import { h, clear } from '../shared/dom.js';
import { ENGLISH } from './strings.js';

/**
 * Shown when a conversation is closed: a 1–5 score (radio buttons, so arrow keys work) and an
 * optional comment; submitting calls `onRate(score, comment)`. After the `rated` event it
 * thanks the visitor.
 */
export class RatingForm {
  #root;
  #onRate;
  #strings;

  constructor({ onRate, strings = ENGLISH }) {
    this.#onRate = onRate;
    this.#strings = strings;
    this.#root = h('section', { class: 'rating', 'aria-label': strings.t('rateLabel'), hidden: true });
  }

  get element() {
    return this.#root;
  }

  /** Asks for a rating (again from scratch). */
  ask() {
    const s = this.#strings;
    clear(this.#root);
    const comment = h('textarea', { name: 'comment', rows: '2', maxlength: '1000', placeholder: s.t('commentPlaceholder'), 'aria-label': s.t('commentLabel') });
    const submit = h('button', { type: 'submit', class: 'primary', text: s.t('sendRating'), disabled: true });
    const stars = h('div', { class: 'stars' });
    [1, 2, 3, 4, 5].forEach((score) => {
      const label = s.t(`score${score}`);
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
          submit.textContent = s.t('sending');
          this.#onRate(Number(picked.value), comment.value.trim());
        },
      },
    }, h('fieldset', {}, h('legend', { text: s.t('howWas') }), stars), comment, submit);
    this.#root.append(form);
    this.#root.hidden = false;
  }

  /** The rating was stored. */
  thank(score) {
    clear(this.#root);
    this.#root.append(h('p', { class: 'thanks', role: 'status', text: this.#strings.t('thanks', { score }) }));
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
