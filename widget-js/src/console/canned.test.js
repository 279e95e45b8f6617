import { test } from 'node:test';
import assert from 'node:assert/strict';
import { expandCanned, matchCanned, slashToken } from './canned.js';

const REPLIES = [
  { shortcut: 'refund', text: 'Refunds reach your account in 3 to 5 working days.' },
  { shortcut: 'ref-policy', text: 'Our refund policy: https://shop.example.com/refunds' },
  { shortcut: 'hello', text: 'Hello! How can I help?' },
  { shortcut: 'prefer', text: 'Which do you prefer?' },
];

test('a slash token is found at the start or after a space, up to the caret', () => {
  assert.deepEqual(slashToken('/ref'), { start: 0, end: 4, query: 'ref' });
  assert.deepEqual(slashToken('Sure. /ref'), { start: 6, end: 10, query: 'ref' });
  assert.deepEqual(slashToken('/'), { start: 0, end: 1, query: '' });
  assert.deepEqual(slashToken('/ref and more', 4), { start: 0, end: 4, query: 'ref' });
});

test('no token inside a word, a URL or after a space', () => {
  assert.equal(slashToken('and/or'), null);
  assert.equal(slashToken('see https://x.example/ref'), null);
  assert.equal(slashToken('/ref '), null);
  assert.equal(slashToken('no slash here'), null);
  assert.equal(slashToken(undefined), null);
});

test('matches: exact, then prefix, then substring; case-insensitive', () => {
  assert.deepEqual(matchCanned('ref', REPLIES).map((r) => r.shortcut), ['ref-policy', 'refund', 'prefer']);
  assert.deepEqual(matchCanned('REFUND', REPLIES).map((r) => r.shortcut), ['refund']);
  assert.deepEqual(matchCanned('', REPLIES).map((r) => r.shortcut), ['hello', 'prefer', 'ref-policy', 'refund']);
  assert.deepEqual(matchCanned('zzz', REPLIES), []);
  assert.deepEqual(matchCanned('ref', REPLIES, 1).map((r) => r.shortcut), ['ref-policy']);
  assert.deepEqual(matchCanned('ref', undefined), []);
});

test('expanding replaces only the token and puts the caret after the text', () => {
  const text = 'Sure. /refu and thanks';
  const token = slashToken(text, 11);
  const { text: expanded, caret } = expandCanned(text, token, REPLIES[0]);
  assert.equal(expanded, `Sure. ${REPLIES[0].text} and thanks`);
  assert.equal(caret, 6 + REPLIES[0].text.length);
});
