// Finds web addresses in message text so they can be shown as links. Text stays text: the
// caller builds an <a> whose textContent is the address; nothing is ever parsed as markup.

const URL_PATTERN = /\bhttps?:\/\/[^\s<>"']+/gi;
const TRAILING = /[.,;:!?)\]}'"»]+$/;

/**
 * Splits `text` into parts `{text}` and `{text, href}`; only http(s) addresses become links,
 * without the punctuation that ends a sentence ("see https://x.example/a." links to …/a).
 */
export function splitLinks(text) {
  const parts = [];
  let last = 0;
  for (const match of String(text ?? '').matchAll(URL_PATTERN)) {
    let url = match[0];
    const trailing = TRAILING.exec(url);
    if (trailing) url = url.slice(0, -trailing[0].length);
    if (url.length <= 'https://'.length) continue;
    let href;
    try {
      href = new URL(url).href;
    } catch {
      continue;
    }
    if (match.index > last) parts.push({ text: text.slice(last, match.index) });
    parts.push({ text: url, href });
    last = match.index + url.length;
  }
  if (last < String(text ?? '').length) parts.push({ text: text.slice(last) });
  return parts;
}
