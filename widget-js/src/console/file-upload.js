import { h, clear } from '../shared/dom.js';
import { fileUrl, pickFile, progressBar, upload } from '../shared/files.js';

/**
 * The agent's files: a file chosen with the composer's Attach button, pasted or dropped is
 * uploaded to the selected chat (`Authorization: Bearer <token>`) with a progress bar under the
 * composer, then sent as a `message` with its `attachmentId`. A refusal shows the server's reason
 * with a Retry button (the file is kept). Also gives the transcript fresh links to files.
 */
export class FileUpload {
  #status;
  #token;
  #send;

  /**
   * @param status the element under the composer that shows the upload
   * @param token () => the agent's session token
   * @param send (conversationId, attachment) => sends the message carrying it
   */
  constructor(status, { token, send }) {
    this.#status = status;
    this.#token = token;
    this.#send = send;
  }

  /** Uploads the file of `transfer` (clipboardData, dataTransfer or {files}) to `conversationId`. */
  attach(transfer, conversationId) {
    const file = pickFile(transfer);
    if (!file || !conversationId) return;
    const name = file.name || 'pasted-image.png';
    const bar = progressBar(`Uploading ${name}`);
    const run = () => {
      clear(this.#status).append(h('span', { text: `Uploading ${name}…` }), bar.element);
      this.#status.hidden = false;
      upload({
        server: globalThis.location.origin, conversationId, authorization: `Bearer ${this.#token()}`,
        file: file.name ? file : new File([file], name, { type: file.type }), onProgress: (f) => bar.set(f),
      }).then((attachment) => {
        this.#status.hidden = true;
        clear(this.#status);
        this.#send(conversationId, attachment);
      }, (error) => {
        clear(this.#status).append(
          h('span', { class: 'upload-error', role: 'alert', text: `${name} was not sent: ${error.message}` }),
          h('button', { type: 'button', class: 'toggle', text: 'Retry', on: { click: run } }));
      });
    };
    run();
  }

  /** A fresh URL for a file of a message `event`; `download` forces a download. */
  link(event, attachment, download) {
    return fileUrl({
      server: globalThis.location.origin, conversationId: event.conversationId, authorization: `Bearer ${this.#token()}`,
      attachmentId: attachment.id, download,
    });
  }
}
