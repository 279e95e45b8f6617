import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileWords } from './file-words.js';
import { errorText, fileUrl, formatSize, pickFile, upload, uploadRequest } from './files.js';

test('sizes are written for people, 1 KB being 1024 bytes', () => {
  const table = [[0, '0 B'], [512, '512 B'], [1023, '1023 B'], [1024, '1 KB'], [1536, '1.5 KB'],
    [10 * 1024 + 300, '10 KB'], [5 * 1024 * 1024, '5 MB'], [3.25 * 1024 ** 3, '3.3 GB'], [-1, ''], [Number.NaN, '']];
  for (const [bytes, text] of table) assert.equal(formatSize(bytes), text, `${bytes}`);
});

test('one file is taken from a paste or drop: the first of its files, else the first file item', () => {
  const a = { name: 'a.png' };
  const b = { name: 'b.pdf' };
  assert.equal(pickFile({ files: [a, b], items: [] }), a);
  const fromItems = { files: [], items: [{ kind: 'string', getAsFile: () => null }, { kind: 'file', getAsFile: () => b }] };
  assert.equal(pickFile(fromItems), b);
  assert.equal(pickFile({ files: [], items: [{ kind: 'string', getAsFile: () => null }] }), null);
  assert.equal(pickFile(null), null);
});

test('the upload goes to the conversation with the name encoded in the query', () => {
  const request = uploadRequest({ server: 'https://chat.example.com', conversationId: 'c_1', authorization: 'Visitor vt_a', name: 'my bill & co.pdf' });
  assert.equal(request.method, 'POST');
  assert.equal(request.url, 'https://chat.example.com/api/conversations/c_1/attachments?name=my+bill+%26+co.pdf');
  assert.deepEqual(request.headers, { Authorization: 'Visitor vt_a' });
});

test('a refusal says the sentence for its code, the server\'s message only for a code it does not know', () => {
  const fr = fileWords('fr');
  // The server's message is English and technical: the code decides, in the caller's words.
  const tooLarge = '{"error":"too_large","message":"the file is larger than 10485760 bytes"}';
  assert.deepEqual(errorText(413, tooLarge), { code: 'too_large', text: 'This file is too large to send.' });
  assert.deepEqual(errorText(413, tooLarge, fr), { code: 'too_large', text: 'Ce fichier est trop volumineux pour être envoyé.' });
  assert.deepEqual(errorText(415, '{"error":"unsupported_type","message":"the file is not an image its type can decode"}', fileWords('de')),
    { code: 'unsupported_type', text: 'Dieser Dateityp kann nicht gesendet werden.' });
  assert.deepEqual(errorText(409, '{"error":"bad_state","message":"the conversation is closed"}', fr),
    { code: 'bad_state', text: 'Cette conversation est terminée.' });
  // Without a JSON error, the status gives the code; no answer at all is `network`.
  assert.deepEqual(errorText(413, '<html>', fr), { code: 'too_large', text: 'Ce fichier est trop volumineux pour être envoyé.' });
  assert.deepEqual(errorText(429, '', fr), { code: 'rate_limited', text: 'Trop de fichiers à la fois : réessayez dans quelques minutes.' });
  assert.deepEqual(errorText(0, '', fr), { code: 'network', text: 'Le fichier n’a pas pu être envoyé : vérifiez votre connexion et réessayez.' });
  assert.deepEqual(errorText(0, ''), { code: 'network', text: 'The file could not be sent: check the connection and try again.' });
  // A code the words do not know: the server's message, else a sentence with the status.
  assert.deepEqual(errorText(422, '{"error":"something_new","message":"The server says why."}', fr), { code: 'something_new', text: 'The server says why.' });
  assert.deepEqual(errorText(502, '', fr), { code: 'http_502', text: 'Le fichier n’a pas pu être envoyé (502).' });
  assert.deepEqual(errorText(502, ''), { code: 'http_502', text: 'The file could not be sent (502).' });
  assert.deepEqual(errorText(502, '{"error":"","message":""}'), { code: 'http_502', text: 'The file could not be sent (502).' });
});

