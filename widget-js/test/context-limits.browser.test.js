// The widget clips the visitor's context to the server's limits (docs/protocol.md, "Limits of the
// visitor's context"): a page with a very long URL and title, and a site that sets attributes
// the server cannot take, still chats. Needs /usr/bin/chromium and chat-server/target/concierge.jar.
/* global window, Concierge -- the callbacks given to page.evaluate and page.waitForFunction run in the page */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { serverAndBrowser, startPageServer, watch } from './server.js';

test('a long URL and title and odd attributes never make the widget fail', { timeout: 180_000 }, async (t) => {
  const { server, browser } = await serverAndBrowser(t, 'concierge-context-');
  const site = await startPageServer();
  t.after(() => site.close());
  const problems = [];
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  page.setDefaultTimeout(30_000);
  watch(page, 'context', problems);
  const sent = [];
  const received = [];
  page.on('websocket', (socket) => {
    socket.on('framesent', (frame) => sent.push(JSON.parse(String(frame.payload))));
    socket.on('framereceived', (frame) => received.push(JSON.parse(String(frame.payload))));
  });
  const url = site.page('long', `<script>
      document.title = 'A title ' + 'T'.repeat(400);
      window.Concierge = window.Concierge || function () { (window.Concierge.q = window.Concierge.q || []).push(arguments); };
      Concierge('init', { site: 'demo', visitor: { name: 'N'.repeat(200) }, attributes: { plan: 'gold' } });
    </script><script src="${server.base}concierge.js" async></script>`) + '?q=' + 'x'.repeat(5000);
  await page.goto(url);
  await page.waitForFunction(() => window.Concierge.ready === true);
  await page.evaluate(() => Concierge.open());
  await page.getByRole('dialog').waitFor();
  await page.evaluate(() => Concierge.send('Where is my order?'));
  await page.locator('.msg--bot[data-seq]').first().waitFor();

  // 50 more attributes: the widget sends what fits in the server's 50, the server takes all it sends.
  await page.evaluate(() => {
    const many = {};
    for (let i = 0; i < 50; i++) many[`k${i}`] = String(i);
    Concierge.setAttributes(many);
  });
  assert.match(await page.evaluate(() => { try { Concierge.setAttributes({ 'bad key': 'x' }); } catch (e) { return e.message; } return ''; }),
    /must be 1 to 64 of the characters/);
  await page.evaluate(() => Concierge.send('How do I return an item?'));
  await page.locator('.msg--bot[data-seq]').nth(1).waitFor();

  const hello = sent.find((f) => f.type === 'hello');
  assert.equal(hello.context.page.url.length, 2048);
  assert.equal(hello.context.page.title.length, 300);
  assert.equal(hello.context.name.length, 200);
  assert.equal(hello.context.attributes.plan, 'gold');
  const update = sent.find((f) => f.type === 'context');
  assert.ok(update, 'the new attributes were sent');
  assert.equal(Object.keys(update.context.attributes).length, 49, 'plan and 49 more: 50');
  assert.equal(sent.filter((f) => f.type === 'context').length, 1, 'the refused key was never sent');
  assert.ok(received.some((f) => f.type === 'ack' && f.ref === update.id), 'the context frame was acknowledged');
  assert.deepEqual(received.filter((f) => f.type === 'error'), [], 'no frame was refused');
  assert.deepEqual(problems, []);
  await context.close();
});
