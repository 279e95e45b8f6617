import { Chat } from './chat.js';

/**
 * The chats an agent has open, by conversation id, in the order they came. Everything that
 * brings events — `assigned` packages (sent again after every reconnect), live `event`
 * frames, `history` answers after a reconnect — goes through here, and each {@link Chat}
 * keeps only what it has not seen (by `seq`), so a line never shows twice.
 */
export class ChatList {
  #chats = new Map();

  get size() {
    return this.#chats.size;
  }

  get(conversationId) {
    return this.#chats.get(conversationId);
  }

  /** The chats, oldest first. */
  values() {
    return [...this.#chats.values()];
  }

  delete(conversationId) {
    return this.#chats.delete(conversationId);
  }

  clear() {
    this.#chats.clear();
  }

  /**
   * Merges the handoff package of an `assigned` frame: a new chat, or the events it adds to
   * a chat already open. Returns {chat, created, fresh}.
   */
  assign(frame) {
    const handoff = frame.handoff ?? { conversationId: frame.conversationId, transcript: [] };
    const conversationId = handoff.conversationId ?? frame.conversationId;
    const known = this.#chats.get(conversationId);
    if (known) return { chat: known, created: false, fresh: known.update({ ...handoff, conversationId }) };
    const chat = new Chat({ ...handoff, conversationId });
    this.#chats.set(conversationId, chat);
    return { chat, created: true, fresh: chat.events };
  }

  /** Live or replayed events of a chat: returns {chat, fresh} (fresh: new ones, in order), or null for a chat not open. */
  add(conversationId, events) {
    const chat = this.#chats.get(conversationId);
    if (!chat) return null;
    return { chat, fresh: chat.add(...events) };
  }

  /** After a reconnect, what to ask `history` for: each chat still open, after its last seq. */
  resumePoints() {
    return this.values().filter((chat) => chat.active).map((chat) => ({ conversationId: chat.conversationId, afterSeq: chat.lastSeq }));
  }
}
