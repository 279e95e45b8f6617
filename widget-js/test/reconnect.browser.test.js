// Nothing lost, in a real browser: the server process is killed (SIGKILL) under a visitor who
// keeps typing, and comes back on the same port and data directory. The widget reconnects by
// itself, delivers what was typed offline once, and shows every line of the conversation
// exactly once — live, after a reload, on another page of the site and in a second tab. Then
// the server comes back without its data, and the widget says the conversation is gone.
// Needs /usr/bin/chromium and chat-server/target/concierge.jar, like e2e.browser.test.js.
/* global document -- the callbacks given to page.evaluate and page.waitForFunction run in the page */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { assertPrerequisites, dataDirectory, launchBrowser, startServer, watch } from './server.js';

const ASKED = 'How do I return an item?';
const OFFLINE = 'When will I get my refund?';
const SECOND_TAB = 'Which payment methods do you accept?';
const AFTER_LOSS = 'How much does shipping cost?';
const LOST = 'Your earlier conversation is no longer available';
const RECONNECT_TIMEOUT_MS = 90_000; // a server start (~10–20 s) plus the widget's backoff
/** The browser logs each refused reconnect attempt while the server is down. */
const EXPECTED_CONSOLE = /WebSocket connection to '.*\/ws\/visitor' failed/;

test('the widget survives a server crash: reconnects, delivers what was typed offline, shows everything once', { timeout: 240_000 }, async (t) => {
  assertPrerequisites();
  const data = dataDirectory('concierge-reconnect-');
  const emptyData = dataDirectory('concierge-reconnect-empty-');
  let server = null;
  t.after(async () => {
    await server?.stop();
    data.remove();
    emptyData.remove();
  });
  server = await startServer({ dataDir: data.path });
  const { base, port } = server;
  const browser = await launchBrowser();
  t.after(() => browser.close());
  const problems = [];
  // One context: its tabs share localStorage (the visitor token), as tabs of one browser do.
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });

  const tab = await context.newPage();
  tab.setDefaultTimeout(20_000);
  watch(tab, 'tab 1', problems, { expected: EXPECTED_CONSOLE });
  await tab.goto(`${base}demo/`);
  await tab.getByRole('button', { name: 'Open chat' }).click();
  const log = tab.getByRole('log', { name: 'Conversation' });
  await send(tab, ASKED);
  await log.locator('.msg--mine[data-seq="1"]').filter({ hasText: ASKED }).waitFor();
  const botAnswer = log.locator('.msg--bot[data-seq="2"] .bubble');
  await botAnswer.waitFor();
  const botText = (await botAnswer.textContent()).trim();

  // The server dies; the socket drops from its side.
  await server.kill();
  await tab.locator('.dot[data-state="reconnecting"]').waitFor();

  // Typed while the server is down: shown at once as sending, kept in the outbox.
  await send(tab, OFFLINE);
  const pending = log.locator('.msg--pending').filter({ hasText: OFFLINE });
  await pending.getByText('Sending…').waitFor();
  const outbox = await tab.evaluate(() => JSON.parse(sessionStorage.getItem('concierge.outbox.demo')));
  assert.deepEqual(outbox.map((frame) => [frame.type, frame.text]), [['message', OFFLINE]]);

  // Back on the same port and data directory; the widget finds it by itself.
  server = await startServer({ dataDir: data.path, port });
  await tab.locator('.dot[data-state="open"]').waitFor({ timeout: RECONNECT_TIMEOUT_MS });
  await log.locator('.msg--mine[data-seq="3"]').filter({ hasText: OFFLINE }).waitFor();
  await log.locator('.msg--bot[data-seq="4"]').waitFor();
  assert.equal(await log.locator('.msg--pending').count(), 0, 'nothing is left sending');
  assert.equal(await tab.evaluate(() => sessionStorage.getItem('concierge.outbox.demo')), null, 'the outbox is empty: acknowledged');
  assert.equal(await log.locator('.msg--mine').filter({ hasText: OFFLINE }).count(), 1, 'the offline message is shown once');
  assert.equal(await log.locator('.msg--bot .bubble').filter({ hasText: botText }).count(), 1, 'the earlier bot answer is shown once');
  const transcript = await fetchTranscript(tab, 'json');
  assert.deepEqual(transcript.events.map((e) => e.seq), [1, 2, 3, 4], 'the server stored each message once');
  await assertShownOnce(tab, transcript.events, 'after the restart');

  // A reload, and another page of the shop, continue the same conversation, each line once.
  await tab.reload();
  await assertShownOnce(tab, transcript.events, 'after a reload');
  await tab.getByRole('link', { name: 'Orders' }).click();
  await tab.waitForURL(/orders\.html$/);
  await assertShownOnce(tab, transcript.events, 'on the orders page');

  // A second tab shows the same conversation; what it sends reaches both tabs.
  const tab2 = await context.newPage();
  tab2.setDefaultTimeout(20_000);
  watch(tab2, 'tab 2', problems, { expected: EXPECTED_CONSOLE });
  await tab2.goto(`${base}demo/`);
  await tab2.getByRole('button', { name: 'Open chat' }).click();
  await assertShownOnce(tab2, transcript.events, 'in a second tab');
  await send(tab2, SECOND_TAB);
  for (const page of [tab, tab2]) {
    const pageLog = page.getByRole('log', { name: 'Conversation' });
    await pageLog.locator('.msg--mine[data-seq="5"]').filter({ hasText: SECOND_TAB }).waitFor();
    await pageLog.locator('.msg--bot[data-seq="6"]').waitFor();
  }
  const grown = await fetchTranscript(tab, 'json');
  assert.equal(grown.events.length, 6);
  await assertShownOnce(tab, grown.events, 'tab 1 after tab 2 wrote');
  await assertShownOnce(tab2, grown.events, 'tab 2 after it wrote');

  // The visitor's transcript download: over REST with the token, and from the widget.
  const text = await fetchTranscript(tab, 'txt');
  for (const line of [ASKED, OFFLINE, SECOND_TAB]) assert.ok(text.includes(line), `the text transcript holds "${line}":\n${text}`);
  const conversationId = grown.conversation.id;
  const stranger = await fetch(`${base}api/conversations/${conversationId}/transcript?format=txt`, { headers: { Authorization: 'Visitor vt_not-yours' } });
  assert.equal(stranger.status, 404, 'another visitor gets 404');
  const [download] = await Promise.all([
    tab.waitForEvent('download'),
    tab.getByRole('button', { name: 'Download transcript' }).click(),
  ]);
  assert.equal(download.suggestedFilename(), `conversation-${conversationId}.txt`);
  assert.ok(readFileSync(await download.path(), 'utf8').includes(OFFLINE), 'the downloaded file holds the conversation');

  // The server comes back without its data: the conversation is gone, and the widget says so.
  await tab2.close();
  await server.kill();
  server = await startServer({ dataDir: emptyData.path, port });
  await log.getByText(LOST).waitFor({ timeout: RECONNECT_TIMEOUT_MS });
  assert.equal(await log.locator('[data-seq]').count(), 0, 'the lost conversation is cleared away');
  await send(tab, AFTER_LOSS);
  await log.locator('.msg--mine[data-seq="1"]').filter({ hasText: AFTER_LOSS }).waitFor();
  await log.locator('.msg--bot[data-seq="2"]').waitFor();
  assert.equal(await log.getByText(LOST).count(), 1);

  assert.deepEqual([...problems], [], 'no script errors or failed requests in the pages');
});

