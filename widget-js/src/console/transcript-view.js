import { clear, h, linkified } from '../shared/dom.js';
import { botBadge, reasonLabel, shortTime } from './format.js';

/**
 * The selected chat's transcript: visitor, bot, agent and system turns drawn differently; bot
 * turns carry a badge with the FAQ entry and confidence, unsure ones are marked and list the
 * suggestions the visitor was offered. The agent's own replies show at once as pending and are
 * matched by request `id` when their event arrives.
 */
export class TranscriptView {
  #list;
  #visitorName = 'Visitor';

  constructor(list) {
    this.#list = list;
  }

  /** Draws a whole chat (on selecting a tab). */
  show(chat) {
    clear(this.#list);
    this.#visitorName = chat.visitorName;
    for (const event of chat.events) this.#list.append(this.#turn(event));
    for (const { id, text } of chat.pending) this.addPending(id, text);
    this.#scroll();
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
    this.#scroll();
  }

  addPending(id, text) {
    this.#list.append(h('li', { class: 'turn turn--agent turn--pending', dataset: { pendingId: id } },
      h('div', { class: 'turn-head' }, h('span', { class: 'who', text: 'You' }), h('span', { class: 'when', text: 'sending…' })),
      h('div', { class: 'bubble', text })));
    this.#scroll();
  }

  failPending(id, message) {
    const pending = this.#list.querySelector(`[data-pending-id="${CSS.escape(id)}"]`);
    if (!pending) return;
    pending.classList.add('turn--failed');
    pending.querySelector('.when').textContent = `not sent: ${message}`;
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
            h('span', { class: 'when', text: when })),
          h('div', { class: 'bubble' }, linkified(event.text ?? '')));
      }
      case 'bot':
        return this.#botTurn(event, when);
      case 'handoff':
        return system(event, `${event.text ?? 'Handed off.'} (${reasonLabel(event.reason)})`, when);
      case 'rated':
        return system(event, `Visitor rated ${event.score}/5${event.comment ? `: “${event.comment}”` : ''}`, when);
      case 'closed':
        return system(event, `Conversation closed${event.reason ? ` (${event.reason})` : ''}${event.author?.name ? ` by ${event.author.name}` : ''}`, when);
      default:
        return system(event, event.text ?? event.kind ?? 'event', when);
    }
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
