// Routing as agents and visitors see it, in a real browser against the real server started with
// one chat per agent: Dana signs in "away" and is given nothing until she goes online; the
// visitor's "did you mean" buttons stop working once the conversation leaves the bot; the
// console names the FAQ entry the bot answered with by its question; a transfer to Sam, who is
// full, is refused until Dana confirms it, and Dana's freed slot goes to the next visitor.
// Needs /usr/bin/chromium and chat-server/target/concierge.jar (see e2e.browser.test.js).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { serverAndBrowser, signInConsole, watch } from './server.js';

const UNSURE = 'return money'; // the demo FAQ is not sure: three suggestions
const ANSWERED = 'Where is my order?';

async function openWidget(browser, base, problems, name) {
  const page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
  page.setDefaultTimeout(20_000);
  watch(page, name, problems);
  await page.goto(`${base}demo/`);
  await page.getByRole('button', { name: 'Open chat' }).click();
  return page;
}

async function ask(page, text) {
  const input = page.getByRole('textbox', { name: 'Message' });
  await input.fill(text);
  await input.press('Enter');
  await page.getByRole('log', { name: 'Conversation' }).locator('.msg--mine[data-seq]').filter({ hasText: text }).waitFor();
}

test('sign in away, suggestions off after the handoff, FAQ titles, and a transfer to a full agent', { timeout: 240_000 }, async (t) => {
  const { server, browser } = await serverAndBrowser(t, 'concierge-routing-', { prepare: () => ['--max-chats', '1'] });
  const problems = [];

  // The visitor asks something the bot is unsure of (suggestions), then something it answers.
  const ada = await openWidget(browser, server.base, problems, 'widget ada');
  const log = ada.getByRole('log', { name: 'Conversation' });
  await ask(ada, UNSURE);
  const suggestions = log.locator('button.suggestion');
  await suggestions.first().waitFor();
  assert.equal(await suggestions.first().isEnabled(), true, 'while the bot has the conversation, a suggestion can be clicked');
  await ask(ada, ANSWERED);
  await log.locator('.msg--bot[data-seq]').nth(1).waitFor();

  // Dana signs in "away": the visitor who asks for a person waits in her queue.
  const dana = await (await browser.newContext({ viewport: { width: 1440, height: 900 } })).newPage();
  dana.setDefaultTimeout(20_000);
  watch(dana, 'console demo', problems);
  await dana.goto(`${server.base}console/`);
  await dana.getByLabel('Username').fill('demo');
  await dana.getByLabel('Password').fill('demo-password');
  await dana.getByRole('checkbox', { name: /Appear away/ }).check();
  await dana.getByRole('button', { name: 'Sign in' }).click();
  await dana.locator('#connection[data-state="open"]').waitFor();
  await dana.locator('#presence[data-presence="away"]').waitFor();
  await ada.getByRole('button', { name: 'Talk to a human' }).click();
  await dana.locator('.queue-card').filter({ hasText: ANSWERED }).waitFor();
  assert.equal(await dana.getByRole('tab').count(), 0, 'nothing is assigned to an agent who signed in away');

  // Left the bot: every "did you mean" button is disabled.
  await ada.locator('.banner').filter({ hasText: /queue|person/ }).waitFor();
  const states = await suggestions.evaluateAll((buttons) => buttons.map((b) => b.disabled));
  assert.ok(states.length > 0 && states.every(Boolean), `suggestions disabled once queued: ${states}`);

  // Dana goes online: she gets the conversation, with the FAQ entry named by its question.
  await dana.getByRole('switch').click();
  await dana.locator('#presence[data-presence="online"]').waitFor();
  await dana.getByRole('tab').first().waitFor();
  const badge = dana.locator('#transcript .turn--bot .badge').filter({ hasText: /^FAQ / }).first();
  await badge.waitFor();
  assert.match(await badge.textContent(), /^FAQ order-status “Where is my order\?” · \d\.\d\d$/);
  await ada.locator('.system--joined').waitFor();
  assert.equal(await suggestions.evaluateAll((buttons) => buttons.every((b) => b.disabled)), true, 'still disabled with a person');

  // Sam comes online and takes the next visitor: he is full (1 of 1). A third visitor waits.
  const sam = await signInConsole(browser, server.base, 'sam', 'sam-password', problems);
  const bo = await openWidget(browser, server.base, problems, 'widget bo');
  await ask(bo, 'Second visitor here');
  await bo.getByRole('button', { name: 'Talk to a human' }).click();
  await sam.getByRole('tab').first().waitFor();
  const cy = await openWidget(browser, server.base, problems, 'widget cy');
  await ask(cy, 'Third visitor here');
  await cy.getByRole('button', { name: 'Talk to a human' }).click();
  await dana.locator('.queue-card').filter({ hasText: 'Third visitor here' }).waitFor();

  // Dana transfers Ada's chat to Sam: refused (he is full), then confirmed with "Transfer anyway".
  await dana.getByRole('button', { name: /^Transfer the conversation/ }).click();
  const dialog = dana.locator('#transfer-dialog');
  const samOption = dialog.locator('option[value="agent:sam"]');
  await samOption.waitFor({ state: 'attached' });
  assert.match(await samOption.textContent(), /1\/1 chats, full/);
  await dialog.getByLabel('Transfer to').selectOption('agent:sam');
  await dialog.getByLabel(/^Note for the next agent/).fill('Wants to know where the order is.');
  await dialog.getByRole('button', { name: 'Transfer', exact: true }).click();
  await dialog.locator('#transfer-error').filter({ hasText: /as many chats as allowed/ }).waitFor();
  assert.equal(await sam.getByRole('tab').count(), 1, 'refused: Sam still has one chat');
  await dialog.getByRole('button', { name: 'Transfer anyway' }).click();
  await sam.getByRole('tab').nth(1).waitFor();

  // Dana's freed slot goes to the waiting visitor at once.
  await cy.locator('.system--joined').filter({ hasText: 'Dana Demo' }).waitFor();
  await dana.getByRole('tab').nth(1).waitFor(); // Ada's tab stays, read-only; the third visitor's beside it
  await dana.locator('.queue-card').filter({ hasText: 'Third visitor here' }).waitFor({ state: 'detached' });
  assert.deepEqual(problems, []);
});
