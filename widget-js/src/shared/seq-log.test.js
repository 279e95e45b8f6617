import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SeqLog } from './seq-log.js';

const ev = (seq, extra = {}) => ({ seq, ...extra });
const seqs = (events) => events.map((e) => e.seq);

test('in-order events are delivered once each', () => {
  const log = new SeqLog();
  assert.deepEqual(seqs(log.accept(ev(1))), [1]);
  assert.deepEqual(seqs(log.accept(ev(2))), [2]);
  assert.equal(log.lastSeq, 2);
});

test('duplicates are dropped, however they come back', () => {
  const log = new SeqLog();
  log.acceptAll([ev(1), ev(2), ev(3)]);
  assert.deepEqual(log.accept(ev(2)), []);
  assert.deepEqual(log.accept(ev(3)), []);
  // A resume transcript overlapping the live stream.
  assert.deepEqual(seqs(log.acceptAll([ev(2), ev(3), ev(4), ev(5)])), [4, 5]);
  assert.equal(log.lastSeq, 5);
});

test('an early event waits for the gap, then both come out in order', () => {
  const log = new SeqLog();
  log.accept(ev(1));
  assert.deepEqual(log.accept(ev(3)), []);
  assert.equal(log.hasGap, true);
  assert.deepEqual(log.accept(ev(3)), [], 'a held event is not held twice');
  assert.deepEqual(seqs(log.accept(ev(2))), [2, 3]);
  assert.equal(log.hasGap, false);
  assert.equal(log.lastSeq, 3);
});

test('acceptAll sorts a shuffled batch', () => {
  const log = new SeqLog();
  assert.deepEqual(seqs(log.acceptAll([ev(3), ev(1), ev(2), ev(1)])), [1, 2, 3]);
});

test('starting from a known seq skips what was already shown', () => {
  const log = new SeqLog(4);
  assert.deepEqual(log.accept(ev(4)), []);
  assert.deepEqual(seqs(log.accept(ev(5))), [5]);
});

test('releaseHeld gives up on a gap that will not be filled', () => {
  const log = new SeqLog();
  log.accept(ev(1));
  log.accept(ev(5));
  log.accept(ev(4));
  assert.deepEqual(seqs(log.releaseHeld()), [4, 5]);
  assert.equal(log.lastSeq, 5);
  assert.deepEqual(log.accept(ev(3)), []);
});

test('events without a valid seq are ignored', () => {
  const log = new SeqLog();
  assert.deepEqual(log.accept({}), []);
  assert.deepEqual(log.accept(ev(0)), []);
  assert.deepEqual(log.accept(ev(1.5)), []);
  assert.deepEqual(log.accept(null), []);
  assert.throws(() => new SeqLog(-1), /lastSeq/);
});

test('the event objects themselves are returned, fields intact', () => {
  const log = new SeqLog();
  const event = ev(1, { kind: 'message', text: 'Where is my order?' });
  assert.equal(log.accept(event)[0], event);
});
