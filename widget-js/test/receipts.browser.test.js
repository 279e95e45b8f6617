// Delivered/read marks and typing indicators both ways, in the real widget and the real console:
// the visitor's message shows "Read" once the agent has the chat on screen; the agent's message
// shows "Delivered" when it reached the widget and "Read" once the visitor's panel is open.
// Needs /usr/bin/chromium and chat-server/target/concierge.jar (see e2e.browser.test.js).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { serverAndBrowser, watch, signInConsole, takeFirstChat } from './server.js';

test('delivered and read marks and typing travel both ways', { timeout: 180_000 }, async (t) => {
  const { server, browser } = await serverAndBrowser(t, 'concierge-receipts-');
  const problems = [];

  const agent = await signInConsole(browser, server.base, 'demo', 'demo-password', problems);

  const visitor = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
  visitor.setDefaultTimeout(20_000);
  watch(visitor, 'widget', problems);
  await visitor.goto(`${server.base}demo/`);
  await visitor.getByRole('button', { name: 'Open chat' }).click();
  await visitor.getByRole('button', { name: 'Talk to a human' }).click();
  await takeFirstChat(agent);
  await agent.getByRole('tab').first().click();

  // Visitor → agent: the console has the chat in view, so the visitor's line becomes "Read".
  const input = visitor.getByRole('textbox', { name: 'Message' });
  await input.fill('Is anyone there?');
  await input.press('Enter');
  const mine = visitor.locator('.msg--mine[data-seq]').filter({ hasText: 'Is anyone there?' });
  await mine.waitFor();
  await visitor.locator('.msg--mine[data-receipt="read"]').filter({ hasText: 'Is anyone there?' }).waitFor();
  assert.match(await mine.locator('.receipt').textContent(), /Read/);

  // Typing, agent → visitor.
  const composer = agent.getByRole('textbox', { name: /message|reply/i }).first();
  await composer.pressSequentially('Yes, hel', { delay: 30 });
  await visitor.getByText(/typing/i).first().waitFor();

  // Agent → visitor with the panel closed: delivered, not read; opening the panel reads it.
  await visitor.getByRole('button', { name: /Close chat|Minimi[sz]e/i }).first().click();
  await composer.fill('Yes, hello! How can I help?');
  await composer.press('Enter');
  const reply = agent.locator('#transcript .turn--agent[data-seq]').filter({ hasText: 'How can I help?' });
  await reply.locator('.receipt', { hasText: 'Delivered' }).waitFor();
  await visitor.getByRole('button', { name: /Open chat/ }).click();
  await reply.locator('.receipt', { hasText: 'Read' }).waitFor();
  assert.deepEqual(problems, []);
});
