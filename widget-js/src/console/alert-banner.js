import { clear, h } from '../shared/dom.js';

/**
 * The alert strip under the top bar (`role="alert"`): one line per `alert` frame — a queued
 * visitor has waited too long — with "Show" (points at their queue card) and "Dismiss". An
 * alert goes by itself once its conversation leaves the queue.
 */
export class AlertBanner {
  #root;
  #onShow;
  #alerts = new Map();

  constructor(root, { onShow }) {
    this.#root = root;
    this.#onShow = onShow;
    this.#draw();
  }

  get size() {
    return this.#alerts.size;
  }

  /** Adds (or refreshes) the alert of a conversation. */
  add(frame) {
    const key = frame.conversationId ?? `${frame.code}-${this.#alerts.size}`;
    this.#alerts.set(key, frame);
    this.#draw();
  }

  /** Drops alerts whose conversations are no longer waiting. */
  keepOnly(conversationIds) {
    const waiting = new Set(conversationIds);
    let changed = false;
    for (const key of [...this.#alerts.keys()]) {
      if (!waiting.has(key)) changed = this.#alerts.delete(key) || changed;
    }
    if (changed) this.#draw();
  }

  #draw() {
    clear(this.#root);
    this.#root.hidden = this.#alerts.size === 0;
    for (const [key, frame] of this.#alerts) {
      const message = frame.message ?? (Number.isFinite(frame.waitedSeconds)
        ? `A visitor has waited ${Math.round(frame.waitedSeconds / 60)} min.` : 'A visitor is waiting.');
      this.#root.append(h('div', { class: 'alert', dataset: { conversationId: key, code: frame.code ?? '' } },
        h('span', { class: 'alert-icon', 'aria-hidden': 'true', text: '⚠' }),
        h('span', { class: 'alert-text', text: message }),
        frame.conversationId
          ? h('button', { type: 'button', class: 'button small', text: 'Show', 'aria-label': `Show the waiting conversation: ${message}`, on: { click: () => this.#onShow(frame.conversationId) } })
          : null,
        h('button', { type: 'button', class: 'button ghost small', text: 'Dismiss', 'aria-label': `Dismiss the alert: ${message}`,
          on: { click: () => { this.#alerts.delete(key); this.#draw(); } } })));
    }
  }
}
