import { test } from 'node:test';
import assert from 'node:assert/strict';
import { login } from './login.js';

const respond = (status, body) => async (url, init) => {
  respond.last = { url: String(url), init };
  return { status, ok: status >= 200 && status < 300, json: async () => body };
};

test('posts the credentials as JSON and returns token and agent', async () => {
  const fetchImpl = respond(200, { token: 'st_1', agent: { id: 'demo', name: 'Dana Demo' } });
  const result = await login('demo', 'demo-password', { base: 'http://127.0.0.1:8080/console/', fetchImpl });
  assert.deepEqual(result, { token: 'st_1', agent: { id: 'demo', name: 'Dana Demo' } });
  assert.equal(respond.last.url, 'http://127.0.0.1:8080/api/agent/login');
  assert.equal(respond.last.init.method, 'POST');
  assert.deepEqual(JSON.parse(respond.last.init.body), { username: 'demo', password: 'demo-password' });
});

test('401 is a wrong-credentials error', async () => {
  await assert.rejects(login('demo', 'nope', { base: 'http://x/', fetchImpl: respond(401, { error: 'unauthorized' }) }),
    (e) => e.code === 'unauthorized' && /Wrong username or password/.test(e.message));
});

test('network and server failures are told apart', async () => {
  await assert.rejects(login('a', 'b', { base: 'http://x/', fetchImpl: async () => { throw new TypeError('fetch failed'); } }), { code: 'network' });
  await assert.rejects(login('a', 'b', { base: 'http://x/', fetchImpl: respond(500, {}) }), { code: 'server' });
  await assert.rejects(login('a', 'b', { base: 'http://x/', fetchImpl: respond(200, { nope: 1 }) }), { code: 'server' });
});

test('429 and 503 say how long to wait', async () => {
  const waiting = (status, seconds) => async () => ({
    status, ok: false, headers: new Map([['Retry-After', String(seconds)]]), json: async () => ({}),
  });
  await assert.rejects(login('a', 'b', { base: 'http://x/', fetchImpl: waiting(429, 60) }),
    (e) => e.code === 'throttled' && e.retryAfter === 60 && /Try again in 60 s/.test(e.message));
  await assert.rejects(login('a', 'b', { base: 'http://x/', fetchImpl: waiting(503, 1) }),
    (e) => e.code === 'busy' && e.retryAfter === 1);
});
