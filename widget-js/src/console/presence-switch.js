import { clear, h } from '../shared/dom.js';

const STATUSES = ['online', 'away', 'offline'];
const LABELS = { online: 'Online', away: 'Away', offline: 'Offline' };
const PENDING = { online: 'Going online…', away: 'Going away…', offline: 'Going offline…' };
const HINTS = {
  online: 'You receive new conversations.',
  away: 'You keep your chats but receive no new ones.',
  offline: 'You are shown as gone and receive no new conversations.',
};

/**
 * The presence control: a switch (`role="switch"`, checked when online) that flips between
 * online and away with one click, and a menu button beside it offering online, away and
 * offline. The label says "Going away…" until the server acknowledges the `presence` request;
 * then `data-presence` on the switch holds the confirmed status.
 */
export class PresenceSwitch {
  #button;
  #label;
  #menuButton;
  #menu;
  #onChange;
  #confirmed = null;
  #wanted = 'online';

  /** @param button the switch; the menu button and menu are `#presence-menu-button` and `#presence-menu` in the same document. */
  constructor(button, { onChange, initial = 'online' }) {
    this.#button = button;
    this.#label = button.querySelector('.presence-label');
    this.#onChange = onChange;
    this.#wanted = STATUSES.includes(initial) ? initial : 'online';
    const doc = button.ownerDocument;
    this.#menuButton = doc.getElementById('presence-menu-button');
    this.#menu = doc.getElementById('presence-menu');
    button.addEventListener('click', () => this.request(this.#wanted === 'online' ? 'away' : 'online'));
    this.#menuButton?.addEventListener('click', () => (this.#menu.hidden ? this.#open() : this.#closeMenu(true)));
    this.#menu?.addEventListener('keydown', (event) => this.#onMenuKey(event));
    this.#menu?.addEventListener('focusout', (event) => {
      if (!this.#menu.contains(event.relatedTarget) && event.relatedTarget !== this.#menuButton) this.#closeMenu(false);
    });
    this.#draw();
  }

  /** The status the agent chose (confirmed or not). */
  get wanted() {
    return this.#wanted;
  }

  /** Asks for `status` and waits for its acknowledgement. */
  request(status) {
    if (!STATUSES.includes(status)) throw new RangeError(`presence must be one of ${STATUSES.join(', ')}, got ${status}`);
    this.#wanted = status;
    this.#confirmed = null;
    this.#draw();
    this.#onChange(status);
  }

  /** The server acknowledged `status`. */
  confirm(status) {
    this.#confirmed = status;
    this.#draw();
  }

  #draw() {
    const status = this.#wanted;
    this.#button.setAttribute('aria-checked', String(status === 'online'));
    this.#button.dataset.wanted = status;
    this.#button.dataset.presence = this.#confirmed ?? '';
    this.#label.textContent = this.#confirmed !== status ? PENDING[status] : LABELS[status];
    this.#button.title = `${HINTS[status]} Click to ${status === 'online' ? 'go away' : 'go online'}.`;
    if (this.#menu && !this.#menu.hidden) this.#fillMenu();
  }

  #open() {
    this.#fillMenu();
    this.#menu.hidden = false;
    this.#menuButton.setAttribute('aria-expanded', 'true');
    this.#menu.querySelector('[aria-checked="true"]')?.focus();
  }

  #closeMenu(refocus) {
    if (!this.#menu || this.#menu.hidden) return;
    this.#menu.hidden = true;
    this.#menuButton.setAttribute('aria-expanded', 'false');
    if (refocus) this.#menuButton.focus();
  }

  #fillMenu() {
    clear(this.#menu);
    for (const status of STATUSES) {
      this.#menu.append(h('button', {
        type: 'button', role: 'menuitemradio', class: 'presence-item', tabindex: '-1',
        'aria-checked': String(status === this.#wanted), dataset: { status },
        on: { click: () => { this.#closeMenu(true); if (status !== this.#wanted) this.request(status); } },
      }, h('span', { class: 'presence-dot', 'aria-hidden': 'true' }), h('span', { text: LABELS[status] }), h('small', { text: HINTS[status] })));
    }
  }

  #onMenuKey(event) {
    const items = [...this.#menu.querySelectorAll('[role="menuitemradio"]')];
    const index = items.indexOf(event.target.closest?.('[role="menuitemradio"]'));
    const move = { ArrowDown: index + 1, ArrowUp: index - 1, Home: 0, End: items.length - 1 }[event.key];
    if (move !== undefined) {
      event.preventDefault();
      items[(move + items.length) % items.length].focus();
    } else if (event.key === 'Escape' || event.key === 'Tab') {
      if (event.key === 'Escape') event.preventDefault();
      this.#closeMenu(event.key === 'Escape');
    }
  }
}
