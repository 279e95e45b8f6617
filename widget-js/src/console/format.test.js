import { test } from 'node:test';
import assert from 'node:assert/strict';
import { botBadge, formatDuration, isSafeLink, reasonLabel, viaLabel, visitorName, waitingFor } from './format.js';

test('bot badge shows the FAQ entry and confidence', () => {
  assert.equal(botBadge({ answered: true, entryId: 'order-status', confidence: 0.91 }), 'FAQ order-status · 0.91');
  assert.equal(botBadge({ answered: false, confidence: 0.2234, suggestions: [] }), 'Unsure · 0.22');
  assert.equal(botBadge({ answered: true, entryId: 'x' }), 'FAQ x');
  assert.equal(botBadge({ answered: true, entryId: 'returns-how', entryQuestion: 'How do I return an item?', confidence: 0.9 }),
    'FAQ returns-how “How do I return an item?” · 0.90');
  assert.equal(botBadge({ answered: true, entryId: 'x', entryQuestion: '  ' }), 'FAQ x');
  assert.equal(botBadge(undefined), '');
});

test('durations read naturally', () => {
  assert.equal(formatDuration(12_000), '12 s');
  assert.equal(formatDuration(59_999), '59 s');
  assert.equal(formatDuration(180_000), '3 min');
  assert.equal(formatDuration(3_600_000), '1 h');
  assert.equal(formatDuration(3_900_000), '1 h 5 min');
  assert.equal(formatDuration(-5), '—');
});

test('waiting time counts from queuedAt', () => {
  const now = Date.parse('2026-11-23T10:18:50Z');
  assert.equal(waitingFor('2026-11-23T10:15:50.000Z', now), '3 min');
  assert.equal(waitingFor('not a date', now), '—');
  assert.equal(waitingFor('2026-11-23T10:20:00Z', now), '0 s', 'clock skew never goes negative');
});

test('reasons and names', () => {
  assert.equal(reasonLabel('visitor_asked'), 'Asked for a human');
  assert.equal(reasonLabel('bot_unsure'), 'Bot was unsure');
  assert.equal(reasonLabel('something_new'), 'something new');
  assert.equal(visitorName({ id: 'v_91b2', name: 'Ada Lovelace' }), 'Ada Lovelace');
  assert.equal(visitorName({ id: 'v_91b2' }), 'Visitor 91b2');
  assert.equal(visitorName(undefined), 'Visitor');
});

test('only http(s) links are clickable', () => {
  assert.equal(isSafeLink('https://shop.example.com/orders/1'), true);
  assert.equal(isSafeLink('http://127.0.0.1:8080/demo/'), true);
  assert.equal(isSafeLink('javascript:alert(1)'), false);
  assert.equal(isSafeLink('data:text/html,hi'), false);
  assert.equal(isSafeLink('not a url'), false);
});

test('queue waiting labels count up from queuedAt', async () => {
  const { waitingLabel } = await import('./format.js');
  const queuedAt = '2026-11-23T10:00:00Z';
  const at = (s) => Date.parse(queuedAt) + s * 1000;
  assert.equal(waitingLabel(queuedAt, at(45)), 'waiting 45 s');
  assert.equal(waitingLabel(queuedAt, at(180)), 'waiting 3 min');
  assert.equal(waitingLabel(queuedAt, at(3900)), 'waiting 1 h 5 min');
  assert.equal(waitingLabel(queuedAt, at(-10)), 'waiting 0 s', 'a clock a little behind the server never goes negative');
  assert.equal(waitingLabel(undefined, at(0)), 'waiting');
});

test('overdue: the server flag, or past the alert time; never a follow-up', async () => {
  const { isOverdue } = await import('./format.js');
  const queuedAt = '2026-11-23T10:00:00Z';
  const at = (s) => Date.parse(queuedAt) + s * 1000;
  assert.equal(isOverdue({ queuedAt, overdue: true }, at(0), 120), true);
  assert.equal(isOverdue({ queuedAt }, at(119), 120), false);
  assert.equal(isOverdue({ queuedAt }, at(121), 120), true);
  assert.equal(isOverdue({ queuedAt }, at(9999), 0), false, 'no alert time known: only the server flag');
  assert.equal(isOverdue({ queuedAt, followUp: true, overdue: true }, at(9999), 120), false);
  assert.equal(isOverdue(undefined), false);
});

test('close reasons read as words; free text stays as typed', async () => {
  const { closeReasonLabel } = await import('./format.js');
  assert.equal(closeReasonLabel('no_response'), 'no response');
  assert.equal(closeReasonLabel('resolved'), 'resolved');
  assert.equal(closeReasonLabel('visitor_left'), 'visitor left'); // closed by the server
  assert.equal(closeReasonLabel('inactive'), 'inactive');
  assert.equal(closeReasonLabel('erased'), 'visitor data erased');
  assert.equal(closeReasonLabel('left_early'), 'left_early');
  assert.equal(closeReasonLabel(undefined), '');
});

test('a reply by email is labelled, a chat message is not', () => {
  assert.equal(viaLabel({ kind: 'message', via: 'email', text: 'Thanks' }), 'by email');
  assert.equal(viaLabel({ kind: 'message', via: 'api', text: 'It ships today' }), 'via API');
  assert.equal(viaLabel({ kind: 'message', text: 'Thanks' }), null);
  assert.equal(viaLabel({ kind: 'message', via: 'fax' }), null);
  assert.equal(viaLabel(undefined), null);
});
