// The widget's file code is a second script, loaded on first use: both scripts keep to budgets.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { buildWidget, FILES_OUTFILE, OUTFILE } from '../scripts/build.mjs';

const MAIN_BUDGET = 25 * 1024;
const FILES_BUDGET = 6 * 1024;

test('the file code is its own script within 6 KB gzipped, and the widget stays within 25 KB', async () => {
  const built = await buildWidget({ quiet: true });
  assert.ok(built.gzipped <= MAIN_BUDGET, `dist/concierge.js is ${built.gzipped} bytes gzipped, over ${MAIN_BUDGET}`);
  assert.ok(built.files.gzipped <= FILES_BUDGET, `dist/concierge-files.js is ${built.files.gzipped} bytes gzipped, over ${FILES_BUDGET}`);
  const main = readFileSync(OUTFILE, 'utf8');
  const files = readFileSync(FILES_OUTFILE, 'utf8');
  // The upload is only in the second script; the first one only knows where to find it.
  assert.ok(files.includes('/attachments') && files.includes('ConciergeFiles'));
  assert.ok(main.includes('/concierge-files.js') && !main.includes('XMLHttpRequest'));
  // The file code's words, in every language, travel with it and not in the first script.
  for (const words of ['This file type cannot be sent.', 'Ce type de fichier', 'Erneut versuchen']) {
    assert.ok(files.includes(words) && !main.includes(words), words);
  }
  console.log(`# concierge.js ${built.gzipped} B gzipped (budget ${MAIN_BUDGET}); concierge-files.js ${built.files.gzipped} B (budget ${FILES_BUDGET})`);
});
