import { h, clear } from '../shared/dom.js';
import { reasonLabel, shortTime, visitorName, waitingFor } from './format.js';

/**
 * The queue column: one card per queued conversation (from `queue` frames) with the visitor,
 * why they are waiting, a preview, how long they have waited, a disclosure with the details,
 * and an Accept button.
 */
export class QueueView {
  #root;
  #list;
  #count;
  #onAccept;
  #entries = [];
  #expanded = new Set();
  #accepting = new Set();
  #clock;

  constructor(root, { onAccept }) {
    this.#root = root;
    this.#onAccept = onAccept;
    this.#count = root.querySelector('[data-role="queue-count"]');
    this.#list = root.querySelector('[data-role="queue-list"]');
    this.#clock = setInterval(() => this.#tick(), 10_000);
  }

  /** Shows the queue as of the latest `queue` frame. */
  render(entries) {
    this.#entries = Array.isArray(entries) ? entries : [];
    const ids = new Set(this.#entries.map((e) => e.conversationId));
    for (const id of [...this.#accepting]) if (!ids.has(id)) this.#accepting.delete(id);
    clear(this.#list);
    this.#count.textContent = String(this.#entries.length);
    if (this.#entries.length === 0) {
      this.#list.append(h('li', { class: 'empty', text: 'No one is waiting.' }));
      return;
    }
    for (const entry of this.#entries) this.#list.append(this.#card(entry));
  }

  /** An accept was refused (e.g. someone else took it): let the agent try again. */
  acceptFailed(conversationId) {
    this.#accepting.delete(conversationId);
    this.render(this.#entries);
  }

  #card(entry) {
    const id = entry.conversationId;
    const expanded = this.#expanded.has(id);
    const detailsId = `queue-details-${id}`;
    const name = visitorName(entry.visitor);
    const accept = h('button', {
      type: 'button', class: 'button primary small', text: this.#accepting.has(id) ? 'Accepting…' : 'Accept',
      disabled: this.#accepting.has(id), 'aria-label': `Accept conversation with ${name}`,
      on: { click: () => { this.#accepting.add(id); accept.disabled = true; accept.textContent = 'Accepting…'; this.#onAccept(id); } },
    });
    const toggle = h('button', {
      type: 'button', class: 'disclosure', 'aria-expanded': String(expanded), 'aria-controls': detailsId,
      on: { click: () => { if (expanded) this.#expanded.delete(id); else this.#expanded.add(id); this.render(this.#entries); } },
    }, h('span', { class: 'queue-name', text: name }), h('span', { class: 'chevron', 'aria-hidden': 'true', text: expanded ? '▾' : '▸' }));
    return h('li', { class: 'queue-card', dataset: { conversationId: id } },
      h('div', { class: 'queue-top' }, toggle, h('span', { class: 'wait', dataset: { since: entry.queuedAt ?? '' }, text: waitingFor(entry.queuedAt) })),
      h('div', { class: 'queue-meta' }, h('span', { class: 'pill', text: reasonLabel(entry.reason) }), h('span', { class: 'position', text: `#${entry.position ?? '?'}` })),
      h('p', { class: 'preview', text: entry.preview ?? '' }),
      h('dl', { class: 'queue-details', id: detailsId, hidden: !expanded },
        h('dt', { text: 'Question' }), h('dd', { text: entry.preview || '—' }),
        h('dt', { text: 'Reason' }), h('dd', { text: reasonLabel(entry.reason) }),
        h('dt', { text: 'Queued at' }), h('dd', { text: shortTime(entry.queuedAt) || '—' }),
        h('dt', { text: 'Visitor id' }), h('dd', { text: entry.visitor?.id ?? '—' }),
        h('dt', { text: 'Full history' }), h('dd', { text: 'Accept to see the whole transcript.' })),
      h('div', { class: 'queue-actions' }, accept));
  }

  #tick() {
    if (!this.#root.isConnected) {
      clearInterval(this.#clock);
      return;
    }
    for (const span of this.#list.querySelectorAll('.wait')) span.textContent = waitingFor(span.dataset.since);
  }
}
