// The supervisors' dashboard in a real browser against the real server. Visitors chat with the
// bot on the demo shop: one is answered, one the bot cannot answer twice and hands to an agent,
// who replies and closes; that visitor rates. A supervisor opens Insights from the console: the
// dashboard shows the figures, the agents' load, the comment and the unanswered group, which the
// supervisor turns into an FAQ entry (an agent without the role sees no editor); a new visitor asking the same question gets the new answer
// at once. Saves docs/images/dashboard.png.
// Needs /usr/bin/chromium and chat-server/target/concierge.jar; either missing is a failure.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { IMAGES, serverAndBrowser, watch } from './server.js';

const UNKNOWN_1 = 'Do you sell parrot food?';
const UNKNOWN_2 = 'Is there parrot food in your shop?';
const NEW_ANSWER = 'Yes! Parrot food is in aisle 7 of every shop.';

async function visitorAsks(browser, problems, name) {
  const page = await (await browser.newContext({ viewport: { width: 1100, height: 800 } })).newPage();
  page.setDefaultTimeout(20_000);
  watch(page, name, problems);
  return page;
}

async function ask(page, base, questions) {
  await page.goto(`${base}demo/`);
  await page.getByRole('button', { name: 'Open chat' }).click();
  const input = page.getByRole('textbox', { name: 'Message' });
  const log = page.getByRole('log', { name: 'Conversation' });
  const answers = [];
  for (const [i, q] of questions.entries()) {
    await input.fill(q);
    await input.press('Enter');
    const bot = log.locator('.msg--bot[data-seq] .bubble').nth(i);
    await bot.waitFor();
    answers.push((await bot.textContent()).trim());
  }
  return answers;
}

