import { clear, h } from '../shared/dom.js';
import { expandCanned, matchCanned, slashToken } from './canned.js';

/**
 * The reply box of the chat panel. Enter sends, Shift+Enter is a new line. The "Note" toggle
 * switches to internal notes (sent as `note`, never to the visitor; no typing indicator).
 * Typing `/ref` lists the canned replies whose shortcut matches (a listbox under the box):
 * arrows choose, Tab or Enter puts the reply's text in place of `/ref`, Escape hides the list.
 */
export class Composer {
  #els;
  #on;
  #replies = [];
  #matches = [];
  #active = 0;
  #token = null;
  #noteMode = false;
  #enabled = true;
  #disabledText = '';

  /**
   * @param on callbacks: send(text, kind) with kind `message` or `note`; typing() while writing a
   *   reply; attach(transfer) with a file chosen with Attach, pasted or dropped (one per message)
   */
  constructor(doc, on) {
    this.#on = on;
    this.#els = {
      form: doc.getElementById('reply-form'),
      box: doc.getElementById('reply'),
      send: doc.getElementById('send-reply'),
      note: doc.getElementById('note-toggle'),
      list: doc.getElementById('canned-list'),
      hint: doc.getElementById('composer-hint'),
      attach: doc.getElementById('attach-file'),
    };
    const { form, box, note } = this.#els;
    form.addEventListener('submit', (event) => { event.preventDefault(); this.#send(); });
    box.addEventListener('keydown', (event) => this.#onKey(event));
    box.addEventListener('input', () => {
      this.#suggest();
      if (!this.#noteMode) on.typing();
    });
    box.addEventListener('click', () => this.#suggest());
    box.addEventListener('blur', () => setTimeout(() => this.#hideList(), 150));
    note.addEventListener('click', () => { this.setNoteMode(!this.#noteMode); box.focus(); });
    const input = doc.getElementById('attach-input');
    this.#els.attach.addEventListener('click', () => input.click());
    input.addEventListener('change', () => { on.attach?.({ files: [...input.files] }); input.value = ''; });
    box.addEventListener('paste', (event) => { if (event.clipboardData?.files.length) this.#attach(event, event.clipboardData); });
    form.addEventListener('dragover', (event) => event.preventDefault());
    form.addEventListener('drop', (event) => { if (event.dataTransfer?.files.length) this.#attach(event, event.dataTransfer); });
    this.#draw();
  }

  #attach(event, transfer) {
    event.preventDefault();
    if (this.#enabled && !this.#noteMode) this.#on.attach?.(transfer);
  }

  get noteMode() {
    return this.#noteMode;
  }

  /** The canned replies of `settings.cannedReplies`: [{shortcut, text}]. */
  setCannedReplies(replies) {
    this.#replies = Array.isArray(replies) ? replies : [];
    this.#draw();
  }

  setNoteMode(on) {
    this.#noteMode = Boolean(on);
    this.#draw();
  }

  /** Enables the box, or disables it with `placeholder` saying why (closed, transferred). */
  setEnabled(enabled, placeholder = '') {
    this.#enabled = enabled;
    this.#disabledText = placeholder;
    if (!enabled) this.#hideList();
    this.#draw();
  }

  focus() {
    if (this.#enabled) this.#els.box.focus();
  }

  /** Empties the box (another chat selected). */
  reset() {
    this.#els.box.value = '';
    this.#hideList();
    this.setNoteMode(false);
  }

  #draw() {
    const { box, send, note, form, hint } = this.#els;
    const mode = this.#noteMode ? 'note' : 'reply';
    form.dataset.mode = mode;
    note.setAttribute('aria-pressed', String(this.#noteMode));
    note.disabled = !this.#enabled;
    box.disabled = !this.#enabled;
    send.disabled = !this.#enabled;
    // Files go as messages: not while writing a note, nor to a closed chat.
    this.#els.attach.disabled = !this.#enabled || this.#noteMode;
    send.textContent = this.#noteMode ? 'Add note' : 'Send';
    box.setAttribute('aria-label', this.#noteMode ? 'Internal note' : 'Reply');
    box.placeholder = !this.#enabled ? this.#disabledText
      : this.#noteMode ? 'Internal note — not visible to the visitor. Enter to add it.'
        : 'Type a reply — Enter to send, Shift+Enter for a new line, / for canned replies';
    hint.textContent = this.#noteMode ? 'Note mode: only agents will see this.'
      : this.#replies.length > 0 ? `Type / for canned replies (${this.#replies.length})` : '';
  }

  #onKey(event) {
    if (event.isComposing) return;
    const open = this.#matches.length > 0;
    if (open && (event.key === 'ArrowDown' || event.key === 'ArrowUp')) {
      event.preventDefault();
      const step = event.key === 'ArrowDown' ? 1 : -1;
      this.#active = (this.#active + step + this.#matches.length) % this.#matches.length;
      this.#drawList();
    } else if (open && (event.key === 'Tab' || (event.key === 'Enter' && !event.shiftKey))) {
      event.preventDefault();
      this.#expand(this.#matches[this.#active]);
    } else if (open && event.key === 'Escape') {
      event.preventDefault();
      event.stopPropagation();
      this.#hideList();
    } else if (event.key === 'Enter' && !event.shiftKey) {
      event.preventDefault();
      this.#send();
    }
  }

  #suggest() {
    const box = this.#els.box;
    this.#token = box.selectionStart === box.selectionEnd ? slashToken(box.value, box.selectionStart) : null;
    const matches = this.#token ? matchCanned(this.#token.query, this.#replies) : [];
    const same = matches.length === this.#matches.length && matches.every((m, i) => m === this.#matches[i]);
    this.#matches = matches;
    if (!same) this.#active = 0;
    this.#drawList();
  }

  #expand(reply) {
    const box = this.#els.box;
    if (!reply || !this.#token) return;
    const { text, caret } = expandCanned(box.value, this.#token, reply);
    box.value = text;
    box.setSelectionRange(caret, caret);
    this.#hideList();
    box.focus();
    if (!this.#noteMode) this.#on.typing();
  }

  #hideList() {
    this.#matches = [];
    this.#token = null;
    this.#drawList();
  }

  #drawList() {
    const { list, box } = this.#els;
    clear(list);
    list.hidden = this.#matches.length === 0;
    box.setAttribute('aria-expanded', String(!list.hidden));
    box.removeAttribute('aria-activedescendant');
    this.#matches.forEach((reply, index) => {
      const id = `canned-${index}`;
      const active = index === this.#active;
      list.append(h('li', {
        id, role: 'option', class: 'canned-option', 'aria-selected': String(active), dataset: { shortcut: reply.shortcut },
        on: { mousedown: (event) => { event.preventDefault(); this.#expand(reply); } },
      }, h('span', { class: 'canned-shortcut', text: `/${reply.shortcut}` }), h('span', { class: 'canned-text', text: reply.text })));
      if (active) box.setAttribute('aria-activedescendant', id);
    });
  }

  #send() {
    const text = this.#els.box.value.trim();
    if (!text || !this.#enabled) return;
    this.#els.box.value = '';
    this.#hideList();
    this.#on.send(text, this.#noteMode ? 'note' : 'message');
  }
}
