import { Composer } from './composer.js';
import { closeReasonLabel } from './format.js';
import { TranscriptView } from './transcript-view.js';

/**
 * The middle of the console for the selected chat: its title, the transfer banner (who handed
 * it over and their note), the transcript, the visitor's typing line, the composer (replies,
 * internal notes, canned replies), and the actions: Transfer, Download (the transcript as a
 * text file), a close reason and Close — which becomes "Remove" once the conversation is closed
 * or transferred away.
 */
export class ChatPanel {
  #els;
  #transcript;
  #composer;
  #chat = null;

  /**
   * @param on callbacks: send(text, kind), close(reason), remove(), typing(), download(), transfer(),
   *   attach(transfer) (a file for the chat), fileLink(event, attachment, download) (a fresh URL)
   */
  constructor(doc, on) {
    this.#els = {
      empty: doc.getElementById('chat-empty'),
      chat: doc.getElementById('chat'),
      title: doc.getElementById('chat-title'),
      status: doc.getElementById('chat-status'),
      banner: doc.getElementById('transfer-banner'),
      close: doc.getElementById('close-chat'),
      reason: doc.getElementById('close-reason'),
      transfer: doc.getElementById('transfer-chat'),
      download: doc.getElementById('download-chat'),
      typing: doc.getElementById('visitor-typing'),
    };
    this.#transcript = new TranscriptView(doc.getElementById('transcript'), on.fileLink);
    this.#composer = new Composer(doc, { send: on.send, typing: on.typing, attach: on.attach });
    const { close, download, transfer, reason } = this.#els;
    close.addEventListener('click', () => (this.#chat?.active ? on.close(reason.value) : on.remove()));
    reason.addEventListener('change', () => this.refresh());
    download.addEventListener('click', () => on.download());
    transfer.addEventListener('click', () => on.transfer());
  }

  get transcript() {
    return this.#transcript;
  }

  get composer() {
    return this.#composer;
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
    if (changed) {
      this.#transcript.show(chat);
      this.#composer.reset();
      this.#els.reason.value = 'resolved';
    }
    this.refresh();
  }

  /** Re-reads the chat's state (closed, transferred, visitor name, transfer note) into the panel. */
  refresh() {
    const chat = this.#chat;
    if (!chat) return;
    const { title, status, banner, close, reason, transfer, download } = this.#els;
    const name = chat.visitorName;
    title.textContent = name;
    download.setAttribute('aria-label', `Download the transcript of the conversation with ${name}`);
    const from = chat.handoff.transferredFrom;
    banner.hidden = !from;
    if (from) {
      banner.querySelector('.transfer-from').textContent = `Transferred to you by ${from.name ?? from.id}${chat.handoff.department ? ` (${chat.handoff.department})` : ''}`;
      const note = banner.querySelector('.transfer-note');
      note.textContent = chat.handoff.transferNote ?? '';
      note.hidden = !chat.handoff.transferNote;
    }
    status.textContent = chat.releasedTo ? `Transferred to ${chat.releasedTo}` : chat.closed ? 'Closed' : '';
    status.hidden = status.textContent === '';
    const active = chat.active;
    close.textContent = active ? 'Close' : 'Remove';
    close.className = active ? 'button danger' : 'button ghost';
    close.setAttribute('aria-label', active
      ? `Close the conversation with ${name} as ${closeReasonLabel(reason.value)}`
      : `Remove the ${chat.releasedTo ? 'transferred' : 'closed'} chat with ${name}`);
    reason.hidden = !active;
    transfer.hidden = !active;
    transfer.setAttribute('aria-label', `Transfer the conversation with ${name}`);
    this.#composer.setEnabled(active, chat.releasedTo ? `Transferred to ${chat.releasedTo}.` : 'This conversation is closed.');
    if (!active) {
      this.#transcript.dropPending();
      this.#composer.setNoteMode(false);
      this.setVisitorTyping(false);
    }
  }

  setVisitorTyping(typing) {
    this.#els.typing.hidden = !typing;
    this.#els.typing.textContent = typing && this.#chat ? `${this.#chat.visitorName} is typing…` : '';
  }

  focusReply() {
    this.#composer.focus();
  }
}
