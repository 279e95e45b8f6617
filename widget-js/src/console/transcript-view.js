import { clear, h, linkified } from '../shared/dom.js';
import { attachmentElement } from '../shared/files.js';
import { botBadge, closeReasonLabel, reasonLabel, shortTime, viaLabel } from './format.js';

export const NOTE_LABEL = 'Internal note — not visible to the visitor';

/**
 * A transcript: visitor, bot, agent and system turns drawn differently; bot turns carry a
 * badge with the FAQ entry and confidence, unsure ones are marked and list the suggestions the
 * visitor was offered; internal notes stand apart ("Internal note — not visible to the
 * visitor"). In the live chat the agent's own replies and notes show at once as pending and are
 * matched by request `id` when their event arrives, and agent messages carry the visitor's
 * "Delivered"/"Read" marks. Also used read-only for earlier conversations (`showEvents`).
 */
export class TranscriptView {
  #list;
  #visitorName = 'Visitor';
  #receipts = null;
  #fileLink;
  #conversationId = null;

  /** @param fileLink (event, attachment, download) => a fresh URL of a message's file (none: names only) */
  constructor(list, fileLink = null) {
    this.#list = list;
    this.#fileLink = fileLink;
  }

  /** Draws a whole chat (on selecting a tab). */
  show(chat) {
    clear(this.#list);
    this.#visitorName = chat.visitorName;
    this.#conversationId = chat.conversationId;
    this.#receipts = chat.receipts;
    for (const event of chat.events) this.#list.append(this.#turn(event));
    for (const { id, text, kind } of chat.pending) this.addPending(id, text, kind);
    this.refreshReceipts();
    this.#scroll();
  }

  /** Draws a list of events read-only (an earlier conversation, whose files link through `conversationId`). */
  showEvents(events, visitorName = 'Visitor', conversationId = null) {
    clear(this.#list);
    this.#visitorName = visitorName;
    this.#conversationId = conversationId;
    this.#receipts = null;
    if (events.length === 0) this.#list.append(h('li', { class: 'empty', text: 'No messages.' }));
    for (const event of events) this.#list.append(this.#turn(event));
  }

  /** Re-reads the Delivered/Read marks under the agent's messages. */
  refreshReceipts() {
    if (!this.#receipts) return;
    for (const mark of this.#list.querySelectorAll('.turn--agent[data-seq] .receipt')) {
      const label = this.#receipts.label(Number(mark.closest('[data-seq]').dataset.seq));
      if (mark.textContent !== label) mark.textContent = label;
      mark.dataset.status = label.toLowerCase();
    }
  }

  clear() {
    clear(this.#list);
  }

  /** Appends a new event of the shown chat, replacing its pending copy if it is the agent's reply. */
  append(event) {
    const pending = event.id ? this.#list.querySelector(`[data-pending-id="${CSS.escape(event.id)}"]`) : null;
    const turn = this.#turn(event);
    if (pending) pending.replaceWith(turn);
    else this.#insertBeforePending(turn);
    this.refreshReceipts();
    this.#scroll();
  }

  addPending(id, text, kind = 'message') {
    const note = kind === 'note';
    this.#list.append(h('li', { class: `turn ${note ? 'turn--note' : 'turn--agent'} turn--pending`, dataset: { pendingId: id } },
      h('div', { class: 'turn-head' },
        h('span', { class: 'who', text: 'You' }),
        note ? h('span', { class: 'note-label', text: NOTE_LABEL }) : null,
        h('span', { class: 'when', text: 'sending…' })),
      h('div', { class: 'bubble', text })));
    this.#scroll();
  }

  failPending(id, message) {
    const pending = this.#list.querySelector(`[data-pending-id="${CSS.escape(id)}"]`);
    if (!pending) return;
    pending.classList.add('turn--failed');
    pending.querySelector('.when').textContent = `not sent: ${message}`;
  }

  /** Turns still waiting for their event are dropped (the chat was transferred away). */
  dropPending() {
    for (const pending of this.#list.querySelectorAll('[data-pending-id]')) pending.remove();
  }

  #turn(event) {
    const role = event.author?.role;
    const when = shortTime(event.ts);
    switch (event.kind) {
      case 'message': {
        const mine = role === 'agent';
        return h('li', { class: `turn turn--${mine ? 'agent' : 'visitor'}`, dataset: { seq: event.seq } },
          h('div', { class: 'turn-head' },
            h('span', { class: 'who', text: mine ? (event.author?.name ?? 'Agent') : (event.author?.name ?? this.#visitorName) }),
            viaLabel(event) ? h('span', { class: 'pill pill--via', text: viaLabel(event) }) : null,
            h('span', { class: 'when', text: when })),
          h('div', { class: 'bubble' }, linkified(event.text ?? ''), this.#file(event)),
          mine && this.#receipts ? h('span', { class: 'receipt', 'aria-live': 'off' }) : null);
      }
      case 'note':
        return h('li', { class: 'turn turn--note', dataset: { seq: event.seq }, 'aria-label': `${NOTE_LABEL}, by ${event.author?.name ?? 'an agent'}` },
          h('div', { class: 'turn-head' },
            h('span', { class: 'who', text: event.author?.name ?? 'Agent' }),
            h('span', { class: 'note-label', text: NOTE_LABEL }),
            h('span', { class: 'when', text: when })),
          h('div', { class: 'bubble' }, linkified(event.text ?? '')));
      case 'offline_message':
        return h('li', { class: 'turn turn--visitor turn--offline', dataset: { seq: event.seq } },
          h('div', { class: 'turn-head' },
            h('span', { class: 'who', text: event.author?.name ?? this.#visitorName }),
            h('span', { class: 'pill', text: `Left a message${event.reason ? ` · reply to ${event.reason}` : ''}` }),
            h('span', { class: 'when', text: when })),
          h('div', { class: 'bubble' }, linkified(event.text ?? '')));
      case 'transferred':
        return system(event, event.text ?? `Transferred to ${event.agent?.name ?? event.reason ?? 'another agent'}`, when);
      case 'bot':
        return this.#botTurn(event, when);
      case 'handoff':
        return system(event, `${event.text ?? 'Handed off.'} (${reasonLabel(event.reason)})`, when);
      case 'rated':
        return system(event, `Visitor rated ${event.score}/5${event.comment ? `: “${event.comment}”` : ''}`, when);
      case 'closed':
        return system(event, `Conversation closed${event.reason ? ` (${closeReasonLabel(event.reason)})` : ''}${event.author?.name ? ` by ${event.author.name}` : ''}`, when);
      default:
        return system(event, event.text ?? event.kind ?? 'event', when);
    }
  }

  /** The file a message carries: thumbnail or card with fresh links, or its name without links. */
  #file(event) {
    const file = event.attachment;
    if (!file) return null;
    if (!this.#fileLink) return h('span', { class: 'att-name', text: `📎 ${file.name}` });
    const scoped = { conversationId: this.#conversationId, ...event };
    return attachmentElement(file, (a, download) => this.#fileLink(scoped, a, download));
  }

  #botTurn(event, when) {
    const bot = event.bot ?? {};
    const unsure = bot.answered === false;
    const suggestions = bot.suggestions ?? [];
    return h('li', { class: `turn turn--bot${unsure ? ' turn--unsure' : ''}`, dataset: { seq: event.seq } },
      h('div', { class: 'turn-head' },
        h('span', { class: 'who', text: event.author?.name ?? 'Bot' }),
        h('span', { class: `badge${unsure ? ' badge--unsure' : ''}`, text: botBadge(bot) }),
        h('span', { class: 'when', text: when })),
      h('div', { class: 'bubble' }, linkified(event.text ?? '')),
      suggestions.length > 0
        ? h('p', { class: 'offered', text: `Offered: ${suggestions.map((s) => `${s.question} (${s.entryId})`).join(' · ')}${bot.humanOffered ? ' · a human' : ''}` })
        : null);
  }

  #insertBeforePending(turn) {
    this.#list.insertBefore(turn, this.#list.querySelector('[data-pending-id]'));
  }

  #scroll() {
    this.#list.scrollTop = this.#list.scrollHeight;
  }
}

function system(event, text, when) {
  return h('li', { class: `turn turn--system turn--${event.kind}`, dataset: { seq: event.seq } },
    h('span', { text }), when ? h('span', { class: 'when', text: ` · ${when}` }) : null);
}
