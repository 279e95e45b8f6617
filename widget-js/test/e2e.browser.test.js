// End to end in a real browser against the real server: a visitor on the demo shop asks the
// bot, asks for a human, an agent accepts in the console and replies, the visitor sees it.
// Needs /usr/bin/chromium (apt-get install -y chromium) and chat-server/target/concierge.jar
// (mvn -B install -DskipTests from the repo root). Either missing is a failure, never a skip.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const JAR = path.join(REPO_ROOT, 'chat-server', 'target', 'concierge.jar');
const IMAGES = path.join(REPO_ROOT, 'docs', 'images');
const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const STARTUP_TIMEOUT_MS = 60_000;
const QUESTION = 'Where is my order?';
const REPLY = "Hi, I'm Dana — I can help with that.";

/** Starts `concierge.jar serve --port 0` and resolves with its base URL and a stop function. */
async function startServer() {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'concierge-e2e-'));
  const child = spawn('java', ['-jar', JAR, 'serve', '--port', '0', '--data', dataDir], {
    cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = [];
  createInterface({ input: child.stderr }).on('line', (line) => output.push(line));
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const base = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start in ${STARTUP_TIMEOUT_MS} ms:\n${output.join('\n')}`)), STARTUP_TIMEOUT_MS);
    createInterface({ input: child.stdout }).on('line', (line) => {
      output.push(line);
      const match = /http:\/\/127\.0\.0\.1:(\d+)\//.exec(line);
      if (match) {
        clearTimeout(timer);
        resolve(`http://127.0.0.1:${match[1]}/`);
      }
    });
    exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`server exited (code ${code}, signal ${signal}) before it was ready:\n${output.join('\n')}`));
    });
  });
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dataDir, { recursive: true, force: true });
  };
  return { base, stop, output };
}

