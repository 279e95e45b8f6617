// The widget's file code, loaded on first use (files-loader.js): attaching a file (upload with
// progress, then the `message` frame through the outbox), drawing the files of messages, and
// the transcript download. Its words are in the language the widget picked (`ctx.language`,
// shared/file-words.js), carried in this script rather than in the widget's first one.
import { h } from '../shared/dom.js';
import { fileWords } from '../shared/file-words.js';
import { attachmentElement, fileUrl, pickFile, progressBar, upload } from '../shared/files.js';
import { downloadTranscript as download } from '../shared/transcript-download.js';

const CSS = '.att-image{display:block;margin-top:4px}.att-thumb{display:block;max-width:100%;height:auto;max-height:200px;border-radius:8px}'
  + '.att-card{display:flex;flex-wrap:wrap;gap:4px 8px;align-items:baseline;margin-top:4px}.att-name{font-weight:600;overflow-wrap:anywhere}'
  + '.att-size{opacity:.8;font-size:12px}.att-download{color:inherit}.att-progress{height:6px;border-radius:3px;background:#e5e7eb;overflow:hidden;margin-top:4px}'
  + '.att-progress-fill{display:block;height:100%;width:0;background:var(--cc-brand,#4f46e5)}.att-status .retry{margin-top:4px}';

/** Adds the files' styles to the widget's shadow root once. */
function style(node) {
  const root = node.getRootNode();
  if (root && root !== node && !root.querySelector?.('style[data-files]')) root.append(h('style', { dataset: { files: '' }, text: CSS }));
}

/**
 * Sends the file of `transfer` (clipboardData, dataTransfer or {files}) as a message: starts a
 * conversation first if there is none (its first message names the file), uploads it with a
 * progress bar in the log, then sends the `message` with its `attachmentId`. A refusal shows
 * the reason (by its error code, in the widget's language) with a Retry button: the file is
 * kept for another try.
 */
export function attach(transfer, ctx) {
  const file = pickFile(transfer);
  if (!file) return;
  const words = fileWords(ctx.language);
  const name = file.name || 'pasted-image.png';
  const bar = progressBar(words.t('uploading', { name }));
  const status = h('p', { class: 'att-reason', role: 'alert', hidden: true });
  const item = h('div', { class: 'msg msg--mine msg--pending att-status', dataset: { local: 'upload' } },
    h('div', { class: 'bubble', text: name }), bar.element, status);
  ctx.log.append(item);
  style(item);
  ctx.log.scrollTop = ctx.log.scrollHeight;
  const run = () => {
    status.hidden = true;
    item.classList.replace('msg--failed', 'msg--pending');
    item.querySelector('.retry')?.remove();
    conversation(ctx, name)
      .then((conversationId) => upload({
        server: ctx.server, conversationId, authorization: ctx.authorization(),
        file: file.name ? file : new File([file], name, { type: file.type }), onProgress: (f) => bar.set(f), words,
      }))
      .then((attachment) => {
        item.remove();
        const id = ctx.connection.request('message', { text: '', attachmentId: attachment.id });
        ctx.pending(id, attachment.name);
      }, (error) => {
        status.textContent = error.message;
        status.hidden = false;
        item.classList.replace('msg--pending', 'msg--failed');
        item.append(h('button', { type: 'button', class: 'text-button retry', text: words.t('retry'), on: { click: run } }));
      });
  };
  run();
}

/** The open conversation's id; without one, says the file's name to start one. */
function conversation(ctx, name) {
  const { connection } = ctx;
  if (connection.conversationId && !connection.conversationClosed) return Promise.resolve(connection.conversationId);
  return new Promise((resolve) => {
    connection.addEventListener('conversation', (e) => resolve(e.detail.conversationId), { once: true });
    ctx.sendText(name);
  });
}

/** Draws the file of a message event (its thumbnail or card) into the event's item. */
export function show(event, item, ctx) {
  const link = (attachment, download) => fileUrl({
    server: ctx.server, conversationId: event.conversationId, authorization: ctx.authorization(), attachmentId: attachment.id, download,
  });
  const bubble = item.querySelector('.bubble') ?? item;
  if (!event.text) bubble.textContent = '';
  bubble.append(attachmentElement(event.attachment, link, fileWords(ctx.language)));
  style(item);
}

/**
 * Downloads the transcript (shared/transcript-download.js); a failure's Error keeps its English
 * `message` (for the widget's `error` event) and gains `reason`, the same in `language`.
 */
export async function downloadTranscript({ language, ...options }) {
  try {
    return await download(options);
  } catch (failure) {
    const key = { network: 'transcriptNetwork', not_found: 'transcriptNotFound', server: 'transcriptServer' }[failure.code];
    if (key) failure.reason = fileWords(language).t(key, { status: failure.status });
    throw failure;
  }
}
