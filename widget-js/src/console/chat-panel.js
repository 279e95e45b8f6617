import { TranscriptView } from './transcript-view.js';

/**
 * The middle of the console for the selected chat: its title, the transcript, the visitor's
 * typing line, the reply box (Enter sends, Shift+Enter is a new line), the Download button
 * (the transcript as a text file) and the Close button, which becomes "Remove" once the
 * conversation is closed.
 */
export class ChatPanel {
  #els;
  #transcript;
  #on;
  #chat = null;

  /** @param on callbacks: reply(text), close(), remove(), typing(), download() */
  constructor(doc, on) {
    this.#on = on;
    this.#els = {
      empty: doc.getElementById('chat-empty'),
      chat: doc.getElementById('chat'),
      title: doc.getElementById('chat-title'),
      close: doc.getElementById('close-chat'),
      download: doc.getElementById('download-chat'),
      typing: doc.getElementById('visitor-typing'),
      form: doc.getElementById('reply-form'),
      reply: doc.getElementById('reply'),
    };
    this.#transcript = new TranscriptView(doc.getElementById('transcript'));
    const { form, reply, close, download } = this.#els;
    form.addEventListener('submit', (event) => { event.preventDefault(); this.#send(); });
    reply.addEventListener('keydown', (event) => {
      if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        this.#send();
      }
    });
    reply.addEventListener('input', () => on.typing());
    close.addEventListener('click', () => (this.#chat?.closed ? on.remove() : on.close()));
    download.addEventListener('click', () => on.download());
  }

  get transcript() {
    return this.#transcript;
  }

  /** Shows `chat` (or the empty state for null). */
  show(chat) {
    const changed = chat !== this.#chat;
    this.#chat = chat;
    this.#els.empty.hidden = Boolean(chat);
    this.#els.chat.hidden = !chat;
    this.setVisitorTyping(false);
    if (!chat) {
      this.#transcript.clear();
      return;
    }
    this.#els.title.textContent = chat.visitorName;
    this.#els.download.setAttribute('aria-label', `Download the transcript of the conversation with ${chat.visitorName}`);
    if (changed) this.#transcript.show(chat);
    this.refresh();
  }

  /** Re-reads the chat's closed state into the buttons and the reply box. */
  refresh() {
    const chat = this.#chat;
    if (!chat) return;
    const { close, reply, form } = this.#els;
    close.textContent = chat.closed ? 'Remove' : 'Close';
    close.className = chat.closed ? 'button ghost' : 'button danger';
    close.setAttribute('aria-label', chat.closed ? `Remove the closed chat with ${chat.visitorName}` : `Close the conversation with ${chat.visitorName} as resolved`);
    reply.disabled = chat.closed;
    form.querySelector('button').disabled = chat.closed;
    reply.placeholder = chat.closed ? 'This conversation is closed.' : 'Type a reply — Enter to send, Shift+Enter for a new line';
  }

  setVisitorTyping(typing) {
    this.#els.typing.hidden = !typing;
    this.#els.typing.textContent = typing && this.#chat ? `${this.#chat.visitorName} is typing…` : '';
  }

  focusReply() {
    if (!this.#els.reply.disabled) this.#els.reply.focus();
  }

  #send() {
    const text = this.#els.reply.value.trim();
    if (!text || !this.#chat || this.#chat.closed) return;
    this.#els.reply.value = '';
    this.#on.reply(text);
  }
}
