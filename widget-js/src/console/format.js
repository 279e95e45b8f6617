// Small formatting rules of the agent console, kept apart so they can be tested without a DOM.

const REASONS = {
  visitor_asked: 'Asked for a human',
  bot_unsure: 'Bot was unsure',
  keyword: 'Keyword rule',
  rule: 'Routing rule',
  transfer: 'Transferred',
};

/** A handoff reason for people: "Asked for a human", "Bot was unsure", or the code itself. */
export function reasonLabel(reason) {
  if (!reason) return 'Unknown';
  return REASONS[reason] ?? String(reason).replaceAll('_', ' ');
}

/** The label of a message that did not come over the chat ("by email", "via API"), or null. */
export function viaLabel(event) {
  if (event?.via === 'api') return 'via API';
  return event?.via === 'email' ? 'by email' : null;
}

/** "12 s", "3 min", "1 h 5 min" for a duration in milliseconds. */
export function formatDuration(ms) {
  if (!Number.isFinite(ms) || ms < 0) return '—';
  const seconds = Math.floor(ms / 1000);
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  return rest === 0 ? `${hours} h` : `${hours} h ${rest} min`;
}

/** How long since the ISO time `since`, at `now` (ms since epoch). */
export function waitingFor(since, now = Date.now()) {
  const start = Date.parse(since);
  return Number.isNaN(start) ? '—' : formatDuration(Math.max(0, now - start));
}

/**
 * The small badge on a bot turn: "FAQ order-status “Where is my order?” · 0.91" when the bot
 * answered (the entry's question when the event carries it, as `bot.entryQuestion`), "Unsure ·
 * 0.22" when it did not.
 */
export function botBadge(bot) {
  if (!bot) return '';
  const confidence = Number.isFinite(bot.confidence) ? ` · ${bot.confidence.toFixed(2)}` : '';
  if (bot.answered && bot.entryId) {
    const question = typeof bot.entryQuestion === 'string' && bot.entryQuestion.trim() ? ` “${bot.entryQuestion.trim()}”` : '';
    return `FAQ ${bot.entryId}${question}${confidence}`;
  }
  return `Unsure${confidence}`;
}

/** A visitor's display name: their name, or "Visitor" and the end of their id. */
export function visitorName(visitor) {
  if (visitor?.name) return visitor.name;
  if (visitor?.id) return `Visitor ${String(visitor.id).slice(-4)}`;
  return 'Visitor';
}

/** A clock time "10:15" (or a date and time when not today) for an ISO timestamp. */
export function shortTime(ts, now = new Date()) {
  const date = new Date(ts);
  if (!ts || Number.isNaN(date.getTime())) return '';
  const sameDay = date.toDateString() === now.toDateString();
  return sameDay
    ? date.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' })
    : date.toLocaleString(undefined, { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
}

/** True for a URL an agent may safely click: http(s) only (never javascript: from a visitor). */
export function isSafeLink(url) {
  try {
    const { protocol } = new URL(url);
    return protocol === 'http:' || protocol === 'https:';
  } catch {
    return false;
  }
}

/** The live label on a queue card: "waiting 45 s", "waiting 3 min", "waiting 1 h 5 min". */
export function waitingLabel(since, now = Date.now()) {
  const start = Date.parse(since);
  if (Number.isNaN(start)) return 'waiting';
  return `waiting ${formatDuration(Math.max(0, now - start))}`;
}

/**
 * True when a queue entry should be highlighted: the server said so (`overdue`), or it has
 * waited longer than `alertSeconds` since the last `queue` frame came. Follow-ups are never
 * overdue: nobody is waiting on the line.
 */
export function isOverdue(entry, now = Date.now(), alertSeconds = 0) {
  if (!entry || entry.followUp) return false;
  if (entry.overdue) return true;
  const start = Date.parse(entry.queuedAt);
  return alertSeconds > 0 && !Number.isNaN(start) && now - start > alertSeconds * 1000;
}

const CLOSE_REASONS = {
  resolved: 'resolved', no_response: 'no response', spam: 'spam', other: 'other', transferred: 'transferred',
  // Closed by the server (docs/storage.md, "Retention and erasure").
  inactive: 'inactive', visitor_left: 'visitor left', erased: 'visitor data erased',
};

/** A close reason for people: "no response" for `no_response`; free text as it is. */
export function closeReasonLabel(reason) {
  if (!reason) return '';
  return CLOSE_REASONS[reason] ?? String(reason);
}
