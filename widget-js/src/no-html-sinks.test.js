// Message text is always rendered as text, never parsed as HTML, so that no visitor or agent can
// inject markup into the other side's page (docs/security.md). This test keeps every HTML-parsing
// sink out of the shipped code.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const SRC = path.dirname(fileURLToPath(import.meta.url));
const SINKS = /\b(innerHTML|outerHTML|insertAdjacentHTML|document\.write|createContextualFragment|DOMParser|srcdoc)\b|\beval\(|new Function\(/;

function shippedFiles(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return shippedFiles(full);
    return /\.(js|html)$/.test(entry.name) && !entry.name.endsWith('.test.js') ? [full] : [];
  });
}

test('no shipped file uses an HTML-parsing sink', () => {
  const files = shippedFiles(SRC);
  assert.ok(files.length > 10, 'found the sources');
  for (const file of files) {
    const lines = readFileSync(file, 'utf8').split('\n');
    lines.forEach((line, index) => {
      assert.doesNotMatch(line, SINKS, `${path.relative(SRC, file)}:${index + 1}`);
    });
  }
});
