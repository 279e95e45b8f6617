import { h } from '../shared/dom.js';

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/**
 * The labelled inputs of a small form (pre-chat, leave-a-message) and their checks: required
 * fields filled, an email that looks like one. Errors go to one `role="alert"` line and the
 * first bad field gets focus and `aria-invalid`.
 */
export class FormFields {
  #inputs = new Map();
  #required;
  #error;
  #strings;
  #prefix;

  /**
   * @param strings the widget's Strings
   * @param prefix  id prefix, unique in the shadow root
   * @param fields  [{name, label, type: 'text'|'email'|'textarea', required, value}]
   */
  constructor({ strings, prefix, fields }) {
    this.#strings = strings;
    this.#prefix = prefix;
    this.#required = new Set(fields.filter((f) => f.required).map((f) => f.name));
    this.#error = h('p', { class: 'form-error', role: 'alert', hidden: true });
    for (const field of fields) {
      const id = `${prefix}-${field.name}`;
      const props = {
        id, name: field.name, required: field.required || undefined, 'aria-required': field.required ? 'true' : undefined,
        autocomplete: field.name === 'email' ? 'email' : field.name === 'name' ? 'name' : 'off',
        maxlength: field.type === 'textarea' ? '4000' : '200',
      };
      const input = field.type === 'textarea' ? h('textarea', { ...props, rows: '3' }) : h('input', { ...props, type: field.type });
      if (field.value) input.value = field.value;
      this.#inputs.set(field.name, { input, field });
    }
  }

  /** The rows (label + input) and the error line, to put in a form. */
  get elements() {
    const rows = [...this.#inputs.values()].map(({ input, field }) => h('div', { class: 'field' },
      h('label', { for: input.id }, field.label, field.required ? null : h('span', { class: 'optional', text: ` ${this.#strings.t('optional')}` })),
      input));
    return [...rows, this.#error];
  }

  /** The first input, for focus. */
  get first() {
    return this.#inputs.values().next().value?.input ?? null;
  }

  /** The values, trimmed, or null after showing what is wrong. */
  values() {
    const values = {};
    for (const [name, { input }] of this.#inputs) values[name] = input.value.trim();
    for (const [name, { input, field }] of this.#inputs) {
      input.removeAttribute('aria-invalid');
      let problem = null;
      if (this.#required.has(name) && values[name] === '') problem = this.#strings.t('required', { field: field.label });
      else if (field.type === 'email' && values[name] !== '' && !EMAIL.test(values[name])) problem = this.#strings.t('badEmail');
      if (problem) {
        input.setAttribute('aria-invalid', 'true');
        input.setAttribute('aria-describedby', `${this.#prefix}-error`);
        this.#error.id = `${this.#prefix}-error`;
        this.showError(problem);
        input.focus();
        return null;
      }
    }
    this.showError(null);
    return values;
  }

  showError(text) {
    this.#error.hidden = !text;
    this.#error.textContent = text ?? '';
  }
}