/** Types `text` in the widget's composer and sends it. */
async function send(page, text) {
  const input = page.getByRole('textbox', { name: 'Message' });
  await input.fill(text);
  await input.press('Enter');
}

/** The current conversation's transcript, fetched from the page with the visitor's token. */
function fetchTranscript(page, format) {
  return page.evaluate(async (fmt) => {
    const token = localStorage.getItem('concierge.visitorToken.demo');
    const { id } = JSON.parse(localStorage.getItem('concierge.conversation.demo'));
    const response = await fetch(`/api/conversations/${encodeURIComponent(id)}/transcript?format=${fmt}`, {
      headers: { Authorization: `Visitor ${token}` },
    });
    if (!response.ok) throw new Error(`transcript: HTTP ${response.status}`);
    return fmt === 'json' ? response.json() : response.text();
  }, format);
}

/**
 * Waits until the widget shows all of `events`, then checks each is shown exactly once, in
 * seq order, with the stored text, and that no message text appears more often than stored.
 */
async function assertShownOnce(page, events, when) {
  await page.waitForFunction((count) => {
    const root = document.getElementById('concierge-widget')?.shadowRoot;
    return (root?.querySelectorAll('.log [data-seq]').length ?? 0) >= count;
  }, events.length, { timeout: 20_000 });
  const shown = await page.getByRole('log', { name: 'Conversation' }).locator(':scope > *').evaluateAll((items) => items.map((li) => ({
    seq: li.dataset.seq === undefined ? null : Number(li.dataset.seq),
    pending: li.dataset.pending !== undefined,
    text: (li.querySelector('.bubble')?.textContent ?? '').trim(),
  })));
  const seqs = shown.filter((item) => item.seq !== null).map((item) => item.seq);
  assert.deepEqual(seqs, events.map((e) => e.seq), `${when}: every event once, in order`);
  assert.equal(shown.filter((item) => item.pending).length, 0, `${when}: nothing left sending`);
  for (const event of events.filter((e) => e.kind === 'message' || e.kind === 'bot')) {
    assert.equal(shown.find((item) => item.seq === event.seq).text, event.text.trim(), `${when}: seq ${event.seq} shows its text`);
    const stored = events.filter((e) => e.text === event.text).length;
    assert.equal(shown.filter((item) => item.text === event.text.trim()).length, stored, `${when}: "${event.text}" appears ${stored}×`);
  }
}
