import { h, clear } from '../shared/dom.js';
import { isOverdue, reasonLabel, shortTime, visitorName, waitingLabel } from './format.js';

const TICK_MS = 5_000;
/** Entries per page of the queue (docs/protocol.md, `queue`). */
export const PAGE_SIZE = 50;

/**
 * The queue column, from `queue` frames. Live visitors: one card each with the visitor, the
 * department, why they wait, a preview, a "waiting 3 min" label that counts up every few
 * seconds, a highlight once overdue, a disclosure with the details and an Accept button.
 * Follow-ups (messages left while nobody was online) are listed apart, with the visitor's
 * email and an Answer button; both buttons send `accept`. The server sends a page of 50 at a
 * time with the totals: the counts are the whole queue's, and "Previous" and "Next" ask for
 * another page (`onPage(offset)`).
 */
export class QueueView {
  #root;
  #list;
  #count;
  #followUps;
  #followUpList;
  #followUpCount;
  #onAccept;
  #onPage;
  #pager;
  #pageLabel;
  #previous;
  #next;
  #offset = 0;
  #total = 0;
  #entries = [];
  #expanded = new Set();
  #accepting = new Set();
  #alertSeconds = 0;
  #clock;

  constructor(root, { onAccept, onPage = () => {} }) {
    this.#root = root;
    this.#onAccept = onAccept;
    this.#onPage = onPage;
    this.#pager = root.querySelector('[data-role="queue-pager"]');
    this.#pageLabel = root.querySelector('[data-role="queue-page"]');
    this.#previous = root.querySelector('[data-role="queue-previous"]');
    this.#next = root.querySelector('[data-role="queue-next"]');
    this.#previous?.addEventListener('click', () => this.#onPage(Math.max(0, this.#offset - PAGE_SIZE)));
    this.#next?.addEventListener('click', () => this.#onPage(this.#offset + PAGE_SIZE));
    this.#count = root.querySelector('[data-role="queue-count"]');
    this.#list = root.querySelector('[data-role="queue-list"]');
    this.#followUps = root.querySelector('[data-role="followups"]');
    this.#followUpList = root.querySelector('[data-role="followup-list"]');
    this.#followUpCount = root.querySelector('[data-role="followup-count"]');
    this.#clock = setInterval(() => this.#tick(), TICK_MS);
  }

  /** Where the page shown starts in the queue (0: the first page). */
  get offset() {
    return this.#offset;
  }

  /** The wait after which a live entry is overdue (`settings.queueAlertSeconds`). */
  setAlertSeconds(seconds) {
    this.#alertSeconds = Number.isFinite(seconds) ? seconds : 0;
    this.#tick();
  }

