import { h, clear } from '../shared/dom.js';
import { MessageList } from './message-list.js';
import { earlierText } from './earlier-conversations.js';
import { ENGLISH } from './strings.js';

/**
 * The visitor's earlier (closed) conversations: a disclosure button above the message list
 * (shown only when there are some) that opens a list of them, one button each (date, first
 * line, rating stars), and a read-only pane that shows the one chosen, with a button back to
 * the current conversation. It only draws; `onChoose(item)` and `onBack()` tell the widget.
 */
export class EarlierView {
  #onChoose;
  #onBack;
  #root;
  #toggle;
  #list;
  #pane;
  #heading;
  #status;
  #back;
  #transcript;
  #text;

  constructor({ onChoose, onBack, strings = ENGLISH }) {
    this.#text = earlierText(strings);
    this.#transcript = new MessageList({ onSuggestion: () => {}, label: this.#text.transcriptLabel, readOnly: true, strings });
    this.#onChoose = onChoose;
    this.#onBack = onBack;
    this.#list = h('ul', { class: 'earlier-list', id: 'cc-earlier-list', hidden: true });
    this.#toggle = h('button', {
      type: 'button', class: 'earlier-toggle', 'aria-expanded': 'false', 'aria-controls': 'cc-earlier-list',
      on: { click: () => this.#setExpanded(this.#list.hidden) },
    });
    this.#root = h('nav', { class: 'earlier', 'aria-label': this.#text.list, hidden: true }, this.#toggle, this.#list);
    this.#heading = h('h3', { class: 'earlier-heading', id: 'cc-earlier-heading', tabindex: '-1' });
    this.#back = h('button', { type: 'button', class: 'earlier-back', text: this.#text.back, on: { click: () => this.#onBack() } });
    this.#status = h('p', { class: 'system earlier-status', role: 'status', hidden: true });
    this.#pane = h('section', { class: 'earlier-pane', 'aria-labelledby': 'cc-earlier-heading', hidden: true },
      h('div', { class: 'earlier-bar' }, this.#heading, this.#back),
      this.#status,
      this.#transcript.element);
  }

  /** The disclosure and its list: goes above the message list. */
  get element() {
    return this.#root;
  }

  /** The read-only transcript pane: goes where the message list is. */
  get pane() {
    return this.#pane;
  }

  /** True while an earlier conversation is on screen. */
  get showing() {
    return !this.#pane.hidden;
  }

  /** The list, from {@link earlierConversationItems}: hidden when empty. */
  setItems(items) {
    clear(this.#list);
    for (const item of items) {
      this.#list.append(h('li', {},
        h('button', {
          type: 'button', class: 'earlier-item', 'aria-label': item.label, dataset: { conversation: item.conversationId },
          on: { click: () => this.#onChoose(item) },
        },
        h('span', { class: 'earlier-date', text: item.date }),
        h('span', { class: 'earlier-line', text: item.firstLine }),
        item.stars ? h('span', { class: 'earlier-stars', text: item.stars }) : null)));
    }
    this.#toggle.textContent = this.#text.toggle(items.length);
    this.#root.hidden = items.length === 0;
    if (items.length === 0) this.#setExpanded(false);
  }

  /** Shows the pane for `item`, loading; focus goes to its heading. */
  showLoading(item) {
    this.#transcript.clear();
    this.#heading.textContent = this.#text.heading(item.date);
    this.#setStatus(this.#text.loading);
    this.#pane.hidden = false;
    this.#root.hidden = true;
    this.#heading.focus();
  }

  /** The transcript came: its events, in seq order. */
  showTranscript(conversationId, events) {
    this.#transcript.clear();
    this.#transcript.startConversation(conversationId, { divider: false });
    for (const event of [...events].sort((a, b) => a.seq - b.seq)) this.#transcript.render(event);
    this.#setStatus(events.length === 0 ? this.#text.empty : null);
    this.#transcript.element.scrollTop = 0;
  }

  /** It could not be loaded. */
  showFailed() {
    this.#setStatus(this.#text.failed);
  }

  /** Back to the current conversation: the pane goes, focus returns to the disclosure. */
  hide() {
    if (this.#pane.hidden) return;
    this.#pane.hidden = true;
    this.#transcript.clear();
    this.#root.hidden = this.#list.childElementCount === 0;
    if (!this.#root.hidden) this.#toggle.focus();
  }

  #setStatus(text) {
    this.#status.hidden = !text;
    this.#status.textContent = text ?? '';
  }

  #setExpanded(expanded) {
    this.#list.hidden = !expanded;
    this.#toggle.setAttribute('aria-expanded', String(expanded));
  }
}
