// The visitor's closed conversations, from `welcome.earlierConversations` (docs/protocol.md):
// what the "Earlier conversations" list shows, and its words.

import { ENGLISH } from './strings.js';

/** The words of the list and its pane, in the language of `strings`. */
export function earlierText(strings = ENGLISH) {
  return {
    toggle: (count) => strings.t('earlierToggle', { count }),
    heading: (date) => (date ? strings.t('earlierHeading', { date }) : strings.t('earlierHeadingUndated')),
    back: strings.t('earlierBack'),
    loading: strings.t('loading'),
    failed: strings.t('earlierFailed'),
    empty: strings.t('earlierEmpty'),
    noFirstLine: strings.t('noFirstLine'),
    rated: (score) => strings.t('earlierRated', { score }),
    transcriptLabel: strings.t('earlierTranscript'),
    list: strings.t('earlierList'),
  };
}

export const EARLIER_TEXT = earlierText(ENGLISH);

const MAX_SCORE = 5;
const DATE = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

/**
 * The list as shown: newest first (by `startedAt`; undated ones last, in the server's order),
 * each conversation once, without `currentId` (the conversation on screen), and without
 * entries that have no id. Each item: {conversationId, date, firstLine, stars, label}, where
 * `stars` is "★★★★☆" for a 1–5 score or '' when not rated, and `label` is the whole line in
 * words for assistive technology.
 *
 * @param {Array} list `welcome.earlierConversations`
 * @param {object} [o]
 * @param {string|null} [o.currentId] the conversation on screen, left out
 * @param {Intl.DateTimeFormat} [o.dateFormat] how `startedAt` is written
 */
export function earlierConversationItems(list, { currentId = null, dateFormat = DATE, strings = ENGLISH } = {}) {
  const text = earlierText(strings);
  if (!Array.isArray(list)) return [];
  const seen = new Set();
  const entries = [];
  list.forEach((entry, index) => {
    const id = entry?.conversationId;
    if (typeof id !== 'string' || id === '' || id === currentId || seen.has(id)) return;
    seen.add(id);
    const time = Date.parse(entry.startedAt ?? '');
    entries.push({ entry, index, time: Number.isNaN(time) ? null : time });
  });
  entries.sort((a, b) => {
    if (a.time === null || b.time === null) return a.time === b.time ? a.index - b.index : a.time === null ? 1 : -1;
    return b.time - a.time || a.index - b.index;
  });
  return entries.map(({ entry, time }) => {
    const date = time === null ? '' : dateFormat.format(new Date(time));
    const firstLine = typeof entry.firstLine === 'string' && entry.firstLine.trim() !== ''
      ? entry.firstLine.replace(/\s+/g, ' ').trim()
      : text.noFirstLine;
    const score = Number.isInteger(entry.score) && entry.score >= 1 && entry.score <= MAX_SCORE ? entry.score : null;
    const stars = score === null ? '' : '★'.repeat(score) + '☆'.repeat(MAX_SCORE - score);
    const label = [date, firstLine, score === null ? '' : text.rated(score)].filter(Boolean).join(', ');
    return { conversationId: entry.conversationId, date, firstLine, stars, label };
  });
}
