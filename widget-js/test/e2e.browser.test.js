// End to end in a real browser against the real server: a visitor on the demo shop asks the
// bot, asks for a human, an agent accepts in the console and replies, the visitor sees it.
// Needs /usr/bin/chromium (apt-get install -y chromium) and chat-server/target/concierge.jar
// (mvn -B install -DskipTests from the repo root). Either missing is a failure, never a skip.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { IMAGES, serverAndBrowser, watch } from './server.js';

const QUESTION = 'Where is my order?';
const REPLY = "Hi, I'm Dana — I can help with that.";
const WHILE_AWAY = 'Is anyone still there?';
const FROM_API = 'Your parcel left our warehouse today.';
const ADMIN_TOKEN = 'e2e-admin-token-0123456789';

test('visitor asks the bot, asks for a human; the agent accepts and replies', { timeout: 180_000 }, async (t) => {
  const { server, browser } = await serverAndBrowser(t, 'concierge-e2e-', {
    prepare: (dir) => {
      writeFileSync(path.join(dir, 'admin-token'), ADMIN_TOKEN, { mode: 0o600 });
      return ['--admin-token-file', path.join(dir, 'admin-token')];
    },
  });
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
  // The agent's socket goes through a route, so the test can drop it from the server side.
  const agentSockets = [];
  let onAgentSocket = () => {};
  await agent.routeWebSocket(/\/ws\/agent$/, (page) => {
    agentSockets.push({ page, server: page.connectToServer() });
    onAgentSocket();
  });
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

  // A message posted through the REST API reaches both, marked "via API".
  const api = (url, init = {}) => fetch(new URL(url, server.base), {
    ...init, headers: { Authorization: `Bearer ${ADMIN_TOKEN}`, 'Content-Type': 'application/json' },
  });
  const listed = await (await api('api/v1/conversations?state=assigned')).json();
  assert.equal(listed.items.length, 1, 'the REST API lists the assigned conversation');
  const posted = await api(`api/v1/conversations/${listed.items[0].id}/messages`, { method: 'POST', body: JSON.stringify({ text: FROM_API }) });
  assert.equal(posted.status, 201);
  assert.equal(await log.locator('.msg--agent').filter({ hasText: FROM_API }).locator('.via').textContent(), 'via API');
  assert.equal(await transcript.locator('.turn--agent').filter({ hasText: FROM_API }).locator('.pill--via').textContent(), 'via API');

  // The agent downloads the transcript: a text file with the whole conversation.
  const [download] = await Promise.all([
    agent.waitForEvent('download'),
    agent.getByRole('button', { name: /^Download the transcript/ }).click(),
  ]);
  assert.match(download.suggestedFilename(), /^conversation-.+\.txt$/);
  const saved = readFileSync(await download.path(), 'utf8');
  assert.ok(saved.includes(QUESTION), `the file holds the question:\n${saved}`);
  assert.ok(saved.includes(REPLY), `and the reply:\n${saved}`);
  await agent.locator('#toast').filter({ hasText: download.suggestedFilename() }).waitFor();

  // The agent's socket drops. The console reconnects by itself, keeps the chat open, and
  // merges what it missed (the package sent again, then history) without doubling a line.
  const dropped = agentSockets.at(-1);
  const reconnected = new Promise((resolve) => { onAgentSocket = resolve; });
  dropped.server.close({ code: 1001, reason: 'going away' });
  dropped.page.close({ code: 1001, reason: 'going away' });
  await input.fill(WHILE_AWAY);
  await input.press('Enter');
  await reconnected;
  await agent.locator('#connection[data-state="open"]').waitFor();
  await transcript.locator('.turn--visitor[data-seq]').filter({ hasText: WHILE_AWAY }).waitFor();
  const seqs = await transcript.locator('[data-seq]').evaluateAll((turns) => turns.map((turn) => Number(turn.dataset.seq)));
  assert.deepEqual(seqs, seqs.map((_, i) => i + 1), 'every line once, in order, after the reconnect');
  assert.equal(await transcript.locator('.turn--agent').filter({ hasText: REPLY }).count(), 1, 'the reply once');
  assert.equal(await agent.getByRole('tab').count(), 1, 'the chat tab stayed');

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

  // A returning visitor sees their history: after a reload the closed conversation is listed
  // (its first line and rating) and opens read-only, by keyboard, then back to the current one.
  await visitor.reload();
  await log.locator('.msg--mine[data-seq="1"]').filter({ hasText: 'How do I return an item?' }).waitFor();
  const stored = () => visitor.evaluate(() => JSON.parse(localStorage.getItem('concierge.conversation.demo')));
  const current = await stored();
  const earlierToggle = visitor.getByRole('button', { name: 'Earlier conversations (1)' });
  await earlierToggle.waitFor();
  assert.equal(await earlierToggle.getAttribute('aria-expanded'), 'false');
  await earlierToggle.focus();
  await visitor.keyboard.press('Enter');
  assert.equal(await earlierToggle.getAttribute('aria-expanded'), 'true');
  const earlierItem = visitor.locator('.earlier-item');
  assert.equal(await earlierItem.count(), 1, 'only the closed conversation is listed');
  assert.equal((await earlierItem.locator('.earlier-line').textContent()).trim(), QUESTION, 'listed by its first line');
  assert.equal((await earlierItem.locator('.earlier-stars').textContent()).trim(), '★★★★★', 'with its rating');
  await earlierItem.focus();
  await visitor.keyboard.press('Enter');
  const earlierLog = visitor.getByRole('log', { name: 'Earlier transcript' });
  await earlierLog.locator('.msg--mine').first().filter({ hasText: QUESTION }).waitFor();
  await earlierLog.locator('.msg--agent').filter({ hasText: REPLY }).waitFor();
  assert.equal(await earlierLog.locator('.msg--mine').filter({ hasText: QUESTION }).count(), 1, 'its first message once');
  await input.waitFor({ state: 'hidden' });
  assert.equal(await log.isVisible(), false, 'the current conversation is out of sight meanwhile');
  await visitor.getByRole('button', { name: 'Back to the current conversation' }).click();
  await log.locator('.msg--mine[data-seq="1"]').filter({ hasText: 'How do I return an item?' }).waitFor();
  await input.waitFor();
  assert.equal(await log.locator('.msg--mine').filter({ hasText: QUESTION }).count(), 0, 'the current conversation is untouched');
  assert.deepEqual(await stored(), current, 'the current conversation is still the one remembered');

  assert.deepEqual([...problems], [], 'no script errors or failed requests in the pages');
});
