// Visitors cannot lock agents out of the console by making their frames large, in a real
// browser: 1,000 visitors wait in the queue, each with a 4,000-character message, and one
// conversation holds 2,000 such messages. Two consoles stay connected through three reconnects
// (the server never closes their sockets), show the queue's count and page to its last entry,
// and the agent reads message 1 of the long conversation, whose package holds only its last
// events: the console reads the rest with `history` before it shows the chat.
// Needs /usr/bin/chromium and chat-server/target/concierge.jar, like e2e.browser.test.js.
/* global document -- the callbacks given to page.evaluate and page.waitForFunction run in the page */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { serverAndBrowser, signInConsole } from './server.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const QUEUED = 1000;
const LONG = 2000;
const TEXT = 4000;

/** Runs test/raw-visitors.mjs (node's WebSocket client) against the server; resolves to its output. */
function rawVisitors(base, ...args) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--experimental-websocket', path.join(HERE, 'raw-visitors.mjs'), base, ...args.map(String)],
      { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { err += d; });
    child.once('exit', (code) => (code === 0 ? resolve(out.trim()) : reject(new Error(`raw-visitors ${args.join(' ')}: exit ${code}\n${err}`))));
  });
}

/** A console whose agent socket goes through a route: the test sees who closes it, and can drop it. */
async function routedConsole(browser, base, problems, name) {
  const routes = [];
  const serverCloses = [];
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  await context.routeWebSocket(/\/ws\/agent$/, (page) => {
    const server = page.connectToServer();
    const route = { page, server, droppedByTest: false };
    server.onClose((code, reason) => {
      if (!route.droppedByTest) serverCloses.push(code); // the server hung up on the console
      page.close({ code, reason });
    });
    routes.push(route);
  });
  const page = await signInConsole({ newContext: async () => context }, base, 'demo', 'demo-password', problems);
  return {
    page,
    serverCloses,
    sockets: () => routes.length,
    /** Drops the socket as a network failure would; the console reconnects by itself. */
    drop() {
      const route = routes.at(-1);
      route.droppedByTest = true;
      route.server.close({ code: 1001, reason: 'going away' });
      route.page.close({ code: 1001, reason: 'going away' });
    },
    name,
  };
}

test('1,000 queued visitors and a 2,000-message conversation never lock the consoles out', { timeout: 180_000 }, async (t) => {
  const { server, browser } = await serverAndBrowser(t, 'concierge-lockout-', {
    prepare: () => ['--rate-limit', '100000,100000', '--max-connections-per-ip', '200', '--max-chats', '1'],
  });
  const problems = [];
  const started = Date.now();
  const step = (what) => t.diagnostic(`${((Date.now() - started) / 1000).toFixed(1)} s: ${what}`);
  t.after(() => { if (problems.length > 0) t.diagnostic(problems.join('\n')); });
  const long = await rawVisitors(server.base, 'long', LONG, TEXT);
  step('long conversation written');
  await rawVisitors(server.base, 'queue', QUEUED, TEXT);
  step('visitors queued');

  // The first console takes the long conversation (one chat each); both see the other 1,000.
  const consoles = [];
  for (const name of ['first', 'second']) {
    const agent = await routedConsole(browser, server.base, problems, name);
    agent.page.setDefaultTimeout(30_000);
    consoles.push(agent);
  }
  const seesEverything = async ({ page }) => {
    await page.locator('#connection[data-state="open"]').waitFor();
    await page.locator('[data-role="queue-count"]').filter({ hasText: /^1000$/ }).waitFor();
    await page.locator('[data-role="queue-page"]').filter({ hasText: /^1–50 of 1000$/ }).waitFor();
    assert.equal(await page.locator('[data-role="queue-list"] .queue-card').count(), 50);
    await page.getByRole('tab', { name: /Grace Long/ }).waitFor();
  };
  for (const agent of consoles) await seesEverything(agent);
  step('consoles signed in');

  for (let round = 1; round <= 3; round += 1) {
    for (const agent of consoles) {
      const before = agent.sockets();
      agent.drop();
      await agent.page.locator('#connection:not([data-state="open"])').waitFor();
      await agent.page.waitForFunction(() => document.querySelector('#connection')?.dataset.state === 'open');
      assert.ok(agent.sockets() > before, `${agent.name} console opened a new socket in round ${round}`);
    }
    for (const agent of consoles) await seesEverything(agent);
    step(`reconnect ${round}`);
  }

  // Page to the last entry of the queue.
  const { page } = consoles[0];
  for (let i = 0; i < QUEUED / 50 - 1; i += 1) {
    const label = page.locator('[data-role="queue-page"]');
    const shown = await label.textContent();
    await page.locator('[data-role="queue-next"]').click();
    await label.filter({ hasNotText: shown }).waitFor();
  }
  await page.locator('[data-role="queue-page"]').filter({ hasText: /^951–1000 of 1000$/ }).waitFor();
  assert.equal(await page.locator('[data-role="queue-next"]').isDisabled(), true);
  await page.locator('[data-role="queue-list"] .queue-card').last().locator('.position').filter({ hasText: '#1000' }).waitFor();
  // A reconnect keeps the page the agent was on.
  consoles[0].drop();
  await page.locator('#connection:not([data-state="open"])').waitFor();
  await page.waitForFunction(() => document.querySelector('#connection')?.dataset.state === 'open');
  await page.locator('[data-role="queue-page"]').filter({ hasText: /^951–1000 of 1000$/ }).waitFor();

  step('paged to the end');
  // Message 1 of the long conversation is in the chat, and so is the last.
  for (const agent of consoles) {
    const chat = agent.page.locator('#chat-panel');
    await chat.getByText(/^Message 1: x/).waitFor();
    await chat.getByText(new RegExp(`^Message ${LONG}: x`)).waitFor();
  }
  for (const agent of consoles) assert.deepEqual(agent.serverCloses, [], `the server never closed the ${agent.name} console`);
  assert.ok(long.startsWith('c_'));
  assert.deepEqual(problems, []);
});
