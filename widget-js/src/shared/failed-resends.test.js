import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FailedResends } from './failed-resends.js';

/** Timers that run only when told to. */
function fakeTimers() {
  const pending = new Map();
  let next = 0;
  return {
    pending,
    setTimeout: (fn) => { pending.set(++next, fn); return next; },
    clearTimeout: (handle) => pending.delete(handle),
    fireAll() {
      const due = [...pending.values()];
      pending.clear();
      due.forEach((fn) => fn());
    },
  };
}

function setup(ids) {
  const timers = fakeTimers();
  const waiting = ids.map((id) => ({ type: 'send', id }));
  const written = [];
  const resends = new FailedResends({
    timers,
    backoff: { next: () => 1000 },
    waiting: () => waiting,
    write: (frame) => written.push(frame.id),
  });
  /** The server answered `id` (stored): it leaves the outbox. */
  const answered = (id) => waiting.splice(waiting.findIndex((f) => f.id === id), 1);
  return { timers, resends, written, answered };
}

test('failed requests go out again together, in the order first sent, after one wait', () => {
  const { timers, resends, written } = setup(['a', 'b', 'c']);
  resends.add('c');
  resends.add('a');
  resends.add('b');
  assert.equal(timers.pending.size, 1, 'one timer for all');
  assert.deepEqual(written, []);
  timers.fireAll();
  assert.deepEqual(written, ['a', 'b', 'c']);
  assert.equal(timers.pending.size, 0);
});

test('a failed request waits while an earlier one is still in flight, then goes after it', () => {
  const { timers, resends, written, answered } = setup(['a', 'b', 'c']);
  resends.add('b'); // 'a' was sent first and has no answer yet
  timers.fireAll();
  assert.deepEqual(written, [], 'b is not resent ahead of a, which may still fail');
  assert.equal(timers.pending.size, 1, 'checked again after another wait');
  answered('a');
  timers.fireAll();
  assert.deepEqual(written, ['b']);
  assert.equal(timers.pending.size, 0);
});

test('when the earlier request fails too, both go out in their first order', () => {
  const { timers, resends, written } = setup(['a', 'b']);
  resends.add('b');
  timers.fireAll();
  assert.deepEqual(written, []);
  resends.add('a');
  timers.fireAll();
  assert.deepEqual(written, ['a', 'b']);
});

test('only the requests after one in flight wait; those before it go at once', () => {
  const { timers, resends, written } = setup(['a', 'b', 'c']);
  resends.add('a');
  resends.add('c'); // 'b' is in flight between them
  timers.fireAll();
  assert.deepEqual(written, ['a']);
  assert.equal(timers.pending.size, 1);
});

test('cancel forgets the failed requests and the timer (a welcome resends the whole outbox)', () => {
  const { timers, resends, written } = setup(['a']);
  resends.add('a');
  resends.cancel();
  assert.equal(timers.pending.size, 0);
  timers.fireAll();
  assert.deepEqual(written, []);
});
