// Hostile text everywhere a visitor or an FAQ author can put it — the visitor's name and
// attributes, a chat message, an FAQ answer (with a javascript: link) — rendered in the real
// widget and the real agent console: shown as text, no element created from it, no script run.
// Needs /usr/bin/chromium and chat-server/target/concierge.jar (see e2e.browser.test.js).
/* global window -- the callbacks given to page.evaluate and page.waitForFunction run in the page */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT, serverAndBrowser, startPageServer, watch, signInConsole, takeFirstChat } from './server.js';

const XSS = '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>';
const ANSWER = `Our policy: ${XSS} — see javascript:window.__xss=3 or <a href="javascript:window.__xss=4">here</a>.`;
const QUESTION = 'What is the hostile markup policy?';

test('hostile text is rendered as text in the widget and in the console', { timeout: 180_000 }, async (t) => {
  const { server, browser } = await serverAndBrowser(t, 'concierge-xss-', {
    prepare(dataPath) {
      const faq = JSON.parse(readFileSync(path.join(REPO_ROOT, 'examples', 'faq', 'shop-faq.json'), 'utf8'));
      faq.entries.push({
        id: 'hostile-policy',
        questions: [QUESTION, 'Tell me the hostile markup policy', 'hostile markup policy please', 'markup policy for hostile pages'],
        answer: ANSWER,
      });
      const faqFile = path.join(dataPath, 'hostile-faq.json');
      writeFileSync(faqFile, JSON.stringify(faq));
      return ['--faq', faqFile];
    },
  });
  const site = await startPageServer();
  t.after(() => site.close());
  const problems = [];

  // The agent is online first so the conversation comes straight to them.
  const agent = await signInConsole(browser, server.base, 'demo', 'demo-password', problems);

  const inline = (value) => JSON.stringify(value).replace(/</g, '\\u003c');
  const visitor = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
  visitor.setDefaultTimeout(20_000);
  watch(visitor, 'widget', problems);
  await visitor.goto(site.page('xss', `<script src="${server.base}concierge.js" async></script><script>
    window.addEventListener('concierge:loaded', function () {
      Concierge.init({ site: 'demo', open: true, visitor: { name: ${inline(XSS)} }, attributes: { plan: ${inline(XSS)} } });
    });
  </script>`));
  const input = visitor.getByRole('textbox', { name: 'Message' });
  const log = visitor.getByRole('log', { name: 'Conversation' });
  await input.fill(QUESTION);
  await input.press('Enter');
  const answer = log.locator('.msg--bot[data-seq]').first();
  await answer.waitFor();
  const answerText = await answer.textContent();
  assert.ok(answerText.includes(XSS), `the FAQ answer is shown as text: ${answerText}`);
  assert.equal(await log.locator('img, script, a[href^="javascript"]').count(), 0, 'no element made from the answer');
  await input.fill(XSS);
  await input.press('Enter');
  await log.locator('.msg--mine[data-seq]').filter({ hasText: XSS }).waitFor();
  const asked = Date.now();
  await visitor.getByRole('button', { name: 'Talk to a human' }).click();

  // The console: the conversation with the hostile name, attributes, message and bot answer.
  await agent.locator('[role="tab"], .queue-card').first().waitFor();
  // Handoff latency as an agent sees it: "Talk to a human" clicked until the chat is on the
  // console's screen (both pages in this Chromium; includes Playwright's polling).
  console.log(`handoff to the console's screen: ${Date.now() - asked} ms`);
  await takeFirstChat(agent);
  const transcript = agent.locator('#transcript');
  await transcript.locator('.turn--visitor').filter({ hasText: XSS }).last().waitFor();
  await transcript.locator('.turn--visitor[data-seq="3"]').waitFor(); // the hostile message itself
  assert.ok((await transcript.textContent()).includes(XSS), 'the bot answer and message show as text in the console');
  const panelText = await agent.locator('body').textContent();
  assert.ok(panelText.split(XSS).length - 1 >= 3, 'name, attribute and message all show literally in the console');
  assert.equal(await agent.locator('#transcript img, #transcript script, a[href^="javascript"], aside img').count(), 0);

  // Both pages show the hostile message, so they have rendered everything hostile. As text: no
  // element exists whose onerror could still fire, and an inserted <script> would have run.
  assert.equal(await visitor.locator('[onerror], img[src="x"]').count(), 0, 'no hostile element in the widget page');
  assert.equal(await agent.locator('[onerror], img[src="x"]').count(), 0, 'no hostile element in the console');
  assert.equal(await visitor.evaluate(() => window.__xss), undefined, 'no script ran in the widget page');
  assert.equal(await agent.evaluate(() => window.__xss), undefined, 'no script ran in the console');

  // Signing out ends the session on the server too: the old token no longer works.
  const token = await agent.evaluate(() => {
    for (let i = 0; i < sessionStorage.length; i += 1) {
      const value = sessionStorage.getItem(sessionStorage.key(i));
      if (value && value.includes('"token"')) return JSON.parse(value).token;
    }
    return null;
  });
  assert.ok(token, 'the console keeps its session token in sessionStorage');
  const before = await fetch(`${server.base}api/conversations?q=policy`, { headers: { Authorization: `Bearer ${token}` } });
  assert.equal(before.status, 200);
  await agent.getByRole('button', { name: 'Sign out' }).click();
  await agent.getByLabel('Username').waitFor();
  let after = 200;
  for (let i = 0; i < 50 && after !== 401; i += 1) {
    after = (await fetch(`${server.base}api/conversations?q=policy`, { headers: { Authorization: `Bearer ${token}` } })).status;
    if (after !== 401) await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.equal(after, 401, 'the token is revoked by sign-out');
  assert.deepEqual(problems, []);
});
