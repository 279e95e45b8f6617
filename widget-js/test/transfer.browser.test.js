// Two agents hand a conversation over, in a real browser against the real server: a visitor on
// the demo shop talks to the bot and asks for a human; Dana (demo) gets it, replies, writes an
// internal note and transfers it to Sam (sam) with a note; Sam's console shows the whole
// history and the transfer note; the visitor sees the transfer but never a note, and sends a
// photo and an invoice; Dana finds the conversation again and opens its files read-only.
// Needs /usr/bin/chromium and chat-server/target/concierge.jar (see e2e.browser.test.js).
/* global document, location -- the callbacks given to page.evaluate and page.waitForFunction run in the page */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { IMAGES, pngBytes, serverAndBrowser, signInConsole, streamBytes, takeFirstChat, watch } from './server.js';

const QUESTION = 'Where is my order?';
const SECOND = 'Also, the parcel arrived damaged.';
const REPLY = "Hi, I'm Dana — sorry about the parcel, let me look.";
const NOTE = 'NOTE-7c1: VIP customer, offer free shipping.';
const TRANSFER_NOTE = 'TNOTE-42: wants a refund for the damaged parcel, photos sent.';
const SAM_REPLY = 'Hello, Sam from billing here — I will refund it today.';
const PDF = Buffer.from('%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n');