/** Collects what goes wrong inside a page, to fail with it rather than time out blind. */
function watch(page, name, problems) {
  page.on('pageerror', (error) => problems.push(`${name}: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) {
      problems.push(`${name} console: ${message.text()}`);
    }
  });
  page.on('response', (response) => {
    if (response.status() >= 400) problems.push(`${name}: HTTP ${response.status()} for ${response.url()}`);
  });
}

test('visitor asks the bot, asks for a human; the agent accepts and replies', { timeout: 180_000 }, async (t) => {
  assert.ok(existsSync(CHROMIUM),
    `${CHROMIUM} is missing: install it with "apt-get install -y chromium" (this test never skips).`);
  assert.ok(existsSync(JAR),
    `${JAR} is missing: build it from the repo root with "mvn -B install -DskipTests".`);

  const server = await startServer();
  t.after(server.stop);
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  t.after(() => browser.close());
  const problems = [];

  // The visitor, on the demo shop.
  const visitor = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
  visitor.setDefaultTimeout(20_000);
  watch(visitor, 'widget', problems);
  const sockets = [];
  visitor.on('websocket', (socket) => sockets.push(socket.url()));
  await visitor.goto(`${server.base}demo/`);
  const launcher = visitor.getByRole('button', { name: 'Open chat' });
  await launcher.waitFor();
  assert.deepEqual(sockets, [], 'no socket before the visitor opens the chat');
  await launcher.click();
  const input = visitor.getByRole('textbox', { name: 'Message' });
  await input.fill(QUESTION);
  await input.press('Enter');
  const log = visitor.getByRole('log', { name: 'Conversation' });
  const asked = log.locator('.msg--mine[data-seq]').filter({ hasText: QUESTION });
  await asked.waitFor();
  const botAnswer = log.locator('.msg--bot[data-seq] .bubble').first();
  await botAnswer.waitFor();
  const botText = (await botAnswer.textContent()).trim();
  assert.ok(botText.length > 0, 'the bot answered with some text');

  // The agent signs in and goes away, so the visitor's request stays in the queue.
  const agent = await (await browser.newContext({ viewport: { width: 1440, height: 900 } })).newPage();
  agent.setDefaultTimeout(20_000);
  watch(agent, 'console', problems);
  await agent.goto(`${server.base}console/`);
  await agent.getByLabel('Username').fill('demo');
  await agent.getByLabel('Password').fill('demo-password');
  await agent.getByRole('button', { name: 'Sign in' }).click();
  await agent.locator('#connection[data-state="open"]').waitFor();
  await agent.locator('#presence[data-presence="online"]').waitFor();
  await agent.getByRole('switch').click();
  await agent.locator('#presence[data-presence="away"]').waitFor();

  // The visitor asks for a person and is queued.
  await visitor.getByRole('button', { name: 'Talk to a human' }).click();
  await visitor.locator('.banner').filter({ hasText: /queue|person/ }).waitFor();

  // The agent sees the queued conversation, opens its details and accepts it.
  const card = agent.locator('.queue-card').filter({ hasText: QUESTION });
  await card.waitFor();
  await card.locator('.disclosure').click();
  await card.locator('.queue-details').waitFor();
  await card.getByRole('button', { name: /^Accept conversation/ }).click();
  await card.waitFor({ state: 'detached' });

  // The transcript came with the handoff: the visitor's question and the bot's answer.
  const transcript = agent.locator('#transcript');
  await transcript.locator('.turn--visitor').filter({ hasText: QUESTION }).waitFor();
  await transcript.locator('.turn--bot .bubble').filter({ hasText: botText.slice(0, 40) }).first().waitFor();
  await transcript.locator('.turn--bot .badge').first().waitFor();
  assert.equal(await transcript.locator('.turn--visitor').filter({ hasText: QUESTION }).count(), 1, 'the question appears once');
  await agent.locator('#visitor').getByText('Asked for a human').waitFor();
  await agent.locator('#visitor').getByText('Northwind Goods', { exact: false }).first().waitFor();

  // The agent replies; the visitor sees them typing, then the reply.
  const agentName = (await agent.locator('#agent-name').textContent()).trim();
  assert.ok(agentName.length > 0, 'the console shows the agent name');
  await visitor.locator('.subtitle').filter({ hasText: agentName }).waitFor();
  const reply = agent.getByRole('textbox', { name: 'Reply' });
  await reply.pressSequentially('Hi');
  await visitor.locator('.typing').filter({ hasText: 'is typing' }).waitFor();
  await reply.fill(REPLY);
  await reply.press('Enter');
  await transcript.locator('.turn--agent[data-seq]').filter({ hasText: REPLY }).waitFor();
  await log.locator('.msg--agent').filter({ hasText: REPLY }).waitFor();
  assert.equal(await log.locator('.msg--mine').filter({ hasText: QUESTION }).count(), 1, 'the visitor sees the question once');
  assert.equal(await log.locator('.msg--agent').filter({ hasText: REPLY }).count(), 1, 'and the reply once');

  mkdirSync(IMAGES, { recursive: true });
  await visitor.locator('.typing').waitFor({ state: 'hidden' });
  await visitor.screenshot({ path: path.join(IMAGES, 'widget.png') });
  await agent.screenshot({ path: path.join(IMAGES, 'console.png') });

  // A reload continues the same conversation, its history shown once.
  await visitor.reload();
  await log.locator('.msg--agent').filter({ hasText: REPLY }).waitFor();
  assert.equal(await log.locator('.msg--mine').filter({ hasText: QUESTION }).count(), 1, 'after a reload: the question once');
  assert.equal(await log.locator('.msg--agent').filter({ hasText: REPLY }).count(), 1, 'after a reload: the reply once');

  // The agent closes; the visitor is asked for a rating and gives one.
  await agent.getByRole('button', { name: /^Close the conversation/ }).click();
  await agent.getByRole('button', { name: /^Remove the closed chat/ }).waitFor();
  const rating = visitor.getByRole('region', { name: 'Rate this conversation' });
  await rating.waitFor();
  await rating.getByLabel('5 — Excellent').check();
  await rating.getByRole('textbox', { name: 'Comment (optional)' }).fill('Quick and friendly, thanks!');
  await rating.getByRole('button', { name: 'Send rating' }).click();
  await rating.getByText('Thanks for your feedback (5/5)!').waitFor();
  await log.getByText('You rated this conversation 5/5.').waitFor();

  // Writing again starts a new conversation with the bot, below a divider.
  await input.fill('How do I return an item?');
  await input.press('Enter');
  await log.locator('.divider').waitFor();
  await log.locator('.divider ~ .msg--mine[data-seq="1"]').filter({ hasText: 'How do I return an item?' }).waitFor();
  await log.locator('.divider ~ .msg--bot[data-seq="2"]').waitFor();
  await rating.waitFor({ state: 'hidden' });

  assert.deepEqual([...problems], [], 'no script errors or failed requests in the pages');
});
