import { test } from 'node:test';
import assert from 'node:assert/strict';
import { searchConversations } from './search.js';

const RESULT = { conversationId: 'c1', visitorId: 'v1', visitorName: 'Ada', startedAt: '2026-11-01T10:00:00Z', state: 'closed', firstLine: 'Refund?', snippet: 'my refund' };

function fakeFetch(status, body) {
  const calls = [];
  const fetchImpl = async (url, init) => {
    calls.push({ url, init });
    return { status, ok: status >= 200 && status < 300, json: async () => body };
  };
  return { calls, fetchImpl };
}

test('asks the REST API with the query, the limit and the bearer token', async () => {
  const { calls, fetchImpl } = fakeFetch(200, { results: [RESULT, { nonsense: true }] });
  const results = await searchConversations('  refund & co ', { token: 'st_1', base: 'http://x.test/console/', fetchImpl });
  assert.deepEqual(results, [RESULT]);
  const url = new URL(calls[0].url);
  assert.equal(url.pathname, '/api/conversations');
  assert.equal(url.searchParams.get('q'), 'refund & co');
  assert.equal(url.searchParams.get('limit'), '20');
  assert.equal(calls[0].init.headers.Authorization, 'Bearer st_1');
});

test('an empty query asks nothing', async () => {
  const { calls, fetchImpl } = fakeFetch(200, { results: [] });
  assert.deepEqual(await searchConversations('   ', { token: 't', base: 'http://x.test/', fetchImpl }), []);
  assert.equal(calls.length, 0);
});

test('failures carry a code', async () => {
  await assert.rejects(searchConversations('a', { token: 't', base: 'http://x.test/', fetchImpl: fakeFetch(401, {}).fetchImpl }), { code: 'unauthorized' });
  await assert.rejects(searchConversations('a', { token: 't', base: 'http://x.test/', fetchImpl: fakeFetch(500, {}).fetchImpl }), { code: 'server' });
  await assert.rejects(searchConversations('a', { token: 't', base: 'http://x.test/', fetchImpl: fakeFetch(200, { nope: 1 }).fetchImpl }), { code: 'server' });
  await assert.rejects(searchConversations('a', { token: 't', base: 'http://x.test/', fetchImpl: async () => { throw new Error('down'); } }), { code: 'network' });
});
