import { append, clear, h } from '../shared/dom.js';
import { formatDuration, isSafeLink, reasonLabel, shortTime, visitorName } from './format.js';

/**
 * The side panel of the selected chat: who the visitor is (name, email, whether the site
 * verified their identity), how it reached this agent (handoff reason, transfer and its note),
 * the question the bot could not answer, how long they waited, the page they are on now
 * (updated in place by `visitor` frames), their browser, the attributes the site set, and their
 * earlier conversations, each openable in full through `onOpenEarlier(conversation)`.
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
    const from = handoff.transferredFrom;
    append(this.#root,
      h('h2', { text: visitorName(visitor) }),
      visitor.email ? h('p', { class: 'email' }, visitor.email, mark(visitor, 'email')) : null,
      verification(visitor),
      section('Handoff', rows([
        ['Reason', reasonLabel(handoff.reason)],
        ['Department', handoff.department],
        ['From', from ? (from.name ?? from.id) : undefined],
        ['Waited', formatDuration(handoff.waitedMs)],
        ['Visitor id', visitor.id],
      ])),
      handoff.transferNote ? section('Transfer note', h('blockquote', { class: 'question question--note', text: handoff.transferNote })) : null,
      handoff.question
        ? section(handoff.reason === 'bot_unsure' ? 'Unanswered question' : 'Question', h('blockquote', { class: 'question', text: handoff.question }))
        : null,
      section('Current page', rows([
        ['Title', page.title],
        ['URL', page.url ? link(page.url) : undefined],
        ['Referrer', page.referrer ? link(page.referrer) : undefined],
      ]), { live: true }),
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

  #earlier(conversations) {
    if (conversations.length === 0) return h('p', { class: 'empty', text: 'None.' });
    return h('ul', { class: 'earlier' }, conversations.map((c) => h('li', {},
      h('div', { class: 'earlier-head' },
        h('span', { text: shortTime(c.startedAt) || c.conversationId }),
        Number.isFinite(c.score) ? h('span', { class: 'pill', text: `${c.score}/5` }) : null),
      h('p', { class: 'earlier-first', text: c.firstLine ?? '' }),
      h('button', {
        type: 'button', class: 'link-button', text: 'Open transcript',
        'aria-label': `Open the earlier conversation “${c.firstLine ?? c.conversationId}”`,
        on: { click: () => this.#onOpenEarlier(c) },
      }))));
  }
}

/**
 * The fields the site vouched for (`verifiedFields`; an older server sends only `verified`,
 * which vouches for the user id alone). The name is never among them.
 */
export function verifiedFields(visitor) {
  if (visitor.verified !== true) return [];
  return Array.isArray(visitor.verifiedFields) ? visitor.verifiedFields : ['userId'];
}

/** "✓ verified" beside a field the site vouched for; nothing beside a typed one. */
function mark(visitor, field) {
  if (!verifiedFields(visitor).includes(field)) return null;
  return h('span', { class: 'verified-mark', title: 'Verified by the site', text: ' ✓ verified' });
}

/** The site's user id with its mark, and which shown fields are only as typed. */
function verification(visitor) {
  const fields = verifiedFields(visitor);
  const typed = ['name', ...(visitor.email ? ['email'] : [])].filter((f) => !fields.includes(f));
  const typedNote = h('p', { class: 'unverified', text: `Not verified: ${typed.join(' and ')} as typed by the visitor` });
  if (visitor.verified === true) {
    return h('div', { class: 'identity' },
      visitor.userId ? h('p', { class: 'user-id' }, `User ${visitor.userId}`, mark(visitor, 'userId')) : null,
      typedNote);
  }
  if (visitor.verified === false) return typedNote;
  return null;
}

function section(title, body, { live = false } = {}) {
  return h('section', { class: 'info', 'aria-live': live ? 'polite' : null }, h('h3', { text: title }), body);
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
