import { test } from 'node:test';
import assert from 'node:assert/strict';
import { downloadTranscript } from './attachments.js';

const common = { server: 'https://chat.example.com', conversationId: 'c_1', authorization: 'Visitor vt' };
const answering = (status) => async () => ({ ok: status < 300, status, headers: new Headers(), blob: async () => new Blob([]) });

test('a failed transcript download keeps its English message and gives the reason in the widget\'s language', async () => {
  await assert.rejects(downloadTranscript({ ...common, language: 'fr', fetchImpl: async () => { throw new TypeError('Failed to fetch'); } }),
    { code: 'network', message: 'The server cannot be reached.', reason: 'Le serveur est injoignable.' });
  await assert.rejects(downloadTranscript({ ...common, language: 'de', fetchImpl: answering(404) }),
    { code: 'not_found', message: 'This conversation cannot be downloaded.', reason: 'Diese Unterhaltung ist nicht verfügbar.' });
  await assert.rejects(downloadTranscript({ ...common, language: 'fr', fetchImpl: answering(502) }),
    { code: 'server', status: 502, reason: 'Le téléchargement a échoué (HTTP 502).' });
  // No language, or one the file code has no words for: English.
  await assert.rejects(downloadTranscript({ ...common, fetchImpl: answering(500) }), { code: 'server', reason: 'The download failed (HTTP 500).' });
  await assert.rejects(downloadTranscript({ ...common, language: 'es', fetchImpl: answering(404) }), { reason: 'This conversation cannot be downloaded.' });
});
