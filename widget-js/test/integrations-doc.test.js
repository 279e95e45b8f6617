// docs/integrations.md is run as written: every ```sh block after a `<!-- run -->` line runs, in
// order, against `./concierge serve` (started through the launcher, as the README does), with
// bash -euo pipefail; the ```json block that follows a run block, if any, is what its output must
// contain (a subset: objects may have more fields, arrays more items; the string "…" stands for
// any value). Variables a block exports are seen by the blocks after it.
//
// The blocks find in their environment: CONCIERGE (the server's base URL, no trailing slash),
// ADMIN_TOKEN, CONVERSATION (a visitor's conversation, waiting for a person: a WebSocket is not
// curl's job, so the test opens it), RECEIVER (an HTTP endpoint of this test that answers every
// POST with 204) and RECEIVED (a directory where it writes the last request: body, and one file
// per webhook-* header).
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

const DOC = path.join(REPO_ROOT, 'docs', 'integrations.md');
const ANY = '…';
const BLOCK_TIMEOUT_MS = 30_000;

/** The run blocks of a Markdown text: [{line, script, expected (parsed JSON or null)}]. */
export function runBlocks(markdown) {
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
    assert.ok(sh, `${DOC}:${i + 1}: <!-- run --> must be followed by a \`\`\`sh block`);
    const json = fence(sh.next, 'json');
    blocks.push({ line: sh.line, script: sh.text, expected: json ? JSON.parse(json.text) : null });
    i = sh.next - 1;
  }
  return blocks;
}

/** Where `actual` lacks something `expected` has: a path and why, or null when it contains it. */
export function missing(expected, actual, at = '$') {
  if (expected === ANY) return actual === undefined ? `${at}: missing` : null;
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

/** A visitor waiting for a person, over a raw WebSocket; resolves to {conversationId, stop()}. */
async function waitingVisitor(base) {
  const child = spawn(process.execPath, ['--experimental-websocket', path.join(REPO_ROOT, 'widget-js', 'test', 'raw-visitors.mjs'),
    base, 'waiting', '2', '20', 'Ada Lovelace'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const conversationId = await new Promise((resolve, reject) => {
    createInterface({ input: child.stdout }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`the visitor ended (code ${code}) before it waited`)));
  });
  return { conversationId, stop: () => child.kill('SIGTERM') };
}

test('the unit parts of the doc runner: blocks and the subset match', () => {
  const blocks = runBlocks('x\n<!-- run -->\n```sh\necho \'{"a":1}\'\n```\n\n```json\n{"a": 1}\n```\n<!-- run -->\n```sh\ntrue\n```\n');
  assert.equal(blocks.length, 2);
  assert.deepEqual(blocks[0].expected, { a: 1 });
  assert.equal(blocks[1].expected, null);
  assert.equal(missing({ a: ANY, b: [{ c: 2 }] }, { a: 'x', b: [{ c: 1 }, { c: 2, d: 3 }], e: 4 }), null);
  assert.match(missing({ a: ANY }, {}), /\$\.a: missing/);
  assert.match(missing([1, 2], [2, 1]), /no item matches/);
  assert.match(missing({ a: 1 }, { a: '1' }), /expected 1, got "1"/);
});

describe('docs/integrations.md against ./concierge serve', () => {
  let server = null;
  let receiver = null;
  let visitor = null;
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
    visitor = await waitingVisitor(server.base);
  });
  
  after(async () => {
    visitor?.stop();
    await server?.stop();
    await receiver?.close();
    data?.remove();
  });
  
  test('every run block of docs/integrations.md works against ./concierge serve', () => {
    const blocks = runBlocks(readFileSync(DOC, 'utf8'));
    assert.ok(blocks.length >= 10, `docs/integrations.md has only ${blocks.length} run blocks`);
    const state = path.join(data.path, 'exported.sh');
    writeFileSync(state, '');
    const env = {
      ...process.env,
      CONCIERGE: server.base.replace(/\/$/, ''),
      ADMIN_TOKEN: adminToken,
      CONVERSATION: visitor.conversationId,
      RECEIVER: receiver.url,
      RECEIVED: path.join(data.path, 'received'),
    };
    for (const block of blocks) {
      const script = `source ${JSON.stringify(state)}\n${block.script}\nexport -p > ${JSON.stringify(state)}\n`;
      let out;
      try {
        out = execFileSync('bash', ['-euo', 'pipefail', '-c', script], { env, timeout: BLOCK_TIMEOUT_MS, encoding: 'utf8' });
      } catch (e) {
        assert.fail(`docs/integrations.md:${block.line}: the block failed (${e.status ?? e.signal}):\n${block.script}\n${e.stdout ?? ''}${e.stderr ?? ''}`);
      }
      if (block.expected === null) continue;
      let actual;
      try {
        actual = JSON.parse(out);
      } catch {
        assert.fail(`docs/integrations.md:${block.line}: the output is not JSON:\n${out}`);
      }
      const why = missing(block.expected, actual);
      assert.equal(why, null, `docs/integrations.md:${block.line}: ${why}\nthe output was:\n${out}`);
    }
    assert.ok(receiver.received() > 0, 'the doc subscribes a webhook: the receiver got no request');
  });
});
