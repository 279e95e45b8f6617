import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clipContext, clipAttributes, clipLine, CONTEXT_LIMITS } from './context-limits.js';

test('a long page URL, title, referrer and user agent are cut to the server limits', () => {
  const context = clipContext({
    userAgent: 'u'.repeat(600),
    page: { url: 'https://shop.example/?q=' + 'x'.repeat(5000), title: 't'.repeat(400), referrer: 'r'.repeat(3000) },
  });
  assert.equal(context.userAgent.length, 512);
  assert.equal(context.page.url.length, 2048);
  assert.equal(context.page.title.length, 300);
  assert.equal(context.page.referrer.length, 2048);
});

test('control characters become spaces; a pair of surrogates is never cut in half', () => {
  assert.equal(clipLine('Sale\n\tnow', 50), 'Sale now');
  const cut = clipLine('a'.repeat(299) + '😀', CONTEXT_LIMITS.title);
  assert.equal(cut, 'a'.repeat(299));
});

test('attributes the server would refuse are left out, with a warning', () => {
  const warnings = [];
  const many = {};
  for (let i = 0; i < 55; i++) many[`k${i}`] = String(i);
  const attributes = clipAttributes({ 'bad key': 'x', ok: 'v'.repeat(1200), none: null, ...many }, 50, (w) => warnings.push(w));
  assert.equal(Object.keys(attributes).length, 50);
  assert.equal(attributes.ok.length, 1000);
  assert.equal(attributes['bad key'], undefined);
  assert.ok(warnings.some((w) => w.includes('"bad key"')));
  assert.ok(warnings.some((w) => w.includes('at most 50')));
});

test('a context over 16 KiB in all drops attributes from the last; a bad email is left out', () => {
  const attributes = {};
  for (let i = 0; i < 20; i++) attributes[`a${i}`] = 'v'.repeat(1000);
  const context = clipContext({ name: 'Ada', email: 'not an email', attributes }, () => {});
  assert.equal(context.email, undefined);
  assert.equal(context.name, 'Ada');
  const size = 3 + Object.entries(context.attributes).reduce((n, [k, v]) => n + k.length + v.length, 0);
  assert.ok(size <= CONTEXT_LIMITS.total);
  assert.equal(Object.keys(context.attributes).length, 16);
  assert.ok('a0' in context.attributes && !('a19' in context.attributes));
});
