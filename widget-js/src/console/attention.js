// Getting the agent's attention: the unread count in the title, a blinking title and a short
// beep when a visitor writes in a chat that is not in view or while the page is hidden.

export const BASE_TITLE = 'Concierge console';
const BLINK_MS = 1000;
const BLINKS_WHILE_VISIBLE = 6;

/** The page title: "(3) Concierge console", or the flash text during the blink's "on" phase. */
export function titleFor({ unread = 0, flash = null } = {}) {
  if (flash) return flash;
  return unread > 0 ? `(${unread}) ${BASE_TITLE}` : BASE_TITLE;
}

/** True for an event the visitor wrote (a message, or one left while nobody was online). */
export function isVisitorNews(event) {
  return event?.author?.role === 'visitor' && (event.kind === 'message' || event.kind === 'offline_message');
}

/** True when the agent cannot be looking at a chat's new lines: another tab is selected, or the page is hidden. */
export function isOutOfView(conversationId, { selectedId, pageHidden }) {
  return pageHidden || conversationId !== selectedId;
}

/**
 * Owns `document.title`: shows the unread count, blinks a message ("Ada wrote…") until the
 * page is seen again (at most a few blinks while it is visible), and beeps.
 */
export class Attention {
  #doc;
  #beeper;
  #timers;
  #unread = 0;
  #flash = null;
  #blinkTimer = null;
  #phase = false;
  #blinks = 0;

  constructor({ doc = globalThis.document, beeper = null, timers = globalThis } = {}) {
    this.#doc = doc;
    this.#beeper = beeper;
    this.#timers = timers;
    doc.addEventListener?.('visibilitychange', () => { if (!doc.hidden) this.calm(); });
    this.#draw();
  }

  /** The total of unread lines over all chats. */
  setUnread(count) {
    this.#unread = count;
    this.#draw();
  }

  /** A visitor wrote where the agent is not looking: blink `text` in the title, and beep. */
  notify(text, { sound = true } = {}) {
    if (sound) this.#beeper?.beep();
    this.#flash = text;
    this.#blinks = 0;
    if (this.#blinkTimer === null) this.#blinkTimer = this.#timers.setInterval(() => this.#blink(), BLINK_MS);
    this.#phase = true;
    this.#draw();
  }

  /** An alert (a visitor waited too long): a longer, lower two-tone beep and the blink. */
  alarm(text) {
    this.#beeper?.beep({ frequency: 660, durationMs: 220 });
    this.#timers.setTimeout(() => this.#beeper?.beep({ frequency: 880, durationMs: 220 }), 280);
    this.notify(text, { sound: false });
  }

  /** Stops blinking (the page is seen again). */
  calm() {
    if (this.#blinkTimer !== null) this.#timers.clearInterval(this.#blinkTimer);
    this.#blinkTimer = null;
    this.#flash = null;
    this.#phase = false;
    this.#draw();
  }

  #blink() {
    this.#phase = !this.#phase;
    this.#blinks += 1;
    if (!this.#doc.hidden && this.#blinks >= BLINKS_WHILE_VISIBLE) {
      this.calm();
      return;
    }
    this.#draw();
  }

  #draw() {
    this.#doc.title = titleFor({ unread: this.#unread, flash: this.#phase ? this.#flash : null });
  }
}
