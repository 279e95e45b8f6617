// docs/integrations.md and docs/webhooks.md are run as written: every ```sh block after a
// `<!-- run -->` line runs, in order (the first file, then the second), against `./concierge serve` (started through the launcher, as the README does), with
// bash -euo pipefail; the ```json block that follows a run block, if any, is what its output must
// contain (a subset: objects may have more fields, arrays more items; the string "…" stands for
// any value, "whe_…" for any string starting "whe_"). Variables a block exports are seen by the blocks after it; files it writes in its
// working directory (a fresh one) too.
//
// The blocks find in their environment: CONCIERGE (the server's base URL, no trailing slash),
// ADMIN_TOKEN, CONVERSATION (a follow-up a visitor left with an email: a WebSocket is not curl's
// job, so the test opens it), RECEIVER (an HTTP endpoint of this test that answers every POST
// with 204) and RECEIVED (a directory where it writes the last request: body, and one file per
// webhook-* header; a block naming it runs once a request arrived).
//
// Needs chat-server/target/concierge.jar (made by `mvn -pl chat-server -am package`), curl, jq.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { REPO_ROOT, assertPrerequisites, dataDirectory, startServer } from './server.js';

const DOCS = ['integrations.md', 'webhooks.md'];
const ANY = '…';
const BLOCK_TIMEOUT_MS = 30_000;

/** The run blocks of a Markdown text: [{line, script, expected (parsed JSON or null)}]. */
export function runBlocks(markdown, name = 'the document') {
  const lines = markdown.split('\n');
  const blocks = [];
  const fence = (from, language) => {
    let i = from;
    while (i < lines.length && lines[i].trim() === '') i += 1;
    if (i >= lines.length || lines[i].trim() !== '```' + language) return null;
    const start = i + 1;
    let end = start;
    while (end < lines.length && lines[end].trim() !== '```') end += 1;
    return { text: lines.slice(start, end).join('\n'), next: end + 1, line: i + 1 };
  };
  for (let i = 0; i < lines.length; i += 1) {
    if (lines[i].trim() !== '<!-- run -->') continue;
    const sh = fence(i + 1, 'sh');
    assert.ok(sh, `${name}:${i + 1}: <!-- run --> must be followed by a \`\`\`sh block`);
    const json = fence(sh.next, 'json');
    blocks.push({ where: `${name}:${sh.line}`, script: sh.text, expected: json ? JSON.parse(json.text) : null });
    i = sh.next - 1;
  }
  return blocks;
}

/** Where `actual` lacks something `expected` has: a path and why, or null when it contains it. */
export function missing(expected, actual, at = '$') {
  if (expected === ANY) return actual === undefined ? `${at}: missing` : null;
  if (typeof expected === 'string' && expected.endsWith(ANY)) {
    const prefix = expected.slice(0, -ANY.length);
    return typeof actual === 'string' && actual.startsWith(prefix) ? null : `${at}: expected "${prefix}…", got ${JSON.stringify(actual)}`;
  }
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual)) return `${at}: expected an array, got ${JSON.stringify(actual)}`;
    // Each expected item must match a distinct actual item, in order.
    let from = 0;
    for (const [k, item] of expected.entries()) {
      while (from < actual.length && missing(item, actual[from], `${at}[${from}]`) !== null) from += 1;
      if (from === actual.length) return `${at}[${k}]: no item matches ${JSON.stringify(item)}`;
      from += 1;
    }
    return null;
  }
  if (expected !== null && typeof expected === 'object') {
    if (actual === null || typeof actual !== 'object' || Array.isArray(actual)) {
      return `${at}: expected an object, got ${JSON.stringify(actual)}`;
    }
    for (const [key, value] of Object.entries(expected)) {
      const why = missing(value, actual[key], `${at}.${key}`);
      if (why) return why;
    }
    return null;
  }
  return Object.is(expected, actual) ? null : `${at}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`;
}

