/**
 * The online/away switch (`role="switch"`). A click asks for the other state; the switch says
 * "Going away…" until the server acknowledges the `presence` request, then `data-presence`
 * holds the confirmed status.
 */
export class PresenceSwitch {
  #button;
  #label;
  #onChange;
  #confirmed = null;
  #wanted = 'online';

  constructor(button, { onChange, initial = 'online' }) {
    this.#button = button;
    this.#label = button.querySelector('.presence-label');
    this.#onChange = onChange;
    this.#wanted = initial;
    button.addEventListener('click', () => this.request(this.#wanted === 'online' ? 'away' : 'online'));
    this.#draw();
  }

  /** The status the agent chose (confirmed or not). */
  get wanted() {
    return this.#wanted;
  }

  /** Asks for `status` and waits for its acknowledgement. */
  request(status) {
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
    const online = this.#wanted === 'online';
    this.#button.setAttribute('aria-checked', String(online));
    this.#button.dataset.wanted = this.#wanted;
    this.#button.dataset.presence = this.#confirmed ?? '';
    const pending = this.#confirmed !== this.#wanted;
    this.#label.textContent = pending ? (online ? 'Going online…' : 'Going away…') : (online ? 'Online' : 'Away');
    this.#button.title = online ? 'You receive new conversations. Click to go away.' : 'You receive no new conversations. Click to go online.';
  }
}