test('an agent transfers a conversation with a note; the next agent sees the whole history', { timeout: 180_000 }, async (t) => {
  const { server, browser } = await serverAndBrowser(t, 'concierge-transfer-');
  const problems = [];

  // Dana is online first, so the conversation goes to her.
  const dana = await signInConsole(browser, server.base, 'demo', 'demo-password', problems);
  assert.equal((await dana.locator('#agent-name').textContent()).trim(), 'Dana Demo');

  // The visitor talks to the bot, then asks for a person.
  const visitor = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
  visitor.setDefaultTimeout(20_000);
  watch(visitor, 'widget', problems);
  await visitor.goto(`${server.base}demo/`);
  await visitor.getByRole('button', { name: 'Open chat' }).click();
  const input = visitor.getByRole('textbox', { name: 'Message' });
  const log = visitor.getByRole('log', { name: 'Conversation' });
  await input.fill(QUESTION);
  await input.press('Enter');
  await log.locator('.msg--mine[data-seq]').filter({ hasText: QUESTION }).waitFor();
  await log.locator('.msg--bot[data-seq]').first().waitFor();
  await input.fill(SECOND);
  await input.press('Enter');
  await log.locator('.msg--mine[data-seq]').filter({ hasText: SECOND }).waitFor();
  await log.locator('.msg--bot[data-seq]').nth(1).waitFor();
  const botTexts = (await log.locator('.msg--bot[data-seq] .bubble').allTextContents()).map((text) => text.trim());
  await visitor.getByRole('button', { name: 'Talk to a human' }).click();

  // Dana gets it: assigned to her at once, or from the queue by hand.
  const danaTab = dana.getByRole('tab').first();
  await takeFirstChat(dana);
  await danaTab.waitFor();
  const danaTranscript = dana.locator('#transcript');
  await danaTranscript.locator('.turn--visitor').filter({ hasText: SECOND }).waitFor();

  // Sam comes online afterwards and is offered in Dana's transfer dialog.
  const sam = await signInConsole(browser, server.base, 'sam', 'sam-password', problems);
  assert.equal((await sam.locator('#agent-name').textContent()).trim(), 'Sam Support');
  assert.equal(await sam.getByRole('tab').count(), 0, 'Sam has no chat before the transfer');

  // Typing shows both ways.
  await input.pressSequentially('Hel');
  await dana.locator('#visitor-typing').filter({ hasText: 'is typing…' }).waitFor();
  await input.fill('');

  // Dana replies (the visitor sees it), then writes an internal note (the visitor never does).
  const reply = dana.getByRole('textbox', { name: 'Reply' });
  await reply.fill(REPLY);
  await reply.press('Enter');
  await danaTranscript.locator('.turn--agent[data-seq]').filter({ hasText: REPLY }).waitFor();
  await log.locator('.msg--agent').filter({ hasText: REPLY }).waitFor();

  // A canned reply: "/ref" offers "/refund", Tab puts its text in the box, Enter sends it.
  await reply.pressSequentially('/ref');
  const refund = dana.getByRole('option').filter({ hasText: '/refund' });
  await refund.waitFor();
  const cannedText = (await refund.locator('.canned-text').textContent()).trim();
  assert.ok(cannedText.length > 10, 'the canned reply has a text');
  await reply.press('Tab');
  assert.equal(await reply.inputValue(), cannedText, '/ref became the reply text');
  assert.equal(await dana.getByRole('listbox', { name: 'Canned replies' }).isHidden(), true);
  await reply.press('Enter');
  await danaTranscript.locator('.turn--agent[data-seq]').filter({ hasText: cannedText }).waitFor();
  await log.locator('.msg--agent').filter({ hasText: cannedText }).waitFor();
  const noteToggle = dana.getByRole('button', { name: 'Note', exact: true });
  await noteToggle.click();
  assert.equal(await noteToggle.getAttribute('aria-pressed'), 'true');
  const noteBox = dana.getByRole('textbox', { name: 'Internal note' });
  await noteBox.fill(NOTE);
  await noteBox.press('Enter');
  const danaNote = danaTranscript.locator('.turn--note[data-seq]').filter({ hasText: NOTE });
  await danaNote.waitFor();
  assert.match(await danaNote.textContent(), /Internal note — not visible to the visitor/);
  await noteToggle.click();

  // The transfer dialog: Escape closes it; the agent list has Sam (online), never Dana herself.
  const transferButton = dana.getByRole('button', { name: /^Transfer the conversation/ });
  const dialog = dana.locator('#transfer-dialog');
  await transferButton.click();
  await dialog.waitFor();
  await dana.keyboard.press('Escape');
  await dialog.waitFor({ state: 'hidden' });
  await transferButton.click();
  await dialog.locator('option[value="agent:sam"]').waitFor({ state: 'attached' });
  assert.equal(await dialog.locator('option[value="agent:demo"]').count(), 0, 'Dana cannot transfer to herself');
  assert.ok(await dialog.locator('option[value="department:billing"]').count() === 1, 'departments are offered');
  await dialog.getByLabel('Transfer to').selectOption('agent:sam');
  await dialog.getByLabel(/^Note for the next agent/).fill(TRANSFER_NOTE);
  await dialog.getByRole('button', { name: 'Transfer', exact: true }).click();
  await dialog.waitFor({ state: 'hidden' });

  // Dana's tab stays, marked and read-only.
  await danaTab.filter({ hasText: 'transferred to Sam Support' }).waitFor();
  await dana.locator('#chat-status').filter({ hasText: 'Transferred to Sam Support' }).waitFor();
  assert.equal(await dana.getByRole('textbox', { name: 'Reply' }).isDisabled(), true, 'Dana can no longer write');

  // Sam gets the whole history: every visitor message once, the bot turns, Dana's reply, the
  // note, and the transfer note, in seq order.
  const samTranscript = sam.locator('#transcript');
  await sam.getByRole('tab').first().waitFor();
  await samTranscript.locator('.turn--note').filter({ hasText: NOTE }).waitFor();
  for (const text of [QUESTION, SECOND]) {
    assert.equal(await samTranscript.locator('.turn--visitor').filter({ hasText: text }).count(), 1, `Sam sees "${text}" once`);
  }
  const samBots = (await samTranscript.locator('.turn--bot .bubble').allTextContents()).map((text) => text.trim());
  for (const text of botTexts) assert.ok(samBots.includes(text), `Sam sees the bot turn "${text.slice(0, 40)}…"`);
  assert.equal(await samTranscript.locator('.turn--agent').filter({ hasText: REPLY }).count(), 1, "Sam sees Dana's reply once");
  assert.equal(await samTranscript.locator('.turn--agent').filter({ hasText: cannedText }).count(), 1, 'and her canned reply once');
  assert.match(await samTranscript.locator('.turn--note').filter({ hasText: NOTE }).textContent(), /Internal note — not visible to the visitor/);
  const seqs = await samTranscript.locator('[data-seq]').evaluateAll((turns) => turns.map((turn) => Number(turn.dataset.seq)));
  assert.deepEqual(seqs, seqs.map((_, i) => i + 1), 'every event once, in order');
  const banner = sam.locator('#transfer-banner');
  await banner.filter({ hasText: 'Transferred to you by Dana Demo' }).waitFor();
  await banner.filter({ hasText: TRANSFER_NOTE }).waitFor();
  await sam.locator('#visitor').getByText(TRANSFER_NOTE).waitFor();

  // The visitor is told, keeps everything, and never sees a note.
  await log.locator('.system').filter({ hasText: /transferred/i }).waitFor();
  const samReply = sam.getByRole('textbox', { name: 'Reply' });
  await samReply.fill(SAM_REPLY);
  await samReply.press('Enter');
  await log.locator('.msg--agent').filter({ hasText: SAM_REPLY }).waitFor();
  assert.equal(await log.locator('.msg--mine').filter({ hasText: QUESTION }).count(), 1, 'the visitor sees the question once');
  const seen = await log.textContent();
  assert.ok(!seen.includes(NOTE) && !seen.includes('NOTE-7c1'), 'the visitor never sees the internal note');
  assert.ok(!seen.includes('TNOTE-42'), 'nor the transfer note');
  await visitor.reload();
  await log.locator('.msg--agent').filter({ hasText: SAM_REPLY }).waitFor();
  const reloaded = await log.textContent();
  assert.ok(!reloaded.includes('NOTE-7c1') && !reloaded.includes('TNOTE-42'), 'not after a reload either');

  // The visitor sends the photos the note speaks of: a picture and an invoice.
  const attach = visitor.getByRole('button', { name: 'Attach a file' });
  const photo = await pngBytes(visitor, 36, 20);
  for (const [file, sent] of [
    [{ name: 'damage.png', mimeType: 'image/png', buffer: photo }, '.msg--mine[data-seq] img.att-thumb[alt="damage.png"]'],
    [{ name: 'invoice.pdf', mimeType: 'application/pdf', buffer: PDF }, '.msg--mine[data-seq] .att-card'],
  ]) {
    const [chooser] = await Promise.all([visitor.waitForEvent('filechooser'), attach.click()]);
    await chooser.setFiles(file);
    await log.locator(sent).waitFor();
  }
  await samTranscript.locator('.turn--visitor .att-card').filter({ hasText: 'invoice.pdf' }).waitFor();

  // Dana finds the conversation again through the search box and reads it, read-only.
  const search = dana.getByRole('searchbox', { name: 'Search earlier conversations' });
  await search.fill('arrived damaged');
  await search.press('Enter');
  const found = dana.locator('.search-result').first();
  await found.waitFor();
  await dana.locator('#search-summary').filter({ hasText: /found for “arrived damaged”/ }).waitFor();
  await found.click();
  const history = dana.getByRole('log', { name: 'Earlier transcript' });
  await history.locator('.turn--visitor').filter({ hasText: SECOND }).waitFor();
  await history.locator('.turn--agent').filter({ hasText: SAM_REPLY }).waitFor();
  // Its files show as in the live transcript: the picture as a thumbnail that loads, the
  // invoice as a card with its size whose link gives the bytes the visitor sent.
  await history.locator('.turn--visitor img.att-thumb[alt="damage.png"]').waitFor();
  await dana.waitForFunction(() => {
    const img = document.querySelector('#history-transcript img.att-thumb');
    return img && img.complete && img.naturalWidth === 36 && img.naturalHeight === 20;
  });
  const historyCard = history.locator('.turn--visitor .att-card').filter({ hasText: 'invoice.pdf' });
  assert.equal((await historyCard.locator('.att-size').textContent()).trim(), `${PDF.length} B`);
  const invoiceLink = historyCard.getByRole('link', { name: 'Download invoice.pdf' });
  const [download] = await Promise.all([dana.waitForEvent('download'), invoiceLink.click()]);
  assert.equal(download.suggestedFilename(), 'invoice.pdf');
  assert.equal(Buffer.compare(await streamBytes(await download.createReadStream()), PDF), 0, 'the download is the invoice sent');
  const fetched = await invoiceLink.evaluate(async (a) => [...new Uint8Array(await (await fetch(a.href)).arrayBuffer())]);
  assert.equal(Buffer.compare(Buffer.from(fetched), PDF), 0, 'the link fetched in the console gives the invoice sent');
  await dana.keyboard.press('Escape');
  await history.waitFor({ state: 'hidden' });

  mkdirSync(IMAGES, { recursive: true });
  await sam.locator('#toast').waitFor({ state: 'hidden', timeout: 8_000 }).catch(() => {});
  await sam.screenshot({ path: path.join(IMAGES, 'console.png') });

  // Sam closes with a reason; the visitor is asked for a rating.
  await sam.getByRole('combobox', { name: 'Close reason' }).selectOption('no_response');
  await sam.getByRole('button', { name: /^Close the conversation with .+ as no response$/ }).click();
  await samTranscript.locator('.turn--closed').filter({ hasText: 'Conversation closed (no response) by Sam Support' }).waitFor();
  await sam.getByRole('button', { name: /^Remove the closed chat/ }).waitFor();
  await visitor.getByRole('region', { name: 'Rate this conversation' }).waitFor();

  assert.deepEqual([...problems], [], 'no script errors or failed requests in the pages');
});