test('dashboard shows the figures and turns an unanswered question into an FAQ entry the bot then answers',
  { timeout: 240_000 }, async (t) => {
    const { server, browser, data } = await serverAndBrowser(t, 'concierge-insights-');
    const problems = [];

    // Two visitors on the demo shop: one answered, one the bot cannot help twice.
    const ada = await visitorAsks(browser, problems, 'ada');
    const answered = await ask(ada, server.base, ['Where is my order?']);
    assert.match(answered[0], /order/i);
    const bo = await visitorAsks(browser, problems, 'bo');
    const missed = await ask(bo, server.base, [UNKNOWN_1, UNKNOWN_2]);
    assert.doesNotMatch(missed[0], /aisle 7/);

    // An agent is at work in the console (and takes Bo, whom the bot handed off).
    const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
    const agent = await context.newPage();
    agent.setDefaultTimeout(20_000);
    watch(agent, 'console', problems);
    const signIn = async (page) => {
      await page.goto(`${server.base}console/`);
      await page.getByLabel('Username').fill('demo');
      await page.getByLabel('Password').fill('demo-password');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.locator('#connection[data-state="open"]').waitFor();
    };
    await signIn(agent);
    const reply = agent.getByRole('textbox', { name: 'Reply' });
    await reply.fill('We have no parrot food yet, sorry!');
    await reply.press('Enter');
    await bo.getByRole('log', { name: 'Conversation' }).locator('.msg--agent').filter({ hasText: 'parrot food yet' }).waitFor();
    await agent.getByRole('button', { name: /^Close the conversation/ }).click();
    const rating = bo.getByRole('region', { name: 'Rate this conversation' });
    await rating.waitFor();
    await rating.getByLabel('4 — Good').check();
    await rating.getByRole('textbox', { name: 'Comment (optional)' }).fill('Friendly, but the bot did not know parrots.');
    await rating.getByRole('button', { name: 'Send rating' }).click();
    await rating.getByText('Thanks for your feedback (4/5)!').waitFor();

    // The supervisor opens Insights from the console in another tab.
    const boss = await context.newPage();
    boss.setDefaultTimeout(20_000);
    watch(boss, 'dashboard', problems);
    await signIn(boss);
    await boss.getByRole('link', { name: 'Insights' }).click();
    await boss.waitForURL(/dashboard\.html$/);
    await boss.locator('body[data-loaded="true"]').waitFor();

    // Figures, charts, live load, unanswered group.
    const conversations = boss.locator('.kpi[data-kpi="Conversations"] .kpi-value');
    assert.equal((await conversations.textContent()).trim(), '2');
    assert.match(await boss.locator('.kpi[data-kpi="Deflection rate"] .kpi-value').textContent(), /50 %/);
    assert.ok(await boss.locator('#volume-chart svg rect[data-set="Bot resolved"]').count() >= 1, 'a bar for the bot');
    assert.ok(await boss.locator('#volume-chart svg rect[data-set="Handed off"]').count() >= 1, 'a bar for people');
    await boss.locator('#agents-load tr').filter({ hasText: 'online' }).filter({ hasText: '0 / 5' }).waitFor();
    const group = boss.locator('.group').filter({ hasText: UNKNOWN_1 });
    await group.waitFor();
    assert.equal((await group.locator('.group-count').textContent()).trim(), '2');
    await boss.locator('#comments li').filter({ hasText: 'the bot did not know parrots' }).filter({ hasText: '★★★★☆' }).waitFor();
    assert.match(await boss.locator('.kpi[data-kpi="Satisfaction"] .kpi-value').textContent(), /4 \/ 5/);
    assert.match(await group.locator('.phrasings').textContent(), /Is there parrot food in your shop\?/);
    // No entry is close to parrot food: "Add to entry" preselects none rather than a wild guess.
    const addTo = group.locator('form[data-action="add"]').getByLabel('Add the wordings to entry');
    assert.equal(await addTo.inputValue(), '');
    assert.equal(await addTo.locator('option').first().textContent(), 'Choose an entry…');
    mkdirSync(IMAGES, { recursive: true });
    await boss.screenshot({ path: path.join(IMAGES, 'dashboard.png'), fullPage: true });

    // Sam chats only (no admin or supervisor role): he sees the group but no editor, and the
    // server would refuse his edit with 403.
    const samContext = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
    const sam = await samContext.newPage();
    sam.setDefaultTimeout(20_000);
    watch(sam, 'sam', problems);
    await sam.goto(`${server.base}console/`);
    await sam.getByLabel('Username').fill('sam');
    await sam.getByLabel('Password').fill('sam-password');
    await sam.getByRole('button', { name: 'Sign in' }).click();
    await sam.locator('#connection[data-state="open"]').waitFor();
    await sam.getByRole('link', { name: 'Insights' }).click();
    await sam.locator('body[data-loaded="true"]').waitFor();
    const samGroup = sam.locator('.group').filter({ hasText: UNKNOWN_1 });
    await samGroup.locator('.group-readonly').filter({ hasText: 'admin or supervisor role' }).waitFor();
    assert.equal(await samGroup.locator('form').count(), 0);
    await samContext.close();

    // The group becomes an FAQ entry.
    const create = group.locator('form[data-action="create"]');
    await create.getByLabel('New entry id').fill('parrot-food');
    await create.getByLabel('Answer').fill(NEW_ANSWER);
    await create.getByRole('button', { name: 'Create entry' }).click();
    await boss.locator('#toast').filter({ hasText: 'parrot-food' }).waitFor();
    await boss.locator('.group').filter({ hasText: UNKNOWN_1 }).locator('.group-fixed').filter({ hasText: 'parrot-food' }).waitFor();
    const faq = JSON.parse(readFileSync(path.join(data.path, 'sample-faq.json'), 'utf8'));
    const entry = faq.entries.find((e) => e.id === 'parrot-food');
    assert.deepEqual([...entry.questions].sort(), [UNKNOWN_1, UNKNOWN_2].sort());

    // A new visitor asks again and the bot answers with the new entry.
    const eve = await visitorAsks(browser, problems, 'eve');
    const now = await ask(eve, server.base, [UNKNOWN_1]);
    assert.equal(now[0], NEW_ANSWER);

    assert.deepEqual(problems, []);
  });
