import { h } from '../shared/dom.js';
import { FormFields } from './form-fields.js';

/**
 * The leave-a-message form, offered when `availability` says nobody can answer: name, email
 * (required: it is how we reply) and the message. `onSubmit({name, email, text})` sends it;
 * {@link thank} then says where the answer will go.
 */
export class LeaveMessageForm {
  #root;
  #fields = null;
  #submitButton = null;
  #strings;
  #onSubmit;
  #onCancel;

  constructor({ strings, onSubmit, onCancel }) {
    this.#strings = strings;
    this.#onSubmit = onSubmit;
    this.#onCancel = onCancel;
    this.#root = h('section', { class: 'form-pane', 'aria-labelledby': 'cc-leave-title', hidden: true });
  }

  get element() {
    return this.#root;
  }

  get shown() {
    return !this.#root.hidden;
  }

  /** Shows the form, prefilled with `known` ({name, email}); `intro` is the server's message. */
  show(known = {}, intro = null) {
    const s = this.#strings;
    this.#fields = new FormFields({
      strings: s,
      prefix: 'cc-leave',
      fields: [
        { name: 'name', type: 'text', label: s.t('name'), required: false, value: known.name },
        { name: 'email', type: 'email', label: s.t('email'), required: true, value: known.email },
        { name: 'text', type: 'textarea', label: s.t('leaveText'), required: true },
      ],
    });
    this.#submitButton = h('button', { type: 'submit', class: 'primary', text: s.t('leaveSend') });
    this.#root.replaceChildren(
      h('h3', { class: 'form-title', id: 'cc-leave-title', text: s.t('leaveTitle') }),
      h('p', { class: 'form-intro', text: intro || s.t('leaveIntro') }),
      h('form', { novalidate: true, on: { submit: (event) => { event.preventDefault(); this.#submit(); } } },
        ...this.#fields.elements,
        h('div', { class: 'form-buttons' },
          this.#submitButton,
          h('button', { type: 'button', class: 'secondary', text: s.t('leaveCancel'), on: { click: () => this.#onCancel() } }))));
    this.#root.hidden = false;
    this.#fields.first?.focus();
  }

  /** Stored: says where the reply goes, in a status line that stays. */
  thank(email) {
    this.#root.replaceChildren(
      h('h3', { class: 'form-title', id: 'cc-leave-title', text: this.#strings.t('leaveTitle') }),
      h('p', { class: 'form-thanks', role: 'status', tabindex: '-1', text: this.#strings.t('leaveThanks', { email }) }),
      h('button', { type: 'button', class: 'secondary', text: this.#strings.t('leaveCancel'), on: { click: () => this.#onCancel() } }));
    this.#root.hidden = false;
    this.#root.querySelector('.form-thanks').focus();
  }

  /** Not stored: say why and let the visitor try again. */
  failed(reason) {
    if (this.#submitButton) this.#submitButton.disabled = false;
    this.#fields?.showError(this.#strings.t('leaveFailed', { reason }));
  }

  hide() {
    this.#root.hidden = true;
  }

  #submit() {
    const values = this.#fields?.values();
    if (!values) return;
    this.#submitButton.disabled = true;
    this.#onSubmit(values);
  }
}
