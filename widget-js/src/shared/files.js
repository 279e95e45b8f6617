// Files in a conversation (docs/attachments.md), shared by the widget and the console: the
// upload with progress, a fresh download URL, and the thumbnail or file card of a message's
// attachment. The widget loads this on first use (dist/concierge-files.js); the console imports it.
import { h } from './dom.js';
import { ENGLISH_FILE_WORDS } from './file-words.js';

const UNITS = ['B', 'KB', 'MB', 'GB'];

/** A byte count for people: "512 B", "1.5 KB", "12 MB" (1 KB = 1024 B). */
export function formatSize(bytes) {
  if (!Number.isFinite(bytes) || bytes < 0) return '';
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  const shown = unit === 0 || value >= 10 ? Math.round(value) : Math.round(value * 10) / 10;
  return `${shown} ${UNITS[unit]}`;
}

/**
 * The one file of a paste's `clipboardData` or a drop's `dataTransfer`, or null: its first
 * file (one file per message; the others are left for messages of their own).
 */
export function pickFile(transfer) {
  const files = transfer?.files;
  if (files && files.length > 0) return files[0];
  for (const item of transfer?.items ?? []) {
    if (item.kind === 'file') {
      const file = item.getAsFile();
      if (file) return file;
    }
  }
  return null;
}

/** The upload's method, URL and headers: the raw bytes go as the body (not multipart). */
export function uploadRequest({ server, conversationId, authorization, name }) {
  const url = new URL(`/api/conversations/${encodeURIComponent(conversationId)}/attachments`, server);
  url.searchParams.set('name', name || 'file');
  return { method: 'POST', url: url.href, headers: { Authorization: authorization } };
}

/**
 * What to tell the sender about a refused upload, in `words` (English unless given): the
 * sentence for its error code (the JSON error's `error`, else the HTTP status's: 413
 * `too_large`, 415 `unsupported_type`, 429 `rate_limited`; `network` when no answer came); the
 * server's own `message` only for a code the words do not know; else a sentence with the status.
 */
export function errorText(status, bodyText, words = ENGLISH_FILE_WORDS) {
  let body = null;
  try { body = JSON.parse(bodyText); } catch { /* not JSON */ }
  const code = status === 0 ? 'network'
    : typeof body?.error === 'string' && body.error ? body.error
      : status === 413 ? 'too_large' : status === 415 ? 'unsupported_type' : status === 429 ? 'rate_limited' : `http_${status}`;
  const text = words.reason(code) ?? (typeof body?.message === 'string' && body.message ? body.message : words.t('failed', { status }));
  return { code, text };
}

/**
 * Uploads `file` (a File or Blob with a `name`) with XMLHttpRequest, reporting progress
 * (0..1) to `onProgress`. Resolves to the stored attachment view; rejects with an Error whose
 * `code` and `message` (in `words`, see {@link errorText}) say why, the file left for another try.
 */
export function upload({
  server, conversationId, authorization, file, onProgress = () => {}, words = ENGLISH_FILE_WORDS, xhrFactory = () => new XMLHttpRequest(),
}) {
  const request = uploadRequest({ server, conversationId, authorization, name: file.name });
  return new Promise((resolve, reject) => {
    const xhr = xhrFactory();
    const fail = (status, text) => {
      const { code, text: message } = errorText(status, text, words);
      reject(Object.assign(new Error(message), { code, status }));
    };
    xhr.open(request.method, request.url);
    for (const [name, value] of Object.entries(request.headers)) xhr.setRequestHeader(name, value);
    xhr.upload?.addEventListener('progress', (e) => { if (e.lengthComputable && e.total > 0) onProgress(e.loaded / e.total); });
    xhr.addEventListener('load', () => {
      if (xhr.status !== 201) {
        fail(xhr.status, xhr.responseText);
        return;
      }
      try {
        resolve(JSON.parse(xhr.responseText).attachment);
      } catch {
        fail(xhr.status, '');
      }
    });
    xhr.addEventListener('error', () => fail(0, ''));
    xhr.send(file);
  });
}

/** A fresh download URL (absolute, valid a few minutes) for an attachment of the conversation. */
export async function fileUrl({ server, conversationId, authorization, attachmentId, download = false, fetchImpl = globalThis.fetch }) {
  const api = new URL(`/api/conversations/${encodeURIComponent(conversationId)}/attachments/${encodeURIComponent(attachmentId)}`, server);
  const response = await fetchImpl(api.href, { headers: { Authorization: authorization, Accept: 'application/json' }, cache: 'no-store' });
  if (!response.ok) throw Object.assign(new Error(`file link refused (${response.status})`), { status: response.status });
  const url = new URL((await response.json()).url, server);
  if (download) url.searchParams.set('download', '1');
  return url.href;
}

/**
 * The attachment of a message as an element: an image as a thumbnail (alt = its name, its
 * width and height reserved so nothing jumps) opening the full image in a new tab; any other
 * file as a card with its name, size and a download link. Links are fetched when shown or
 * clicked (they expire). `link(attachment, download)` resolves to a fresh URL. `words` give the
 * link's and the alt text's words (English unless given).
 */
export function attachmentElement(attachment, link, words = ENGLISH_FILE_WORDS) {
  const { name, size } = attachment;
  if (attachment.kind === 'image') {
    const img = h('img', { class: 'att-thumb', alt: name, width: attachment.width, height: attachment.height, loading: 'lazy' });
    const anchor = h('a', { class: 'att-image', href: '#', target: '_blank', rel: 'noopener noreferrer', title: name }, img);
    link(attachment, false).then((url) => { img.src = url; anchor.href = url; }, () => { img.alt = words.t('unavailable', { name }); });
    anchor.addEventListener('click', (event) => openFresh(event, anchor, () => link(attachment, false)));
    return anchor;
  }
  const anchor = h('a', { class: 'att-download', href: '#', rel: 'noopener noreferrer', text: words.t('download', { name }) });
  anchor.addEventListener('click', (event) => openFresh(event, anchor, () => link(attachment, true)));
  return h('div', { class: 'att-card', dataset: { kind: 'file' } },
    h('span', { class: 'att-name', text: name }),
    h('span', { class: 'att-size', text: formatSize(size) }),
    anchor);
}

/** Follows a link with a URL fetched now (the one shown may have expired). */
function openFresh(event, anchor, fresh) {
  if (anchor.dataset.fresh === '1') {
    delete anchor.dataset.fresh;
    return;
  }
  event.preventDefault();
  fresh().then((url) => {
    anchor.href = url;
    anchor.dataset.fresh = '1';
    anchor.click();
  }, () => {});
}

/** A progress bar for an upload: role=progressbar with aria-valuenow in percent. */
export function progressBar(label) {
  const bar = h('div', { class: 'att-progress', role: 'progressbar', 'aria-label': label, 'aria-valuemin': '0', 'aria-valuemax': '100', 'aria-valuenow': '0' },
    h('span', { class: 'att-progress-fill' }));
  return {
    element: bar,
    set(fraction) {
      const percent = Math.round(Math.min(1, Math.max(0, fraction)) * 100);
      bar.setAttribute('aria-valuenow', String(percent));
      bar.firstChild.style.width = `${percent}%`;
    },
  };
}
