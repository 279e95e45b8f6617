/**
 * What this browser remembers about the visitor of one site, in `localStorage` so that a
 * reload, another page of the site and a second tab all continue the same conversation:
 *
 * - `concierge.visitorToken.<site>`: the token a `welcome` gave (who the visitor is);
 * - `concierge.conversation.<site>`: `{id, lastSeq, closed}` of the latest conversation: its
 *   id, the highest `seq` ever shown of it, and whether it was seen to close.
 *
 * `lastSeq` tells "a conversation we never showed anything of" (forget it quietly) from "one
 * the visitor has seen" (if the server no longer has it, say so). Blocked or full storage is
 * not an error: the widget then lives as long as the page.
 */
export class VisitorMemory {
  #storage;
  #site;
  #conversation;

  /** @param {Storage|null} storage usually localStorage @param {string} site the site key */
  constructor(storage, site) {
    this.#storage = storage;
    this.#site = site;
    this.#conversation = readConversation(storage, site);
  }

  /** True when a visitor token and a conversation that is not known to be closed are stored. */
  static hasOpenConversation(storage, site) {
    const conversation = readConversation(storage, site);
    return Boolean(read(storage, tokenKey(site)) && conversation && !conversation.closed);
  }

  /** Forgets everything about the visitor of `site`: token and conversation. */
  static forget(storage, site) {
    for (const key of [tokenKey(site), conversationKey(site)]) {
      try { storage?.removeItem(key); } catch { /* blocked */ }
    }
  }

  get token() {
    return read(this.#storage, tokenKey(this.#site));
  }

  set token(value) {
    write(this.#storage, tokenKey(this.#site), value);
  }

  /** `{id, lastSeq, closed}` of the remembered conversation, or null. */
  get conversation() {
    return this.#conversation ? { ...this.#conversation } : null;
  }

  /** Remembers `id` as the visitor's conversation; `lastSeq` and `closed` as far as known. */
  remember(id, { lastSeq = 0, closed = false } = {}) {
    const previous = this.#conversation?.id === id ? this.#conversation : null;
    this.#conversation = {
      id,
      lastSeq: Math.max(lastSeq, previous?.lastSeq ?? 0),
      closed: Boolean(closed),
    };
    write(this.#storage, conversationKey(this.#site), JSON.stringify(this.#conversation));
  }

  /** Forgets the conversation (not the visitor). */
  forgetConversation() {
    this.#conversation = null;
    try { this.#storage?.removeItem(conversationKey(this.#site)); } catch { /* blocked */ }
  }
}

function readConversation(storage, site) {
  const text = read(storage, conversationKey(site));
  if (!text) return null;
  try {
    const value = JSON.parse(text);
    if (typeof value?.id !== 'string' || value.id === '') return null;
    return { id: value.id, lastSeq: Number.isInteger(value.lastSeq) && value.lastSeq > 0 ? value.lastSeq : 0, closed: value.closed === true };
  } catch {
    return null;
  }
}

function tokenKey(site) {
  return `concierge.visitorToken.${site}`;
}

function conversationKey(site) {
  return `concierge.conversation.${site}`;
}

function read(storage, key) {
  try { return storage?.getItem(key) ?? null; } catch { return null; }
}

function write(storage, key, value) {
  try { storage?.setItem(key, value); } catch { /* storage full or blocked: live without */ }
}

/**
 * Whether the panel was open in this tab, in `sessionStorage` (`concierge.open.<site>`), so a
 * reload or the next page of the site opens it again. Blocked storage: it is simply not
 * remembered.
 */
export class PanelMemory {
  #storage;
  #key;

  /** @param {Storage|null} storage usually sessionStorage @param {string} site the site key */
  constructor(storage, site) {
    this.#storage = storage;
    this.#key = `concierge.open.${site}`;
  }

  wasOpen() {
    try {
      return this.#storage?.getItem(this.#key) === '1';
    } catch {
      return false;
    }
  }

  remember(open) {
    try {
      if (open) this.#storage?.setItem(this.#key, '1');
      else this.#storage?.removeItem(this.#key);
    } catch { /* storage blocked */ }
  }
}
