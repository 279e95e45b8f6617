import { test } from 'node:test';
import assert from 'node:assert/strict';
import { botBadge, formatDuration, isSafeLink, reasonLabel, visitorName, waitingFor } from './format.js';

test('bot badge shows the FAQ entry and confidence', () => {
  assert.equal(botBadge({ answered: true, entryId: 'order-status', confidence: 0.91 }), 'FAQ order-status · 0.91');
  assert.equal(botBadge({ answered: false, confidence: 0.2234, suggestions: [] }), 'Unsure · 0.22');
  assert.equal(botBadge({ answered: true, entryId: 'x' }), 'FAQ x');
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
