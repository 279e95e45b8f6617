import { TranscriptView } from './transcript-view.js';

/**
 * A modal `<dialog>` showing one earlier conversation read-only (the answer to `history`),
 * opened from the visitor panel or from a search result. Files show as in the live transcript
 * (thumbnail or card, with fresh links). Escape or the close button closes it and focus returns
 * where it was.
 */
export class TranscriptDialog {
  #dialog;
  #title;
  #meta;
  #view;
  #list;
  #conversationId = null;

  /** @param fileLink (event, attachment, download) => a fresh URL of a message's file, as for the live transcript */
  constructor(doc, { fileLink = null } = {}) {
    this.#dialog = doc.getElementById('history-dialog');
    this.#title = doc.getElementById('history-title');
    this.#meta = doc.getElementById('history-meta');
    this.#list = doc.getElementById('history-transcript');
    this.#view = new TranscriptView(this.#list, fileLink);
    doc.getElementById('history-close').addEventListener('click', () => this.#dialog.close());
    this.#dialog.addEventListener('close', () => { this.#conversationId = null; });
  }

  /** The conversation shown (or loading), or null when closed. */
  get conversationId() {
    return this.#conversationId;
  }

  /** Opens the dialog for `conversationId` while its events load. */
  open(conversationId, { title = 'Earlier conversation', meta = '' } = {}) {
    this.#conversationId = conversationId;
    this.#title.textContent = title;
    this.#meta.textContent = meta || conversationId;
    this.#view.showEvents([]);
    this.#list.firstChild.textContent = 'Loading…';
    if (!this.#dialog.open) this.#dialog.showModal();
    this.#list.focus();
  }

  /** The events of the conversation (a `transcript` answer). */
  fill(conversationId, events, { visitorName = 'Visitor', state } = {}) {
    if (conversationId !== this.#conversationId) return;
    this.#view.showEvents(events, visitorName, conversationId);
    if (state) this.#meta.textContent = `${this.#meta.textContent} · ${state.replaceAll('_', ' ')} · read-only`;
  }

  failed(conversationId, message) {
    if (conversationId !== this.#conversationId) return;
    this.#view.showEvents([]);
    this.#list.firstChild.textContent = message;
  }
}
