import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as codes from './error-codes.js';

test('every code the widget and the console act on is one docs/protocol-errors.md lists for the error frame', () => {
  const doc = readFileSync(new URL('../../../docs/protocol-errors.md', import.meta.url), 'utf8');
  const section = doc.slice(doc.indexOf('### `error`'), doc.indexOf('## Close codes'));
  const listed = new Set([...section.matchAll(/^\| `([a-z_]+)` \|/gm)].map((match) => match[1]));
  assert.ok(listed.size > 15, `the error table was found (${listed.size} codes)`);
  for (const [name, code] of Object.entries(codes)) {
    assert.ok(listed.has(code), `${name} = '${code}' is not in the error frame's table`);
  }
});
