import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Backoff } from './backoff.js';

test('delays grow exponentially up to the cap', () => {
  const backoff = new Backoff({ baseMs: 500, maxMs: 8000, random: () => 1 });
  assert.deepEqual([1, 2, 3, 4, 5, 6].map(() => backoff.next()), [500, 1000, 2000, 4000, 8000, 8000]);
  assert.equal(backoff.attempt, 6);
});

test('jitter keeps each delay between half the cap and the cap', () => {
  const low = new Backoff({ baseMs: 1000, random: () => 0 });
  const mid = new Backoff({ baseMs: 1000, random: () => 0.5 });
  assert.deepEqual([low.next(), low.next(), low.next()], [500, 1000, 2000]);
  assert.deepEqual([mid.next(), mid.next(), mid.next()], [750, 1500, 3000]);
});

test('random values are spread across the window', () => {
  let i = 0;
  const values = [0.1, 0.9];
  const a = new Backoff({ baseMs: 1000, random: () => values[i++ % 2] });
  const b = new Backoff({ baseMs: 1000, random: () => values[i++ % 2] });
  assert.notEqual(a.next(), b.next());
});

test('reset starts again from the base delay', () => {
  const backoff = new Backoff({ baseMs: 100, random: () => 1 });
  backoff.next();
  backoff.next();
  backoff.reset();
  assert.equal(backoff.attempt, 0);
  assert.equal(backoff.next(), 100);
});

test('out-of-range random values are clamped', () => {
  assert.equal(new Backoff({ baseMs: 100, random: () => 7 }).next(), 100);
  assert.equal(new Backoff({ baseMs: 100, random: () => -3 }).next(), 50);
});

test('bad settings are rejected by name', () => {
  assert.throws(() => new Backoff({ baseMs: 0 }), /baseMs/);
  assert.throws(() => new Backoff({ baseMs: 10, maxMs: 5 }), /maxMs/);
  assert.throws(() => new Backoff({ factor: 0.5 }), /factor/);
  assert.throws(() => new Backoff({ random: 3 }), /random/);
});
