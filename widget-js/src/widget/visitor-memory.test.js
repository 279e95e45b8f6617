import { test } from 'node:test';
import assert from 'node:assert/strict';
import { VisitorMemory } from './visitor-memory.js';

class MemoryStorage {
  #map = new Map();
  getItem(k) { return this.#map.has(k) ? this.#map.get(k) : null; }
  setItem(k, v) { this.#map.set(k, String(v)); }
  removeItem(k) { this.#map.delete(k); }
}

test('token and conversation are kept per site and read back by a new instance (reload, second tab)', () => {
  const storage = new MemoryStorage();
  const memory = new VisitorMemory(storage, 'demo');
  memory.token = 'vt_1';
  memory.remember('c_1', { lastSeq: 4 });
  const again = new VisitorMemory(storage, 'demo');
  assert.equal(again.token, 'vt_1');
  assert.deepEqual(again.conversation, { id: 'c_1', lastSeq: 4, closed: false });
  assert.equal(new VisitorMemory(storage, 'other').conversation, null);
  assert.equal(VisitorMemory.hasOpenConversation(storage, 'demo'), true);
});

test('the last seq seen of a conversation never goes back; a new conversation starts at its own', () => {
  const memory = new VisitorMemory(new MemoryStorage(), 'demo');
  memory.remember('c_1', { lastSeq: 7 });
  memory.remember('c_1', { lastSeq: 0 }); // a fresh page has shown nothing yet
  assert.equal(memory.conversation.lastSeq, 7);
  memory.remember('c_2', { lastSeq: 1 });
  assert.equal(memory.conversation.lastSeq, 1);
});

test('closed or forgotten conversations are not ongoing', () => {
  const storage = new MemoryStorage();
  const memory = new VisitorMemory(storage, 'demo');
  memory.token = 'vt_1';
  memory.remember('c_1', { lastSeq: 3, closed: true });
  assert.equal(VisitorMemory.hasOpenConversation(storage, 'demo'), false);
  memory.remember('c_1', { lastSeq: 3 });
  memory.forgetConversation();
  assert.equal(VisitorMemory.hasOpenConversation(storage, 'demo'), false);
  assert.equal(memory.token, 'vt_1', 'the visitor is still known');
});

test('damaged storage is treated as empty, blocked storage is not an error', () => {
  const storage = new MemoryStorage();
  storage.setItem('concierge.conversation.demo', 'c_1'); // not JSON
  assert.equal(new VisitorMemory(storage, 'demo').conversation, null);
  const blocked = { getItem() { throw new Error('denied'); }, setItem() { throw new Error('denied'); }, removeItem() { throw new Error('denied'); } };
  const memory = new VisitorMemory(blocked, 'demo');
  memory.token = 'vt_1';
  memory.remember('c_1');
  assert.equal(memory.token, null);
  assert.deepEqual(memory.conversation, { id: 'c_1', lastSeq: 0, closed: false }, 'lives as long as the page');
});
