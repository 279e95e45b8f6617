import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ReceiptState } from './receipts.js';

test('marks under the agent messages follow the visitor receipts; read implies delivered', () => {
  const receipts = new ReceiptState();
  assert.equal(receipts.label(5), '');
  assert.equal(receipts.record('delivered', 5), true);
  assert.equal(receipts.label(5), 'Delivered');
  assert.equal(receipts.label(6), '');
  assert.equal(receipts.record('read', 7), true);
  assert.equal(receipts.label(5), 'Read');
  assert.equal(receipts.label(7), 'Read');
  assert.equal(receipts.label(8), '');
  assert.equal(receipts.record('delivered', 6), false, 'never goes back');
  assert.equal(receipts.record('read', 7), false, 'a repeat changes nothing');
  assert.equal(receipts.record('seen', 9), false);
  assert.equal(receipts.label(undefined), '');
});

test('each receipt is sent once, and a read covers delivered', () => {
  const receipts = new ReceiptState();
  assert.equal(receipts.toSend('delivered', 3), 3);
  assert.equal(receipts.toSend('delivered', 3), null);
  assert.equal(receipts.toSend('read', 3), 3);
  assert.equal(receipts.toSend('read', 2), null);
  assert.equal(receipts.toSend('read', 5), 5);
  assert.equal(receipts.toSend('delivered', 5), null, 'read up to 5 says delivered too');
  assert.equal(receipts.toSend('delivered', 0), null);
  receipts.forgetSent();
  assert.equal(receipts.toSend('read', 5), 5, 'said again after a reconnect');
});
