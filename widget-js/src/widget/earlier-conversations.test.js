import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EARLIER_TEXT, earlierConversationItems } from './earlier-conversations.js';

const dateFormat = new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' });

test('formats the protocol example: date, first line, stars and a spoken label', () => {
  const items = earlierConversationItems(
    [{ conversationId: 'c_11aa', startedAt: '2026-10-02T09:00:00Z', firstLine: 'Can I change my address?', score: 4 }],
    { dateFormat },
  );
  assert.deepEqual(items, [{
    conversationId: 'c_11aa',
    date: '2 Oct 2026, 09:00',
    firstLine: 'Can I change my address?',
    stars: '★★★★☆',
    label: '2 Oct 2026, 09:00, Can I change my address?, rated 4 out of 5',
  }]);
});

test('newest first, undated ones last in the order given', () => {
  const items = earlierConversationItems([
    { conversationId: 'c_old', startedAt: '2026-01-01T00:00:00Z', firstLine: 'old' },
    { conversationId: 'c_nodate1', firstLine: 'a' },
    { conversationId: 'c_new', startedAt: '2026-11-01T00:00:00Z', firstLine: 'new' },
    { conversationId: 'c_nodate2', startedAt: 'not a date', firstLine: 'b' },
    { conversationId: 'c_mid', startedAt: '2026-06-01T00:00:00Z', firstLine: 'mid' },
  ], { dateFormat });
  assert.deepEqual(items.map((i) => i.conversationId), ['c_new', 'c_mid', 'c_old', 'c_nodate1', 'c_nodate2']);
  assert.equal(items[3].date, '');
  assert.equal(items[3].label, 'a');
});

test('leaves out the conversation on screen, duplicates and entries without an id', () => {
  const items = earlierConversationItems([
    { conversationId: 'c_1', startedAt: '2026-10-02T09:00:00Z', firstLine: 'one' },
    { conversationId: 'c_1', startedAt: '2026-10-03T09:00:00Z', firstLine: 'again' },
    { conversationId: 'c_now', startedAt: '2026-11-02T09:00:00Z', firstLine: 'current' },
    { startedAt: '2026-11-02T09:00:00Z', firstLine: 'no id' },
    null,
  ], { currentId: 'c_now', dateFormat });
  assert.deepEqual(items.map((i) => [i.conversationId, i.firstLine]), [['c_1', 'one']]);
});

test('no rating, a score out of range, and a missing or spread-out first line', () => {
  const [unrated, bad, blank, spread] = earlierConversationItems([
    { conversationId: 'c_a', startedAt: '2026-10-04T09:00:00Z', firstLine: 'x', score: null },
    { conversationId: 'c_b', startedAt: '2026-10-03T09:00:00Z', firstLine: 'y', score: 9 },
    { conversationId: 'c_c', startedAt: '2026-10-02T09:00:00Z', firstLine: '   ', score: 1 },
    { conversationId: 'c_d', startedAt: '2026-10-01T09:00:00Z', firstLine: ' Where\n is   it? ', score: 5 },
  ], { dateFormat });
  assert.equal(unrated.stars, '');
  assert.doesNotMatch(unrated.label, /rated/);
  assert.equal(bad.stars, '');
  assert.equal(blank.firstLine, EARLIER_TEXT.noFirstLine);
  assert.equal(blank.stars, '★☆☆☆☆');
  assert.equal(spread.firstLine, 'Where is it?');
  assert.equal(spread.stars, '★★★★★');
});

test('anything but an array is an empty list', () => {
  assert.deepEqual(earlierConversationItems(undefined), []);
  assert.deepEqual(earlierConversationItems({}), []);
});
