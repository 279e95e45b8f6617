import { test } from 'node:test';
import assert from 'node:assert/strict';
import { newId } from './ids.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

test('uses crypto.randomUUID when there is one', () => {
  assert.equal(newId({ randomUUID: () => 'fixed' }), 'fixed');
  assert.match(newId(), UUID);
});

test('falls back to getRandomValues on insecure (plain http) pages', () => {
  const fake = { getRandomValues: (bytes) => bytes.fill(0xff) };
  assert.equal(newId(fake), 'ffffffff-ffff-4fff-bfff-ffffffffffff');
  const ids = new Set(Array.from({ length: 100 }, () => newId({ getRandomValues: (b) => crypto.getRandomValues(b) })));
  assert.equal(ids.size, 100);
  for (const id of ids) assert.match(id, UUID);
});