  /**
   * Shows the page of the queue of the latest `queue` frame: `{entries, offset, total, waiting}`
   * (a bare array of entries is the whole queue).
   */
  render(frame) {
    const page = Array.isArray(frame) ? { entries: frame } : frame ?? {};
    this.#entries = Array.isArray(page.entries) ? page.entries : [];
    this.#offset = Number.isInteger(page.offset) ? page.offset : 0;
    this.#total = Number.isInteger(page.total) ? page.total : this.#entries.length;
    const ids = new Set(this.#entries.map((e) => e.conversationId));
    for (const id of [...this.#accepting]) if (!ids.has(id)) this.#accepting.delete(id);
    const live = this.#entries.filter((e) => !e.followUp);
    const followUps = this.#entries.filter((e) => e.followUp);
    const waiting = Number.isInteger(page.waiting) ? page.waiting : live.length;
    const followUpTotal = Math.max(0, this.#total - waiting);
    clear(this.#list);
    this.#count.textContent = String(waiting);
    if (live.length === 0) {
      this.#list.append(h('li', { class: 'empty', text: waiting === 0 ? 'No one is waiting.' : 'Everyone waiting is on earlier pages.' }));
    }
    for (const entry of live) this.#list.append(this.#card(entry));
    clear(this.#followUpList);
    this.#followUpCount.textContent = String(followUpTotal);
    this.#followUps.hidden = followUpTotal === 0;
    if (followUps.length === 0 && followUpTotal > 0) {
      this.#followUpList.append(h('li', { class: 'empty', text: 'On the last pages of the queue.' }));
    }
    for (const entry of followUps) this.#followUpList.append(this.#followUpCard(entry));
    this.#renderPager();
  }

  /** An accept was refused (e.g. someone else took it): let the agent try again. */
  acceptFailed(conversationId) {
    this.#accepting.delete(conversationId);
    this.render({ entries: this.#entries, offset: this.#offset, total: this.#total, waiting: this.#waitingShown() });
  }

  #waitingShown() {
    return Number(this.#count.textContent) || 0;
  }

  #renderPager() {
    if (!this.#pager) return;
    const paged = this.#total > PAGE_SIZE || this.#offset > 0;
    this.#pager.hidden = !paged;
    if (!paged) return;
    const first = this.#entries.length === 0 ? this.#offset : this.#offset + 1;
    const last = this.#offset + this.#entries.length;
    this.#pageLabel.textContent = `${first}–${last} of ${this.#total}`;
    this.#previous.disabled = this.#offset === 0;
    this.#next.disabled = last >= this.#total;
  }

  /** The card of a queued conversation, to point at it from an alert. */
  focusEntry(conversationId) {
    const card = this.#root.querySelector(`[data-conversation-id="${CSS.escape(conversationId)}"]`);
    card?.scrollIntoView({ block: 'nearest' });
    card?.querySelector('button.primary')?.focus();
  }

  #acceptButton(id, label, ariaLabel) {
    const busy = this.#accepting.has(id);
    const button = h('button', {
      type: 'button', class: 'button primary small', text: busy ? 'Opening…' : label, disabled: busy, 'aria-label': ariaLabel,
      on: { click: () => { this.#accepting.add(id); button.disabled = true; button.textContent = 'Opening…'; this.#onAccept(id); } },
    });
    return button;
  }

  #card(entry) {
    const id = entry.conversationId;
    const expanded = this.#expanded.has(id);
    const detailsId = `queue-details-${id}`;
    const name = visitorName(entry.visitor);
    const overdue = isOverdue(entry, Date.now(), this.#alertSeconds);
    const toggle = h('button', {
      type: 'button', class: 'disclosure', 'aria-expanded': String(expanded), 'aria-controls': detailsId,
      on: { click: () => { if (expanded) this.#expanded.delete(id); else this.#expanded.add(id); this.render({ entries: this.#entries, offset: this.#offset, total: this.#total, waiting: this.#waitingShown() }); } },
    }, h('span', { class: 'queue-name', text: name }), h('span', { class: 'chevron', 'aria-hidden': 'true', text: expanded ? '▾' : '▸' }));
    return h('li', { class: `queue-card${overdue ? ' queue-card--overdue' : ''}`, dataset: { conversationId: id, since: entry.queuedAt ?? '' } },
      h('div', { class: 'queue-top' }, toggle, h('span', { class: 'wait', text: waitingLabel(entry.queuedAt) })),
      h('div', { class: 'queue-meta' },
        entry.department ? h('span', { class: 'pill pill--department', text: entry.department, title: 'Department' }) : null,
        h('span', { class: 'pill', text: reasonLabel(entry.reason) }),
        entry.priority > 0 ? h('span', { class: 'pill pill--priority', text: 'Priority' }) : null,
        h('span', { class: 'overdue-flag', text: 'Overdue', hidden: !overdue }),
        h('span', { class: 'position', text: `#${entry.position ?? '?'}` })),
      h('p', { class: 'preview', text: entry.preview ?? '' }),
      h('dl', { class: 'queue-details', id: detailsId, hidden: !expanded },
        h('dt', { text: 'Question' }), h('dd', { text: entry.preview || '—' }),
        h('dt', { text: 'Reason' }), h('dd', { text: reasonLabel(entry.reason) }),
        h('dt', { text: 'Department' }), h('dd', { text: entry.department || '—' }),
        h('dt', { text: 'Queued at' }), h('dd', { text: shortTime(entry.queuedAt) || '—' }),
        h('dt', { text: 'Visitor id' }), h('dd', { text: entry.visitor?.id ?? '—' }),
        h('dt', { text: 'Full history' }), h('dd', { text: 'Accept to see the whole transcript.' })),
      h('div', { class: 'queue-actions' }, this.#acceptButton(id, 'Accept', `Accept conversation with ${name}`)));
  }

  #followUpCard(entry) {
    const id = entry.conversationId;
    const name = visitorName(entry.visitor);
    return h('li', { class: 'queue-card queue-card--followup', dataset: { conversationId: id } },
      h('div', { class: 'queue-top' },
        h('span', { class: 'queue-name', text: name }),
        h('span', { class: 'when', text: shortTime(entry.queuedAt) })),
      entry.visitor?.email ? h('p', { class: 'followup-email', text: entry.visitor.email }) : null,
      entry.department ? h('div', { class: 'queue-meta' }, h('span', { class: 'pill pill--department', text: entry.department })) : null,
      h('p', { class: 'preview preview--full', text: entry.preview ?? '' }),
      h('div', { class: 'queue-actions' }, this.#acceptButton(id, 'Answer', `Answer the message from ${name}`)));
  }

  #tick() {
    if (!this.#root.isConnected) {
      clearInterval(this.#clock);
      return;
    }
    const now = Date.now();
    const byId = new Map(this.#entries.map((e) => [e.conversationId, e]));
    for (const card of this.#list.querySelectorAll('.queue-card')) {
      const entry = byId.get(card.dataset.conversationId);
      card.querySelector('.wait').textContent = waitingLabel(card.dataset.since, now);
      const overdue = isOverdue(entry, now, this.#alertSeconds);
      card.classList.toggle('queue-card--overdue', overdue);
      card.querySelector('.overdue-flag').hidden = !overdue;
    }
  }
}
