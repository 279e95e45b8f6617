import { h, clear } from '../shared/dom.js';

/**
 * The row of active chats as ARIA tabs, each with the visitor's name, an unread count, and
 * "closed" or "transferred to X" once it is no longer the agent's to answer.
 * Arrow keys, Home and End move between tabs (roving tabindex).
 */
export class TabsView {
  #list;
  #onSelect;

  constructor(list, { onSelect }) {
    this.#list = list;
    this.#onSelect = onSelect;
    list.addEventListener('keydown', (event) => this.#onKey(event));
  }

  /** @param chats [{conversationId, title, unread, closed, releasedTo}] @param selectedId the shown chat */
  render(chats, selectedId) {
    const hadFocus = this.#list.contains(document.activeElement);
    clear(this.#list);
    for (const chat of chats) {
      const selected = chat.conversationId === selectedId;
      const tab = h('button', {
        type: 'button', role: 'tab', class: 'tab', id: `tab-${chat.conversationId}`,
        'aria-selected': String(selected), 'aria-controls': 'chat-panel', tabindex: selected ? '0' : '-1',
        dataset: { conversationId: chat.conversationId, closed: chat.closed || chat.releasedTo ? 'true' : 'false' },
        on: { click: () => this.#onSelect(chat.conversationId) },
      },
      h('span', { class: 'tab-title', text: chat.title }),
      chat.releasedTo ? h('span', { class: 'tab-state', text: `transferred to ${chat.releasedTo}` })
        : chat.closed ? h('span', { class: 'tab-state', text: 'closed' }) : null,
      chat.unread > 0 ? h('span', { class: 'unread', text: String(chat.unread), 'aria-label': `${chat.unread} unread` }) : null);
      this.#list.append(tab);
      if (selected && hadFocus) tab.focus();
    }
  }

  #onKey(event) {
    const tabs = [...this.#list.querySelectorAll('[role="tab"]')];
    const index = tabs.indexOf(document.activeElement);
    if (index < 0) return;
    const next = { ArrowRight: index + 1, ArrowLeft: index - 1, Home: 0, End: tabs.length - 1 }[event.key];
    if (next === undefined) return;
    event.preventDefault();
    const target = tabs[(next + tabs.length) % tabs.length];
    this.#onSelect(target.dataset.conversationId);
    this.#list.querySelector(`[data-conversation-id="${CSS.escape(target.dataset.conversationId)}"]`)?.focus();
  }
}
