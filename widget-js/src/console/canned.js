// Canned replies (settings.cannedReplies): typing `/ref` in the composer offers the shortcuts
// that match; choosing one replaces the `/ref` with the reply's text. Pure functions, no DOM.

const SHORTCUT = /^[\p{L}\p{N}_-]*$/u;

/**
 * The `/word` being typed at the caret, or null: it starts the text or follows whitespace, and
 * holds only letters, digits, `_` and `-` so far. Returns {start, end, query} (`query` without
 * the slash, `end` the caret).
 */
export function slashToken(text, caret = text?.length ?? 0) {
  if (typeof text !== 'string') return null;
  const before = text.slice(0, caret);
  const slash = before.lastIndexOf('/');
  if (slash < 0) return null;
  if (slash > 0 && !/\s/.test(before[slash - 1])) return null;
  const query = before.slice(slash + 1);
  if (!SHORTCUT.test(query)) return null;
  return { start: slash, end: caret, query };
}

/**
 * The canned replies whose shortcut matches `query` (case-insensitive): an exact match first,
 * then shortcuts that start with it, then those that contain it; at most `limit`.
 */
export function matchCanned(query, replies, limit = 6) {
  if (typeof query !== 'string' || !Array.isArray(replies)) return [];
  const q = query.toLowerCase();
  const rank = (shortcut) => {
    const s = shortcut.toLowerCase();
    if (s === q) return 0;
    if (s.startsWith(q)) return 1;
    return s.includes(q) ? 2 : -1;
  };
  return replies
    .filter((r) => typeof r?.shortcut === 'string' && typeof r.text === 'string')
    .map((reply) => ({ reply, rank: rank(reply.shortcut) }))
    .filter(({ rank: r }) => r >= 0)
    .sort((a, b) => a.rank - b.rank || a.reply.shortcut.localeCompare(b.reply.shortcut))
    .slice(0, limit)
    .map(({ reply }) => reply);
}

/** Replaces the slash token with the reply's text: returns {text, caret} (caret after the inserted text). */
export function expandCanned(text, token, reply) {
  const inserted = reply.text;
  return {
    text: text.slice(0, token.start) + inserted + text.slice(token.end),
    caret: token.start + inserted.length,
  };
}
