import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Outbox } from './outbox.js';

class MemoryStorage {
  #map = new Map();
  getItem(k) { return this.#map.has(k) ? this.#map.get(k) : null; }
  setItem(k, v) { this.#map.set(k, String(v)); }
  removeItem(k) { this.#map.delete(k); }
}

const message = (id, text = id) => ({ type: 'message', id, conversationId: 'c_1', text });

test('frames wait in the order they were sent until removed', () => {
  const outbox = new Outbox();
  outbox.put(message('m1'));
  outbox.put({ type: 'handoff', id: 'm2' });
  outbox.put(message('m3'));
  assert.deepEqual(outbox.frames().map((f) => f.id), ['m1', 'm2', 'm3']);
  assert.equal(outbox.remove('m2').type, 'handoff');
  assert.equal(outbox.remove('m2'), undefined, 'a second ack for the same id changes nothing');
  assert.deepEqual(outbox.frames().map((f) => f.id), ['m1', 'm3']);
  assert.equal(outbox.has('m1'), true);
  assert.equal(outbox.size, 2);
});

test('putting a frame again keeps its id and its place', () => {
  const outbox = new Outbox();
  outbox.put(message('m1'));
  outbox.put(message('m2'));
  const { conversationId, ...moved } = outbox.get('m1');
  outbox.put(moved);
  assert.deepEqual(outbox.frames(), [{ type: 'message', id: 'm1', text: 'm1' }, message('m2')]);
});

test('frames handed out are copies', () => {
  const outbox = new Outbox();
  outbox.put(message('m1'));
  outbox.frames()[0].text = 'changed';
  assert.equal(outbox.get('m1').text, 'm1');
});

test('a second outbox on the same storage starts with what the first left (a page reload)', () => {
  const storage = new MemoryStorage();
  const before = new Outbox({ storage, key: 'concierge.outbox.demo' });
  before.put(message('m1', 'Where is my order?'));
  before.put(message('m2', 'Hello?'));
  before.remove('m1');
  const after = new Outbox({ storage, key: 'concierge.outbox.demo' });
  assert.deepEqual(after.frames(), [message('m2', 'Hello?')]);
  assert.equal(new Outbox({ storage, key: 'concierge.outbox.other' }).size, 0, 'one outbox per key');
  after.remove('m2');
  assert.equal(storage.getItem('concierge.outbox.demo'), null, 'an empty outbox leaves nothing behind');
});

test('damaged or foreign storage contents are ignored', () => {
  const storage = new MemoryStorage();
  storage.setItem('k', '{not json');
  assert.equal(new Outbox({ storage, key: 'k' }).size, 0);
  storage.setItem('k', JSON.stringify([{ id: 'ok', type: 'message' }, { id: 7 }, null, 'x', { type: 'rate' }]));
  assert.deepEqual(new Outbox({ storage, key: 'k' }).frames().map((f) => f.id), ['ok']);
});

test('blocked storage is not an error', () => {
  const blocked = { getItem() { throw new Error('denied'); }, setItem() { throw new Error('denied'); }, removeItem() { throw new Error('denied'); } };
  const outbox = new Outbox({ storage: blocked, key: 'k' });
  outbox.put(message('m1'));
  assert.equal(outbox.size, 1);
  outbox.remove('m1');
  assert.equal(outbox.size, 0);
});

test('the oldest frames go first beyond the limit', () => {
  const outbox = new Outbox({ limit: 2 });
  outbox.put(message('m1'));
  outbox.put(message('m2'));
  outbox.put(message('m3'));
  assert.deepEqual(outbox.frames().map((f) => f.id), ['m2', 'm3']);
});

test('bad arguments are named', () => {
  assert.throws(() => new Outbox({ storage: new MemoryStorage() }), /key/);
  assert.throws(() => new Outbox({ limit: 0 }), /limit/);
  assert.throws(() => new Outbox().put({ type: 'message' }), /id/);
});
