import { h, clear, linkified } from '../shared/dom.js';
import { ENGLISH } from './strings.js';

const TIME = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });

/**
 * The visitor's view of the transcript: an ARIA live `role="log"` list. Events are placed by
 * `seq` within their conversation; the visitor's own messages show at once as pending and are
 * matched by request `id` when the server's event for them comes back, so nothing appears
 * twice. Every text goes through textContent.
 */
export class MessageList {
  #list;
  #pending = new Map();
  #onSuggestion;
  #onAttachment;
  #readOnly;
  /** Whether "did you mean" buttons shown from now on can be clicked (only while the bot has the conversation). */
  #suggestionsLive = true;
  #conversationId = null;
  #strings;
  /** Our own messages' marks: the highest seq the other side received / read. */
  #receipts = { delivered: 0, read: 0 };

  /**
   * @param onSuggestion called with {entryId, question} when a "did you mean" button is clicked
   * @param onAttachment called with (event, item) for a message carrying a file, to draw it
   * @param label the list's accessible name
   * @param readOnly a transcript to read, not a live one: no live region, suggestions disabled
   */
  constructor({ onSuggestion, onAttachment, label, readOnly = false, strings = ENGLISH }) {
    this.#onSuggestion = onSuggestion;
    this.#onAttachment = onAttachment;
    this.#strings = strings;
    label ??= strings.t('conversation');
    this.#readOnly = readOnly;
    this.#list = h('div', {
      class: 'log', role: 'log', 'aria-live': readOnly ? 'off' : 'polite', 'aria-relevant': 'additions', 'aria-label': label, tabindex: '0',
    });
  }

  /** Removes everything shown (a read-only list, before it shows another transcript). */
  clear() {
    this.#conversationId = null;
    this.#pending.clear();
    clear(this.#list);
  }

  get element() {
    return this.#list;
  }

  /**
   * Whether the bot's "did you mean" buttons can be clicked: only while the bot has the
   * conversation. Turning them off disables every button shown so far, for good (the
   * conversation went to the queue or a person joined: a click would only send the question to
   * them); turning them on again applies to bot turns shown from then on (a new conversation).
   */
  setSuggestionsLive(live) {
    this.#suggestionsLive = Boolean(live);
    if (this.#suggestionsLive) return;
    for (const button of this.#list.querySelectorAll('button.suggestion')) button.disabled = true;
  }

  /** A greeting shown before anything was said (not part of the transcript). */
  greet(text) {
    if (!text) return;
    this.#list.prepend(h('div', { class: 'msg msg--bot', dataset: { local: 'greeting' } },
      h('span', { class: 'author', text: this.#strings.t('assistant') }), h('div', { class: 'bubble', text })));
  }

  /** Marks the start of another conversation in the same list. */
  startConversation(conversationId, { divider }) {
    if (conversationId !== this.#conversationId) this.resetReceipts();
    this.#conversationId = conversationId;
    if (divider) this.#insert(h('div', { class: 'divider', text: this.#strings.t('newConversation') }), null);
  }

  /**
   * Starts over after the conversation on screen was lost: removes its events and shows
   * `notice` in their place; the greeting and messages still being sent stay.
   */
  reset(notice) {
    this.#conversationId = null;
    for (const child of [...this.#list.children]) {
      if (child.dataset.local === 'greeting' || child.dataset.pending !== undefined) continue;
      child.remove();
    }
    if (notice) this.#insert(h('div', { class: 'system system--notice', role: 'status', dataset: { local: 'notice' }, text: notice }), null);
  }

  /** Shows a message the visitor just sent, before the server has stored it. */
  addPending(id, text) {
    const item = h('div', { class: 'msg msg--mine msg--pending', dataset: { id, pending: '' } },
      h('div', { class: 'bubble', text }),
      h('span', { class: 'meta', text: this.#strings.t('sending') }));
    this.#pending.set(id, item);
    this.#list.append(item);
    this.#scroll();
  }

  /** The pending message `id` could not be delivered. */
  markFailed(id, reason) {
    const item = this.#pending.get(id);
    if (!item) return;
    this.#pending.delete(id);
    delete item.dataset.pending;
    item.classList.replace('msg--pending', 'msg--failed');
    item.querySelector('.meta').textContent = this.#strings.t('notSent', { reason });
  }

  /** Renders one transcript event (already deduplicated by seq). */
  render(event) {
    const pending = event.id ? this.#pending.get(event.id) : undefined;
    if (pending) {
      this.#pending.delete(event.id);
      delete pending.dataset.pending;
      pending.classList.remove('msg--pending');
      pending.querySelector('.meta').textContent = time(event.ts);
      pending.remove();
      this.#insert(pending, event.seq);
      this.#mark(pending);
      if (event.attachment) this.#onAttachment?.(event, pending);
      return;
    }
    const item = this.#build(event);
    if (item && event.attachment) this.#onAttachment?.(event, item);
    if (item) {
      this.#insert(item, event.seq);
      if (item.classList.contains('msg--mine')) this.#mark(item);
    }
  }

  /**
   * The other side (the agent) received (`delivered`) or read (`read`) everything up to `seq`:
   * the visitor's own messages up to it get the mark. Marks only move forward.
   */
  receipt(status, seq) {
    if ((status !== 'delivered' && status !== 'read') || !Number.isInteger(seq)) return;
    if (seq <= this.#receipts[status]) return;
    this.#receipts[status] = seq;
    if (status === 'read' && seq > this.#receipts.delivered) this.#receipts.delivered = seq;
    for (const item of this.#list.querySelectorAll('.msg--mine[data-seq]')) this.#mark(item);
  }

  /** Forgets the marks (another conversation starts). */
  resetReceipts() {
    this.#receipts = { delivered: 0, read: 0 };
  }

  #mark(item) {
    if (item.dataset.conversation !== (this.#conversationId ?? undefined)) return;
    const seq = Number(item.dataset.seq);
    const status = seq <= this.#receipts.read ? 'read' : seq <= this.#receipts.delivered ? 'delivered' : null;
    if (!status || item.dataset.receipt === status) return;
    item.dataset.receipt = status;
    let mark = item.querySelector('.receipt');
    if (!mark) {
      mark = h('span', { class: 'receipt' });
      (item.querySelector('.meta') ?? item).append(mark);
    }
    mark.textContent = ` · ${status === 'read' ? '✓✓' : '✓'} ${this.#strings.t(status)}`;
  }

  #build(event) {
    const role = event.author?.role;
    switch (event.kind) {
      case 'message': {
        const msg = role === 'visitor' ? bubble('msg msg--mine', null, event)
          : bubble('msg msg--agent', event.author?.name ?? this.#strings.t('agent'), event);
        const via = event.via === 'email' ? 'byEmail' : event.via === 'api' ? 'viaApi' : null;
        if (via) msg.append(h('span', { class: 'via', text: this.#strings.t(via) }));
        return msg;
      }
      case 'offline_message':
        return bubble('msg msg--mine', null, event);
      case 'bot':
        return this.#botTurn(event);
      case 'assigned':
        return system(event.text || this.#strings.t('joined', { name: event.agent?.name ?? this.#strings.t('anAgent') }), 'system system--joined');
      case 'closed':
        return system(event.text || this.#strings.t('closed'));
      case 'rated':
        return system(this.#strings.t('youRated', { score: event.score }));
      default:
        return event.text ? system(event.text) : null;
    }
  }

  #botTurn(event) {
    const item = bubble('msg msg--bot', event.author?.name ?? this.#strings.t('assistant'), event);
    const suggestions = event.bot?.suggestions ?? [];
    if (suggestions.length > 0) {
      const group = h('div', { class: 'suggestions', role: 'group', 'aria-label': this.#strings.t('didYouMean') });
      for (const suggestion of suggestions) {
        group.append(h('button', {
          type: 'button', class: 'suggestion', text: suggestion.question, disabled: this.#readOnly || !this.#suggestionsLive,
          on: { click: () => this.#onSuggestion(suggestion) },
        }));
      }
      item.append(group);
    }
    return item;
  }

  #insert(item, seq) {
    if (this.#conversationId) item.dataset.conversation = this.#conversationId;
    if (seq !== null && seq !== undefined) item.dataset.seq = String(seq);
    const before = [...this.#list.children].find((child) =>
      child.dataset.pending !== undefined
      || (seq !== null && child.dataset.seq !== undefined
        && child.dataset.conversation === item.dataset.conversation && Number(child.dataset.seq) > seq));
    this.#list.insertBefore(item, before ?? null);
    this.#scroll();
  }

  #scroll() {
    this.#list.scrollTop = this.#list.scrollHeight;
  }
}

function bubble(className, authorName, event) {
  return h('div', { class: className },
    authorName ? h('span', { class: 'author', text: authorName }) : null,
    h('div', { class: 'bubble' }, linkified(event.text ?? '')),
    event.ts ? h('time', { class: 'meta', datetime: event.ts, text: time(event.ts) }) : null);
}

function system(text, className = 'system') {
  return h('div', { class: className, text });
}

function time(ts) {
  const date = ts ? new Date(ts) : null;
  return date && !Number.isNaN(date.getTime()) ? TIME.format(date) : '';
}
