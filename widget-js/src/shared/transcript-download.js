// Transcript downloads (GET /api/conversations/{id}/transcript, docs/protocol.md): fetched
// with the caller's credentials in a header, then saved through a Blob and a temporary
// <a download> — the file never passes through the page's markup.

const FORMATS = new Set(['txt', 'json']);

/**
 * Fetches the transcript of `conversationId` as `format` (`txt` or `json`) and saves it as a
 * file; resolves to the file name. `authorization` is `Visitor <visitorToken>` for the
 * visitor or `Bearer <session token>` for an agent. Rejects with an Error whose `code` is
 * `not_found` (missing, or not the caller's), `network` or `server` (with the HTTP `status`).
 */
export async function downloadTranscript({
  server, conversationId, authorization, format = 'txt',
  fetchImpl = globalThis.fetch, doc = globalThis.document, urlApi = globalThis.URL, timers = globalThis,
}) {
  if (typeof conversationId !== 'string' || conversationId === '') throw new TypeError('downloadTranscript: conversationId is required');
  if (!FORMATS.has(format)) throw new RangeError(`downloadTranscript: format must be txt or json, got ${format}`);
  const url = new URL(`/api/conversations/${encodeURIComponent(conversationId)}/transcript`, server);
  url.searchParams.set('format', format);
  let response;
  try {
    response = await fetchImpl(url.href, { headers: { Authorization: authorization }, cache: 'no-store', credentials: 'omit' });
  } catch (cause) {
    throw failure('network', 'The server cannot be reached.', cause);
  }
  if (response.status === 404 || response.status === 401 || response.status === 403) {
    throw failure('not_found', 'This conversation cannot be downloaded.');
  }
  if (!response.ok) throw Object.assign(failure('server', `The download failed (HTTP ${response.status}).`), { status: response.status });
  const blob = await response.blob();
  const filename = filenameFrom(response.headers.get('Content-Disposition')) ?? `conversation-${safeName(conversationId)}.${format}`;
  saveBlob(blob, filename, { doc, urlApi, timers });
  return filename;
}

/** The file name in a Content-Disposition header (`filename*=` preferred), made safe; or null. */
export function filenameFrom(disposition) {
  if (typeof disposition !== 'string') return null;
  const extended = /filename\*\s*=\s*(?:UTF-8|utf-8)''([^;]+)/.exec(disposition);
  let name = null;
  if (extended) {
    try { name = decodeURIComponent(extended[1].trim()); } catch { name = null; }
  }
  if (!name) {
    const plain = /filename\s*=\s*(?:"([^"]*)"|([^;\s]+))/.exec(disposition);
    name = plain ? (plain[1] ?? plain[2]) : null;
  }
  const safe = name ? safeName(name) : '';
  return safe === '' ? null : safe;
}

/** Saves `blob` as `filename` through a temporary object URL and `<a download>`. */
export function saveBlob(blob, filename, { doc = globalThis.document, urlApi = globalThis.URL, timers = globalThis } = {}) {
  const href = urlApi.createObjectURL(blob);
  const link = doc.createElement('a');
  link.href = href;
  link.download = filename;
  link.hidden = true;
  link.rel = 'noopener';
  doc.body.append(link);
  link.click();
  link.remove();
  // Revoked later, not at once: some browsers start reading the URL after click() returns.
  timers.setTimeout(() => urlApi.revokeObjectURL(href), 30_000);
}

function safeName(name) {
  return name.replace(/^.*[\\/]/, '').replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^\.+/, '').slice(0, 120);
}

function failure(code, message, cause) {
  const error = new Error(message, cause ? { cause } : undefined);
  error.code = code;
  return error;
}
