import { append, clear, h } from '../shared/dom.js';
import { formatDuration, isSafeLink, reasonLabel, shortTime, visitorName } from './format.js';

/**
 * The side panel of the selected chat: who the visitor is and where, why they were handed off
 * and the question the bot could not answer, how long they waited, and their earlier
 * conversations (each openable through `onOpenEarlier(conversationId)`).
 */
export class VisitorPanel {
  #root;
  #onOpenEarlier;

  constructor(root, { onOpenEarlier }) {
    this.#root = root;
    this.#onOpenEarlier = onOpenEarlier;
    this.show(null);
  }

  /** Shows the visitor of `chat`, or an empty state for null. */
  show(chat) {
    clear(this.#root);
    if (!chat) {
      this.#root.append(h('h2', { text: 'Visitor' }), h('p', { class: 'empty', text: 'Select a chat to see who you are talking to.' }));
      return;
    }
    const handoff = chat.handoff;
    const visitor = handoff.visitor ?? {};
    const context = handoff.context ?? {};
    const page = context.page ?? {};
    append(this.#root,
      h('h2', { text: visitorName(visitor) }),
      visitor.email ? h('p', { class: 'email', text: visitor.email }) : null,
      section('Handoff', rows([
        ['Reason', reasonLabel(handoff.reason)],
        ['Waited', formatDuration(handoff.waitedMs)],
        ['Visitor id', visitor.id],
      ])),
      handoff.question
        ? section(handoff.reason === 'bot_unsure' ? 'Unanswered question' : 'Question', h('blockquote', { class: 'question', text: handoff.question }))
        : null,
      section('Page', rows([
        ['Title', page.title],
        ['URL', page.url ? link(page.url) : undefined],
        ['Referrer', page.referrer ? link(page.referrer) : undefined],
      ])),
      section('Browser', rows([
        ['Language', context.language],
        ['Time zone', context.timeZone],
        ['User agent', context.userAgent],
      ])),
      Object.keys(visitor.attributes ?? {}).length > 0
        ? section('Attributes', rows(Object.entries(visitor.attributes)))
        : null,
      section('Earlier conversations', this.#earlier(handoff.earlierConversations ?? [])),
    );
  }

  /** Shows the transcript of an earlier conversation under its entry (answer to `history`). */
  showEarlier(conversationId, events) {
    const slot = this.#root.querySelector(`[data-earlier="${CSS.escape(conversationId)}"]`);
    if (!slot) return;
    clear(slot);
    slot.hidden = false;
    if (events.length === 0) slot.append(h('p', { class: 'empty', text: 'No messages.' }));
    for (const event of events) {
      const who = event.author?.name ?? event.author?.role ?? event.kind;
      const text = event.text ?? (event.kind === 'rated' ? `rated ${event.score}/5` : event.kind);
      slot.append(h('p', { class: 'earlier-line' }, h('strong', { text: `${who}: ` }), text));
    }
  }

  #earlier(conversations) {
    if (conversations.length === 0) return h('p', { class: 'empty', text: 'None.' });
    return h('ul', { class: 'earlier' }, conversations.map((c) => h('li', {},
      h('div', { class: 'earlier-head' },
        h('span', { text: shortTime(c.startedAt) || c.conversationId }),
        Number.isFinite(c.score) ? h('span', { class: 'pill', text: `${c.score}/5` }) : null),
      h('p', { class: 'earlier-first', text: c.firstLine ?? '' }),
      h('button', { type: 'button', class: 'link-button', text: 'Open transcript', on: { click: () => this.#onOpenEarlier(c.conversationId) } }),
      h('div', { class: 'earlier-transcript', dataset: { earlier: c.conversationId }, hidden: true }))));
  }
}

function section(title, body) {
  return h('section', { class: 'info' }, h('h3', { text: title }), body);
}

function rows(pairs) {
  const present = pairs.filter(([, value]) => value !== undefined && value !== null && value !== '');
  if (present.length === 0) return h('p', { class: 'empty', text: '—' });
  return h('dl', {}, present.flatMap(([key, value]) => [h('dt', { text: key }), h('dd', {}, value instanceof Node ? value : String(value))]));
}

function link(url) {
  if (!isSafeLink(url)) return document.createTextNode(url);
  return h('a', { href: url, target: '_blank', rel: 'noopener noreferrer', text: url });
}