/** An HTTP server that answers every POST with 204 and keeps the last one in `dir`. */
async function startReceiver(dir) {
  mkdirSync(dir, { recursive: true });
  let count = 0;
  const server = createServer((request, response) => {
    const chunks = [];
    request.on('data', (chunk) => chunks.push(chunk));
    request.on('end', () => {
      count += 1;
      writeFileSync(path.join(dir, 'body'), Buffer.concat(chunks));
      for (const name of ['webhook-id', 'webhook-timestamp', 'webhook-signature']) {
        writeFileSync(path.join(dir, name), request.headers[name] ?? '');
      }
      response.writeHead(204);
      response.end();
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}/hooks`,
    received: () => count,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

/** A follow-up a visitor leaves over a raw WebSocket; resolves to its conversation id. */
function followUp(base) {
  const child = spawn(process.execPath, ['--experimental-websocket', path.join(REPO_ROOT, 'widget-js', 'test', 'raw-visitors.mjs'),
    base, 'follow-up', '2', '0', 'Ada Lovelace'], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    createInterface({ input: child.stdout }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`the visitor ended (code ${code}) before leaving a message`)));
  });
}

/** Resolves once `done()` holds, checking every 100 ms; rejects after `ms`. */
async function until(what, done, ms = 20_000) {
  for (const end = Date.now() + ms; !done();) {
    assert.ok(Date.now() < end, `waited ${ms} ms for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

test('the unit parts of the doc runner: blocks and the subset match', () => {
  const blocks = runBlocks('x\n<!-- run -->\n```sh\necho \'{"a":1}\'\n```\n\n```json\n{"a": 1}\n```\n<!-- run -->\n```sh\ntrue\n```\n');
  assert.equal(blocks.length, 2);
  assert.deepEqual(blocks[0].expected, { a: 1 });
  assert.equal(blocks[1].expected, null);
  assert.equal(missing({ a: ANY, b: [{ c: 2 }] }, { a: 'x', b: [{ c: 1 }, { c: 2, d: 3 }], e: 4 }), null);
  assert.match(missing({ a: ANY }, {}), /\$\.a: missing/);
  assert.equal(missing({ id: 'whe_…' }, { id: 'whe_abc' }), null);
  assert.match(missing({ id: 'whe_…' }, { id: 'evt_abc' }), /expected "whe_…"/);
  assert.match(missing([1, 2], [2, 1]), /no item matches/);
  assert.match(missing({ a: 1 }, { a: '1' }), /expected 1, got "1"/);
});

describe('docs/integrations.md against ./concierge serve', () => {
  let server = null;
  let receiver = null;
  let conversationId = null;
  let data = null;
  const adminToken = randomBytes(24).toString('base64url');
  
  before(async () => {
    assertPrerequisites();
    for (const tool of ['curl', 'jq']) {
      assert.doesNotThrow(() => execFileSync('which', [tool]), `${tool} is missing: apt-get install -y ${tool}`);
    }
    data = dataDirectory('concierge-integrations-doc-');
    receiver = await startReceiver(path.join(data.path, 'received'));
    server = await startServer({
      dataDir: path.join(data.path, 'server'),
      launcher: true,
      args: ['--webhook-allow', 'loopback', '--webhook-allow-http'],
      env: { CONCIERGE_ADMIN_TOKEN: adminToken },
    });
    conversationId = await followUp(server.base);
  });
  
  after(async () => {
    await server?.stop();
    await receiver?.close();
    data?.remove();
  });
  
  test('every run block of docs/integrations.md and docs/webhooks.md works against ./concierge serve', async () => {
    const blocks = DOCS.flatMap((name) => runBlocks(readFileSync(path.join(REPO_ROOT, 'docs', name), 'utf8'), `docs/${name}`));
    assert.ok(blocks.length >= 15, `the documents have only ${blocks.length} run blocks`);
    const work = path.join(data.path, 'work');
    mkdirSync(work);
    const state = path.join(data.path, 'exported.sh');
    writeFileSync(state, '');
    const env = {
      ...process.env,
      CONCIERGE: server.base.replace(/\/$/, ''),
      ADMIN_TOKEN: adminToken,
      CONVERSATION: conversationId,
      RECEIVER: receiver.url,
      RECEIVED: path.join(data.path, 'received'),
    };
    for (const block of blocks) {
      if (block.script.includes('$RECEIVED')) await until('a webhook request', () => receiver.received() > 0);
      const script = `source ${JSON.stringify(state)}\n${block.script}\nexport -p > ${JSON.stringify(state)}\n`;
      let out;
      try {
        out = execFileSync('bash', ['-euo', 'pipefail', '-c', script], { cwd: work, env, timeout: BLOCK_TIMEOUT_MS, encoding: 'utf8' });
      } catch (e) {
        assert.fail(`${block.where}: the block failed (${e.status ?? e.signal}):\n${block.script}\n${e.stdout ?? ''}${e.stderr ?? ''}`);
      }
      if (block.expected === null) continue;
      let actual;
      try {
        actual = JSON.parse(out);
      } catch {
        assert.fail(`${block.where}: the output is not JSON:\n${out}`);
      }
      const why = missing(block.expected, actual);
      assert.equal(why, null, `${block.where}: ${why}\nthe output was:\n${out}`);
    }
    assert.ok(receiver.received() > 0, 'the doc subscribes a webhook: the receiver got no request');
  });
});
