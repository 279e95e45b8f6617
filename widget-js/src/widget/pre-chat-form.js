import { h } from '../shared/dom.js';
import { FormFields } from './form-fields.js';

/**
 * The optional pre-chat form (per site: which of name, email and question it asks, and which
 * are required), shown in place of the conversation before the first message. Submitting
 * calls `onSubmit({name, email, question})` with what was asked.
 */
export class PreChatForm {
  #root;
  #fields = null;
  #strings;
  #onSubmit;

  constructor({ strings, onSubmit }) {
    this.#strings = strings;
    this.#onSubmit = onSubmit;
    this.#root = h('section', { class: 'form-pane', 'aria-labelledby': 'cc-prechat-title', hidden: true });
  }

  get element() {
    return this.#root;
  }

  get shown() {
    return !this.#root.hidden;
  }

  /** Shows the form for `config` ({fields, required}), prefilled with `known` ({name, email}). */
  show(config, known = {}) {
    const s = this.#strings;
    const types = { name: 'text', email: 'email', question: 'textarea' };
    this.#fields = new FormFields({
      strings: s,
      prefix: 'cc-prechat',
      fields: config.fields.map((name) => ({
        name, type: types[name], label: s.t(name), required: config.required.includes(name), value: known[name],
      })),
    });
    this.#root.replaceChildren(
      h('h3', { class: 'form-title', id: 'cc-prechat-title', text: s.t('preChatTitle') }),
      h('p', { class: 'form-intro', text: s.t('preChatIntro') }),
      h('form', { novalidate: true, on: { submit: (event) => { event.preventDefault(); this.#submit(); } } },
        ...this.#fields.elements,
        h('button', { type: 'submit', class: 'primary', text: s.t('startChat') })));
    this.#root.hidden = false;
    this.#fields.first?.focus();
  }

  hide() {
    this.#root.hidden = true;
  }

  #submit() {
    const values = this.#fields?.values();
    if (values) this.#onSubmit(values);
  }
}
