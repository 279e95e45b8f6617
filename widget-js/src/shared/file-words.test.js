import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ENGLISH_FILE_WORDS, FILE_WORDS, fileWords } from './file-words.js';
import { LANGUAGES } from '../widget/strings.js';

const placeholders = (text) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

test('every language of the widget has the file words, with the keys and placeholders of English', () => {
  assert.deepEqual(Object.keys(FILE_WORDS).sort(), [...LANGUAGES].sort());
  const en = FILE_WORDS.en;
  for (const language of LANGUAGES) {
    const table = FILE_WORDS[language];
    assert.deepEqual(Object.keys(table).sort(), Object.keys(en).sort(), language);
    assert.deepEqual(Object.keys(table.reasons).sort(), Object.keys(en.reasons).sort(), `${language} reasons`);
    for (const key of Object.keys(en).filter((k) => k !== 'reasons')) {
      assert.ok(table[key].trim(), `${language}.${key} is empty`);
      assert.deepEqual(placeholders(table[key]), placeholders(en[key]), `${language}.${key}`);
    }
    for (const [code, text] of Object.entries(table.reasons)) {
      assert.match(text, /^\p{Lu}.*[.!]$/u, `${language} reason ${code} is a sentence`);
      if (language !== 'en') assert.notEqual(text, en.reasons[code], `${language} reason ${code} is translated`);
    }
  }
});

test('the words follow the widget\'s language, English for any other or none', () => {
  assert.equal(fileWords('fr').t('uploading', { name: 'facture.pdf' }), 'Envoi de facture.pdf');
  assert.equal(fileWords('de').t('uploading', { name: 'Rechnung.pdf' }), 'Rechnung.pdf wird hochgeladen');
  assert.equal(fileWords('de').t('retry'), 'Erneut versuchen');
  assert.equal(fileWords('fr').t('download', { name: 'a.zip' }), 'Télécharger a.zip');
  assert.equal(fileWords('en').t('unavailable', { name: 'a.png' }), 'a.png (unavailable)');
  for (const other of ['es', undefined, null, '', 'toString', '__proto__']) {
    const words = fileWords(other);
    assert.equal(words.language, 'en', String(other));
    assert.equal(words.t('retry'), 'Retry');
  }
  assert.equal(ENGLISH_FILE_WORDS.t('failed', { status: 502 }), 'The file could not be sent (502).');
  // A key a language lacks takes the English text.
  const { retry, reasons: { busy } } = FILE_WORDS.fr;
  delete FILE_WORDS.fr.retry;
  delete FILE_WORDS.fr.reasons.busy;
  try {
    assert.equal(fileWords('fr').t('retry'), 'Retry');
    assert.equal(fileWords('fr').reason('busy'), 'The server is busy: try again shortly.');
  } finally {
    Object.assign(FILE_WORDS.fr, { retry });
    FILE_WORDS.fr.reasons.busy = busy;
  }
  // A placeholder not given stays as written; a key nobody knows is returned as is.
  assert.equal(fileWords('fr').t('download'), 'Télécharger {name}');
  assert.equal(fileWords('fr').t('noSuchKey'), 'noSuchKey');
});

test('a refusal\'s reason is found by its code; a code no table knows has none', () => {
  assert.equal(fileWords('fr').reason('unsupported_type'), 'Ce type de fichier ne peut pas être envoyé.');
  assert.equal(fileWords('de').reason('too_large'), 'Diese Datei ist zu groß zum Senden.');
  assert.equal(fileWords('en').reason('rate_limited'), 'Too many files at once: try again in a few minutes.');
  for (const language of LANGUAGES) {
    const words = fileWords(language);
    for (const code of ['too_large', 'unsupported_type', 'rate_limited', 'busy', 'network', 'not_found', 'bad_state']) {
      assert.equal(typeof words.reason(code), 'string', `${language} ${code}`);
    }
    for (const unknown of ['something_new', 'http_502', 'toString', 'hasOwnProperty', undefined, 42]) {
      assert.equal(words.reason(unknown), undefined, `${language} ${unknown}`);
    }
  }
});