/** An XMLHttpRequest that records what it was given and answers as told. */
function fakeXhr(answer) {
  const listeners = {};
  const uploadListeners = {};
  const xhr = {
    opened: null, headers: {}, body: null, status: 0, responseText: '',
    upload: { addEventListener: (type, fn) => { uploadListeners[type] = fn; } },
    open(method, url) { this.opened = { method, url }; },
    setRequestHeader(name, value) { this.headers[name] = value; },
    addEventListener(type, fn) { listeners[type] = fn; },
    send(body) {
      this.body = body;
      uploadListeners.progress?.({ lengthComputable: true, loaded: 50, total: 200 });
      if (answer.network) return listeners.error();
      this.status = answer.status;
      this.responseText = answer.body;
      return listeners.load();
    },
  };
  return xhr;
}

test('an upload sends the raw file, reports progress and resolves to the attachment', async () => {
  const xhr = fakeXhr({ status: 201, body: '{"attachment":{"id":"a_1","name":"a.png","kind":"image"}}' });
  const file = { name: 'a.png' };
  const progress = [];
  const attachment = await upload({
    server: 'https://chat.example.com', conversationId: 'c_1', authorization: 'Bearer st_1', file, onProgress: (f) => progress.push(f), xhrFactory: () => xhr,
  });
  assert.deepEqual(attachment, { id: 'a_1', name: 'a.png', kind: 'image' });
  assert.equal(xhr.body, file);
  assert.deepEqual(xhr.opened, { method: 'POST', url: 'https://chat.example.com/api/conversations/c_1/attachments?name=a.png' });
  assert.equal(xhr.headers.Authorization, 'Bearer st_1');
  assert.deepEqual(progress, [0.25]);
});

test('a refused or failed upload rejects with the code and the reason', async () => {
  const common = { server: 'https://chat.example.com', conversationId: 'c_1', authorization: 'Visitor vt', file: { name: 'big.bin' } };
  const tooLarge = () => fakeXhr({ status: 413, body: '{"error":"too_large","message":"the file is larger than 10485760 bytes"}' });
  await assert.rejects(upload({ ...common, xhrFactory: tooLarge }), { code: 'too_large', status: 413, message: 'This file is too large to send.' });
  await assert.rejects(upload({ ...common, words: fileWords('de'), xhrFactory: tooLarge }),
    { code: 'too_large', status: 413, message: 'Diese Datei ist zu groß zum Senden.' });
  await assert.rejects(upload({ ...common, words: fileWords('fr'), xhrFactory: () => fakeXhr({ network: true }) }),
    { code: 'network', status: 0, message: 'Le fichier n’a pas pu être envoyé : vérifiez votre connexion et réessayez.' });
});

test('a file link is asked for with the caller\'s credential and made absolute', async () => {
  const calls = [];
  const fetchImpl = async (url, init) => {
    calls.push({ url, init });
    return { ok: true, json: async () => ({ url: '/files/tok', expiresAt: '2026-01-01T00:05:00Z' }) };
  };
  const common = { server: 'https://chat.example.com', conversationId: 'c_1', authorization: 'Visitor vt', attachmentId: 'a_1', fetchImpl };
  assert.equal(await fileUrl(common), 'https://chat.example.com/files/tok');
  assert.equal(await fileUrl({ ...common, download: true }), 'https://chat.example.com/files/tok?download=1');
  assert.equal(calls[0].url, 'https://chat.example.com/api/conversations/c_1/attachments/a_1');
  assert.equal(calls[0].init.headers.Authorization, 'Visitor vt');
  await assert.rejects(fileUrl({ ...common, fetchImpl: async () => ({ ok: false, status: 404 }) }), { status: 404 });
});
