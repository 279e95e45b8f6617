import { test } from 'node:test';
import assert from 'node:assert/strict';
import { splitLinks } from './links.js';

test('plain text stays one part', () => {
  assert.deepEqual(splitLinks('Hello there'), [{ text: 'Hello there' }]);
  assert.deepEqual(splitLinks(''), []);
});

test('http(s) addresses become links, sentence punctuation stays text', () => {
  assert.deepEqual(splitLinks('Track it at https://shop.example.com/orders. Thanks'), [
    { text: 'Track it at ' },
    { text: 'https://shop.example.com/orders', href: 'https://shop.example.com/orders' },
    { text: '. Thanks' },
  ]);
  assert.deepEqual(splitLinks('(see http://a.example/x?y=1)'), [
    { text: '(see ' },
    { text: 'http://a.example/x?y=1', href: 'http://a.example/x?y=1' },
    { text: ')' },
  ]);
});

test('markup and other schemes are never links', () => {
  assert.deepEqual(splitLinks('javascript:alert(1) <b>x</b>'), [{ text: 'javascript:alert(1) <b>x</b>' }]);
  const parts = splitLinks('go https://x.example/"onmouseover="alert(1)');
  assert.equal(parts[1].href, 'https://x.example/');
});