// The rest of the console's queue: a visitor who waits past the alert time raises an alert
// (banner, beep, overdue card); an agent who goes offline leaves the visitor able to leave a
// message, which shows as a follow-up with the email and is answered from the same transcript.
// The leave-a-message is sent from a raw socket in a page of the server's origin, so this test
// does not depend on the widget's form.
const LEFT = 'My parcel arrived damaged, please call me back.';
const EMAIL = 'ada@example.com';

test('queue alerts, offline presence and follow-ups in the console', { timeout: 180_000 }, async (t) => {
  const { server, browser } = await serverAndBrowser(t, 'concierge-followup-', { prepare: () => ['--queue-alert', '2'] });
  const problems = [];

  // Dana is away: the visitor who asks for a person waits in the queue.
  const dana = await signInConsole(browser, server.base, 'demo', 'demo-password', problems);
  await dana.getByRole('switch').click();
  await dana.locator('#presence[data-presence="away"]').waitFor();
  await dana.mouse.click(5, 5); // a gesture, so the page may play sound
  const visitor = await (await browser.newContext()).newPage();
  visitor.setDefaultTimeout(20_000);
  watch(visitor, 'widget', problems);
  await visitor.goto(`${server.base}demo/`);
  await visitor.getByRole('button', { name: 'Open chat' }).click();
  const input = visitor.getByRole('textbox', { name: 'Message' });
  await input.fill(QUESTION);
  await input.press('Enter');
  await visitor.getByRole('log', { name: 'Conversation' }).locator('.msg--bot[data-seq]').first().waitFor();
  await visitor.getByRole('button', { name: 'Talk to a human' }).click();

  const card = dana.locator('[data-role="queue-list"] .queue-card').filter({ hasText: QUESTION });
  await card.locator('.wait').filter({ hasText: /^waiting \d+ s$/ }).waitFor();
  const alert = dana.locator('#alerts .alert');
  await alert.waitFor();
  assert.match(await alert.textContent(), /waited/);
  await dana.locator('.queue-card--overdue').filter({ hasText: QUESTION }).waitFor();
  assert.ok(Number(await dana.evaluate(() => document.documentElement.dataset.beeps)) >= 1, 'the alert beeped');
  await alert.getByRole('button', { name: /^Show/ }).click();
  assert.equal(await card.getByRole('button', { name: /^Accept conversation/ }).evaluate((b) => b === document.activeElement), true, 'Show focuses the card');

  // Offline through the presence menu, by keyboard.
  await dana.locator('#presence-menu-button').focus();
  await dana.keyboard.press('Enter');
  await dana.getByRole('menuitemradio', { name: /^Offline/ }).waitFor();
  await dana.keyboard.press('End');
  await dana.keyboard.press('Enter');
  await dana.locator('#presence[data-presence="offline"]').waitFor();

  // Someone else leaves a message while nobody is online: a follow-up, with the email.
  const other = await (await browser.newContext()).newPage();
  watch(other, 'leaver', problems);
  await other.goto(`${server.base}demo/`);
  const acked = await other.evaluate(({ text, email }) => new Promise((resolve, reject) => {
    const socket = new WebSocket(new URL('/ws/visitor', location.href).href.replace(/^http/, 'ws'));
    const timer = setTimeout(() => reject(new Error('no ack for leave_message')), 15_000);
    socket.onopen = () => socket.send(JSON.stringify({ type: 'hello', id: 'h1', version: 1, site: 'demo', context: { name: 'Ada Lovelace' } }));
    socket.onmessage = (message) => {
      const frame = JSON.parse(message.data);
      if (frame.type === 'welcome') socket.send(JSON.stringify({ type: 'leave_message', id: 'l1', name: 'Ada Lovelace', email, text }));
      if (frame.ref === 'l1') {
        clearTimeout(timer);
        resolve(frame);
      }
    };
  }), { text: LEFT, email: EMAIL });
  assert.equal(acked.type, 'ack', `leave_message acknowledged: ${JSON.stringify(acked)}`);
  const followUp = dana.locator('[data-role="followup-list"] .queue-card').filter({ hasText: LEFT });
  await followUp.waitFor();
  await followUp.getByText(EMAIL).waitFor();

  // Back online: the live visitor is assigned; the follow-up waits until Dana answers it.
  await dana.locator('#presence-menu-button').click();
  await dana.getByRole('menuitemradio', { name: /^Online/ }).click();
  await dana.locator('#presence[data-presence="online"]').waitFor();
  await dana.getByRole('tab').first().waitFor();
  await followUp.getByRole('button', { name: /^Answer the message from/ }).click();
  const transcript = dana.locator('#transcript');
  await transcript.locator('.turn--offline').filter({ hasText: LEFT }).waitFor();
  assert.match(await transcript.locator('.turn--offline').textContent(), new RegExp(EMAIL.replace('.', '\\.')));
  assert.equal(await dana.getByRole('tab').count(), 2, 'two chats side by side as tabs');
  const reply = dana.getByRole('textbox', { name: 'Reply' });
  await reply.fill('We are sending a new one today.');
  await reply.press('Enter');
  await transcript.locator('.turn--agent[data-seq]').filter({ hasText: 'We are sending a new one today.' }).waitFor();

  // A visitor line in the other tab counts as unread and shows in the title.
  await input.fill('Hello? Anyone?');
  await input.press('Enter');
  await dana.locator('[role="tab"] .unread').filter({ hasText: /^1$/ }).waitFor();
  await dana.waitForFunction(() => /^\(1\) Concierge console$/.test(document.title) || document.title.includes('Hello? Anyone?'));

  assert.deepEqual([...problems], [], 'no script errors or failed requests in the pages');
});
