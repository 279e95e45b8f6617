import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatQueueStatus, formatWait } from './queue-text.js';

test('formats the protocol example as the widget shows it', () => {
  assert.equal(
    formatQueueStatus({ position: 2, etaSeconds: 180, agentsOnline: 1 }),
    'You are number 2 in the queue — about 3 min',
  );
});

test('first in line is "next"', () => {
  assert.equal(formatQueueStatus({ position: 1, etaSeconds: 45, agentsOnline: 2 }),
    'You are next in the queue — less than a minute');
});

test('no agent online: no estimate, an invitation to leave a message', () => {
  const text = formatQueueStatus({ position: 3, agentsOnline: 0 });
  assert.match(text, /^You are number 3 in the queue — no one is available right now/);
  assert.doesNotMatch(text, /min/);
});

test('missing position or estimate degrades gracefully', () => {
  assert.equal(formatQueueStatus({}), 'You are in the queue');
  assert.equal(formatQueueStatus({ position: 4, agentsOnline: 2 }), 'You are number 4 in the queue');
});

test('waits round up to whole minutes and switch to hours', () => {
  assert.equal(formatWait(0), 'less than a minute');
  assert.equal(formatWait(59), 'less than a minute');
  assert.equal(formatWait(60), 'about 1 min');
  assert.equal(formatWait(61), 'about 2 min');
  assert.equal(formatWait(3599), 'about 1 h');
  assert.equal(formatWait(3600), 'about 1 h');
  assert.equal(formatWait(3900), 'about 1 h 5 min');
  assert.equal(formatWait(-1), '');
  assert.equal(formatWait(Number.NaN), '');
});
