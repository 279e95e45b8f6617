// Helpers shared by the browser tests: the real server as a child process, Chromium, and a
// watch on what goes wrong inside pages. Not a test file itself (node --test runs *.test.js).
/* global document -- the callback given to page.evaluate runs in the page */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
/** The server jar; CONCIERGE_JAR points elsewhere (e.g. a copy while the build is busy). */
export const JAR = process.env.CONCIERGE_JAR ?? path.join(REPO_ROOT, 'chat-server', 'target', 'concierge.jar');
export const IMAGES = path.join(REPO_ROOT, 'docs', 'images');
export const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const STARTUP_TIMEOUT_MS = 90_000;
const READY = /http:\/\/127\.0\.0\.1:(\d+)\//;

/** Fails (never skips) with how to get what is missing. */
export function assertPrerequisites() {
  assert.ok(existsSync(CHROMIUM),
    `${CHROMIUM} is missing: install it with "apt-get install -y chromium" (the browser tests never skip).`);
  assert.ok(existsSync(JAR),
    `${JAR} is missing: build it from the repo root with "mvn -B install -DskipTests".`);
}

/** A fresh temporary data directory; `remove()` deletes it. */
export function dataDirectory(prefix = 'concierge-test-') {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  return { path: dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * Starts `java -jar concierge.jar serve --port PORT --data DIR ...args` and resolves once its first
 * stdout line naming `http://127.0.0.1:<port>/` appears. `port` 0 takes a free one; pass the
 * port of a stopped server to come back where the browser expects it; `launcher` starts it
 * through `./concierge serve` instead of `java -jar`. `args` are more flags
 * for `serve` (e.g. `['--queue-alert', '2']`); `env` more environment variables (secrets the
 * server reads only from there).
 *
 * Resolves to {base, port, output, stop(), kill()}: `stop` sends SIGTERM (SIGKILL after 10 s),
 * `kill` sends SIGKILL at once, as a crash would; both resolve once the process is gone.
 */
export async function startServer({ dataDir, port = 0, args = [], env = {}, launcher = false }) {
  const serve = ['serve', '--port', String(port), '--data', dataDir, ...args];
  // `launcher`: through ./concierge, as the README runs it (the jar as built: no second build).
  const [command, commandArgs, launcherEnv] = launcher
    ? [path.join(REPO_ROOT, 'concierge'), serve, { CONCIERGE_NO_BUILD: '1' }]
    : ['java', ['-jar', JAR, ...serve], {}];
  const child = spawn(command, commandArgs, {
    cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...launcherEnv, ...env },
  });
  const output = [];
  createInterface({ input: child.stderr }).on('line', (line) => output.push(line));
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const base = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start in ${STARTUP_TIMEOUT_MS} ms:\n${output.join('\n')}`)), STARTUP_TIMEOUT_MS);
    let ready = false;
    createInterface({ input: child.stdout }).on('line', (line) => {
      output.push(line);
      const match = READY.exec(line);
      if (match && !ready) {
        ready = true;
        clearTimeout(timer);
        resolve(`http://127.0.0.1:${match[1]}/`);
      }
    });
    exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`server exited (code ${code}, signal ${signal}) before it was ready:\n${output.join('\n')}`));
    });
  });
  const running = () => child.exitCode === null && child.signalCode === null;
  return {
    base,
    port: Number(new URL(base).port),
    output,
    async stop() {
      if (!running()) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
    async kill() {
      if (running()) child.kill('SIGKILL');
      await exited;
    },
  };
}

/**
 * What most browser tests start with: checks the prerequisites, makes a data directory, starts
 * the server and Chromium, and has the test close, stop and remove all of it when it ends.
 * `prepare(dataPath)` may write files into the data directory first and returns extra `serve`
 * arguments naming them.
 */
