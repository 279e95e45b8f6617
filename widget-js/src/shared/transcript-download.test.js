import { test } from 'node:test';
import assert from 'node:assert/strict';
import { downloadTranscript, filenameFrom } from './transcript-download.js';

/** Just enough of a document to watch the temporary link. */
function fakeDocument() {
  const clicks = [];
  const body = {
    children: [],
    append(el) { this.children.push(el); el.parentNode = this; },
  };
  return {
    clicks,
    body,
    createElement(tag) {
      return {
        tag, hidden: false, href: '', download: '', rel: '',
        click() { clicks.push({ href: this.href, download: this.download, inDocument: body.children.includes(this) }); },
        remove() { body.children.splice(body.children.indexOf(this), 1); },
      };
    },
  };
}

function fakeUrlApi() {
  return { made: [], revoked: [], createObjectURL(blob) { this.made.push(blob); return `blob:${this.made.length}`; }, revokeObjectURL(href) { this.revoked.push(href); } };
}

const manualTimers = () => ({ pending: [], setTimeout(fn, ms) { this.pending.push({ fn, ms }); } });

function respond(status, body, headers = {}) {
  return { status, ok: status >= 200 && status < 300, headers: new Headers(headers), blob: async () => new Blob([body]) };
}

test('fetches with the credentials in a header and saves through a temporary link', async () => {
  const requests = [];
  const doc = fakeDocument();
  const urlApi = fakeUrlApi();
  const timers = manualTimers();
  const filename = await downloadTranscript({
    server: 'https://chat.example.com', conversationId: 'c_7f3a', authorization: 'Visitor vt_abc', format: 'txt',
    fetchImpl: async (url, init) => {
      requests.push({ url, init });
      return respond(200, 'Conversation c_7f3a\n', { 'Content-Disposition': 'attachment; filename="conversation-c_7f3a.txt"' });
    },
    doc, urlApi, timers,
  });
  assert.equal(filename, 'conversation-c_7f3a.txt');
  assert.equal(requests[0].url, 'https://chat.example.com/api/conversations/c_7f3a/transcript?format=txt');
  assert.equal(requests[0].init.headers.Authorization, 'Visitor vt_abc');
  assert.equal(requests[0].init.credentials, 'omit');
  assert.deepEqual(doc.clicks, [{ href: 'blob:1', download: 'conversation-c_7f3a.txt', inDocument: true }]);
  assert.equal(doc.body.children.length, 0, 'the link is gone again');
  assert.equal(await urlApi.made[0].text(), 'Conversation c_7f3a\n');
  assert.deepEqual(urlApi.revoked, []);
  timers.pending[0].fn();
  assert.deepEqual(urlApi.revoked, ['blob:1']);
});

test('a 404 (missing or not yours) is a not_found failure and saves nothing', async () => {
  const doc = fakeDocument();
  await assert.rejects(downloadTranscript({
    server: 'https://chat.example.com', conversationId: 'c_other', authorization: 'Visitor vt_abc',
    fetchImpl: async () => respond(404, '{"error":"not_found"}'), doc, urlApi: fakeUrlApi(), timers: manualTimers(),
  }), (error) => error.code === 'not_found');
  assert.deepEqual(doc.clicks, []);
});

test('network and server failures are told apart', async () => {
  const common = { server: 'https://chat.example.com', conversationId: 'c_1', authorization: 'Bearer st_1', doc: fakeDocument(), urlApi: fakeUrlApi(), timers: manualTimers() };
  await assert.rejects(downloadTranscript({ ...common, fetchImpl: async () => { throw new TypeError('Failed to fetch'); } }), (e) => e.code === 'network');
  await assert.rejects(downloadTranscript({ ...common, fetchImpl: async () => respond(500, '') }), (e) => e.code === 'server');
  await assert.rejects(downloadTranscript({ ...common, format: 'pdf', fetchImpl: async () => respond(200, '') }), /format/);
});

test('without a usable file name the conversation id names the file', async () => {
  const doc = fakeDocument();
  const filename = await downloadTranscript({
    server: 'https://chat.example.com', conversationId: 'c_1', authorization: 'Bearer st_1', format: 'json',
    fetchImpl: async () => respond(200, '{}'), doc, urlApi: fakeUrlApi(), timers: manualTimers(),
  });
  assert.equal(filename, 'conversation-c_1.json');
});

test('file names from Content-Disposition are made safe', () => {
  assert.equal(filenameFrom('attachment; filename="conversation-c_1.txt"'), 'conversation-c_1.txt');
  assert.equal(filenameFrom("attachment; filename*=UTF-8''r%C3%A9sum%C3%A9.txt"), 'r_sum_.txt');
  assert.equal(filenameFrom('attachment; filename="../../etc/passwd"'), 'passwd');
  assert.equal(filenameFrom('attachment; filename=".hidden"'), 'hidden');
  assert.equal(filenameFrom('attachment'), null);
  assert.equal(filenameFrom(null), null);
});