export async function serverAndBrowser(t, prefix, { prepare = () => [] } = {}) {
  assertPrerequisites();
  const data = dataDirectory(prefix);
  let server = null;
  let browser = null;
  t.after(async () => {
    await browser?.close();
    await server?.stop();
    data.remove();
  });
  server = await startServer({ dataDir: data.path, args: prepare(data.path) });
  browser = await launchBrowser();
  return { server, browser, data };
}

/** Chromium through playwright-core (no downloaded browser). */
export function launchBrowser() {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}

/**
 * Collects what goes wrong inside a page — script errors, console errors, HTTP errors — into
 * `problems`, to fail with it rather than time out blind. Console messages matching `expected`
 * (e.g. refused WebSocket connections while a test has the server down) are not problems.
 */
export function watch(page, name, problems, { expected = null } = {}) {
  page.on('pageerror', (error) => problems.push(`${name}: ${error.message}`));
  page.on('console', (message) => {
    const text = message.text();
    if (message.type() !== 'error' || text.startsWith('Failed to load resource')) return;
    if (expected && expected.test(text)) return;
    problems.push(`${name} console: ${text}`);
  });
  page.on('response', (response) => {
    if (response.status() >= 400) problems.push(`${name}: HTTP ${response.status()} for ${response.url()}`);
  });
}

/**
 * A web server of its own for pages the tests write, on another origin than Concierge's (as a
 * real site embedding the widget is): `page(name, head)` returns the URL of a page whose
 * <head> ends with `head`; `close()` stops it.
 */
export async function startPageServer() {
  const { createServer } = await import('node:http');
  const pages = new Map();
  const server = createServer((request, response) => {
    const body = pages.get(new URL(request.url, 'http://x').pathname);
    response.writeHead(body ? 200 : 404, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
    response.end(body ?? 'not found');
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${server.address().port}`;
  return {
    origin,
    page(name, head) {
      pages.set(`/${name}.html`, `<!doctype html><html lang="en"><head><meta charset="utf-8">`
        + `<meta name="viewport" content="width=device-width, initial-scale=1"><title>Test page</title>${head}</head>`
        + `<body><main><h1>A page</h1><p>Some text.</p></main></body></html>`);
      return `${origin}/${name}.html`;
    },
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

/**
 * An agent signed in to the console in a page of its own, online: the page, watched for errors
 * (as `console USERNAME`) into `problems`.
 */
export async function signInConsole(browser, base, username, password, problems) {
  const page = await (await browser.newContext({ viewport: { width: 1440, height: 900 } })).newPage();
  page.setDefaultTimeout(20_000);
  watch(page, `console ${username}`, problems);
  await page.goto(`${base}console/`);
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('#connection[data-state="open"]').waitFor();
  await page.locator('#presence[data-presence="online"]').waitFor();
  return page;
}

/** The first chat reaches this console: assigned at once (a tab), or taken from the queue. */
export async function takeFirstChat(page) {
  await page.locator('[role="tab"], .queue-card').first().waitFor();
  if (await page.locator('.queue-card').count() > 0) {
    await page.locator('.queue-card').first().getByRole('button', { name: /^Accept conversation/ }).click();
  }
  await page.getByRole('tab').first().waitFor();
}


/** A PNG of `width` x `height` drawn by `page`'s canvas: the bytes of a real picture to upload. */
export async function pngBytes(page, width, height) {
  const dataUrl = await page.evaluate(([w, h]) => {
    const canvas = document.createElement('canvas');
    canvas.width = w;
    canvas.height = h;
    canvas.getContext('2d').fillRect(0, 0, w, h);
    return canvas.toDataURL('image/png');
  }, [width, height]);
  return Buffer.from(dataUrl.slice(dataUrl.indexOf(',') + 1), 'base64');
}

/** Everything a readable stream (a Playwright download's) yields, as one Buffer. */
export async function streamBytes(stream) {
  const chunks = [];
  for await (const chunk of stream) chunks.push(chunk);
  return Buffer.concat(chunks);
}
