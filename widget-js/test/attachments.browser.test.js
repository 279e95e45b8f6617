// Files in a conversation, in a real browser against the real server: a visitor pastes an image
// and attaches a PDF with the paperclip button; the agent sees the image as a thumbnail and the
// PDF as a card, downloads the PDF (a download, never shown inline) and sends a picture back; a
// refused file shows the reason for its code with Retry, and so does a file over the limit; the
// JSON transcript export lists the files; a new visitor's first file (then a dropped one) starts a
// conversation; a French visitor's file code speaks French. axe finds nothing serious in the
// widget showing them.
// Needs /usr/bin/chromium and chat-server/target/concierge.jar (see e2e.browser.test.js).
/* global document, window, DataTransfer, ClipboardEvent, DragEvent -- callbacks given to page.evaluate run in the page */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { pngBytes, serverAndBrowser, signInConsole, streamBytes, takeFirstChat, watch } from './server.js';

const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
const QUESTION = 'My parcel arrived broken, here are photos.';
const PDF = Buffer.from('%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n');

test('a visitor sends an image and a PDF; the agent sees and downloads them; the export lists them', { timeout: 240_000 }, async (t) => {
  const { server, browser } = await serverAndBrowser(t, 'concierge-attachments-', { prepare: () => ['--attachment-max-file', '2MB'] });
  const problems = [];
  const dana = await signInConsole(browser, server.base, 'demo', 'demo-password', problems);

  const visitor = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
  visitor.setDefaultTimeout(30_000);
  watch(visitor, 'widget', problems);
  const uploads = [];
  visitor.on('response', (r) => { if (/\/attachments\?name=/.test(r.url())) uploads.push({ url: r.url(), status: r.status() }); });
  await visitor.goto(`${server.base}demo/`);
  await visitor.getByRole('button', { name: 'Open chat' }).click();
  const input = visitor.getByRole('textbox', { name: 'Message' });
  const log = visitor.getByRole('log', { name: 'Conversation' });
  await input.fill(QUESTION);
  await input.press('Enter');
  await log.locator('.msg--bot[data-seq]').first().waitFor();
  await visitor.getByRole('button', { name: 'Talk to a human' }).click();
  await takeFirstChat(dana);

  // The file code is not loaded until a file is used.
  assert.equal(await visitor.evaluate(() => typeof window.ConciergeFiles), 'undefined');

  // A pasted image: a PNG drawn in the page, on the clipboard of a paste event in the message box.
  await input.evaluate(async (box) => {
    const canvas = document.createElement('canvas');
    canvas.width = 40;
    canvas.height = 30;
    const g = canvas.getContext('2d');
    g.fillStyle = '#0f766e';
    g.fillRect(0, 0, 40, 30);
    const blob = await new Promise((resolve) => canvas.toBlob(resolve, 'image/png'));
    const data = new DataTransfer();
    data.items.add(new File([blob], 'parcel.png', { type: 'image/png' }));
    box.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, composed: true, cancelable: true }));
  });
  const mineThumb = log.locator('.msg--mine[data-seq] img.att-thumb');
  await mineThumb.waitFor();
  assert.equal(await mineThumb.getAttribute('alt'), 'parcel.png');
  assert.deepEqual([await mineThumb.getAttribute('width'), await mineThumb.getAttribute('height')], ['40', '30']);
  assert.equal(await visitor.evaluate(() => typeof window.ConciergeFiles), 'object', 'the file script was added on first use');

  // A PDF through the paperclip button (keyboard reachable: a real <button> with a name).
  const attachButton = visitor.getByRole('button', { name: 'Attach a file' });
  const [chooser] = await Promise.all([visitor.waitForEvent('filechooser'), attachButton.click()]);
  await chooser.setFiles({ name: 'invoice.pdf', mimeType: 'application/pdf', buffer: PDF });
  await log.locator('.msg--mine[data-seq] .att-card').filter({ hasText: 'invoice.pdf' }).waitFor();
  await visitor.waitForFunction(() => {
    const img = document.querySelector('#concierge-widget').shadowRoot.querySelector('.msg--mine[data-seq] img.att-thumb');
    return img && img.complete && img.naturalWidth > 0;
  });
  assert.deepEqual(uploads.map((u) => u.status), [201, 201]);
  const conversationId = new URL(uploads[0].url).pathname.split('/')[3];

  // The agent sees the thumbnail (loaded) and the card with the size.
  const transcript = dana.locator('#transcript');
  const thumb = transcript.locator('.turn--visitor img.att-thumb');
  await thumb.waitFor();
  assert.equal(await thumb.getAttribute('alt'), 'parcel.png');
  await dana.waitForFunction(() => {
    const img = document.querySelector('#transcript .turn--visitor img.att-thumb');
    return img && img.complete && img.naturalWidth > 0;
  });
  const card = transcript.locator('.turn--visitor .att-card').filter({ hasText: 'invoice.pdf' });
  await card.waitFor();
  assert.equal((await card.locator('.att-size').textContent()).trim(), `${PDF.length} B`);

  // Downloading the PDF: a download with Content-Disposition: attachment, never shown inline.
  const served = [];
  dana.on('response', (r) => { if (r.url().includes('/files/')) served.push({ status: r.status(), headers: r.headers() }); });
  const consoleUrl = dana.url();
  const [download] = await Promise.all([dana.waitForEvent('download'), card.getByRole('link', { name: 'Download invoice.pdf' }).click()]);
  assert.equal(download.suggestedFilename(), 'invoice.pdf');
  assert.equal(Buffer.compare(await streamBytes(await download.createReadStream()), PDF), 0, 'the bytes downloaded are the bytes sent');
  const file = served.find((s) => s.status === 200);
  assert.ok(file, 'the file was served');
  assert.match(file.headers['content-disposition'], /^attachment;/);
  assert.equal(file.headers['content-type'], 'application/octet-stream');
  assert.equal(file.headers['x-content-type-options'], 'nosniff');
  assert.equal(dana.url(), consoleUrl, 'the console stayed where it was');

  // The agent sends a picture with the composer's Attach button; the visitor sees it loaded.
  const photo = await pngBytes(dana, 24, 16);
  const [agentChooser] = await Promise.all([dana.waitForEvent('filechooser'), dana.getByRole('button', { name: 'Attach a file' }).click()]);
  await agentChooser.setFiles({ name: 'label.png', mimeType: 'image/png', buffer: photo });
  await transcript.locator('.turn--agent[data-seq] img.att-thumb[alt="label.png"]').waitFor();
  await log.locator('.msg--agent img.att-thumb[alt="label.png"]').waitFor();
  await visitor.waitForFunction(() => {
    const img = document.querySelector('#concierge-widget').shadowRoot.querySelector('.msg--agent img.att-thumb');
    return img && img.complete && img.naturalWidth === 24;
  });

  // A refused file (PNG magic, no picture): the reason for its code (`unsupported_type`, not the
  // server's technical message) where the file was, and Retry.
  const broken = Buffer.concat([photo.subarray(0, 8), Buffer.from('not a picture')]);
  const refusal = visitor.waitForResponse((r) => r.url().includes('name=broken.png'));
  const [badChooser] = await Promise.all([visitor.waitForEvent('filechooser'), attachButton.click()]);
  await badChooser.setFiles({ name: 'broken.png', mimeType: 'image/png', buffer: broken });
  const refused = await refusal;
  assert.equal(refused.status(), 415);
  assert.equal((await refused.json()).error, 'unsupported_type');
  const failed = log.locator('.att-status').filter({ hasText: 'broken.png' });
  await failed.getByRole('alert').filter({ hasText: 'This file type cannot be sent.' }).waitFor();
  await failed.getByRole('button', { name: 'Retry' }).waitFor();
  assert.equal(await failed.getByRole('progressbar').getAttribute('aria-label'), 'Uploading broken.png');
  assert.equal(await failed.getByRole('progressbar').getAttribute('aria-valuemin'), '0');
  const expected = problems.filter((p) => /HTTP 415 .*name=broken\.png/.test(p));
  assert.equal(expected.length, 1);
  problems.splice(problems.indexOf(expected[0]), 1);

  // A file over the limit (2 MB here) is refused before its body is read, while the browser is
  // still sending it: the widget still gets the answer and says why, not "check the connection".
  const tooBig = visitor.waitForResponse((r) => r.url().includes('name=video.mp4'));
  const [bigChooser] = await Promise.all([visitor.waitForEvent('filechooser'), attachButton.click()]);
  await bigChooser.setFiles({ name: 'video.mp4', mimeType: 'video/mp4', buffer: Buffer.alloc(12 << 20, 7) });
  assert.equal((await tooBig).status(), 413);
  const big = log.locator('.att-status').filter({ hasText: 'video.mp4' });
  await big.getByRole('alert').filter({ hasText: /too large|larger than/ }).waitFor();
  const over = problems.filter((p) => /HTTP 413 .*name=video\.mp4/.test(p));
  assert.equal(over.length, 1);
  problems.splice(problems.indexOf(over[0]), 1);

  // The JSON transcript export lists the files.
  const login = await fetch(`${server.base}api/agent/login`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ username: 'demo', password: 'demo-password' }),
  });
  const { token } = await login.json();
  const exported = await (await fetch(`${server.base}api/conversations/${conversationId}/transcript?format=json`, {
    headers: { Authorization: `Bearer ${token}` },
  })).json();
  assert.deepEqual(exported.files.map((f) => f.name), ['parcel.png', 'invoice.pdf', 'label.png']);
  const carried = exported.events.filter((e) => e.attachment).map((e) => [e.author.role, e.attachment.name, e.attachment.kind]);
  assert.deepEqual(carried, [['visitor', 'parcel.png', 'image'], ['visitor', 'invoice.pdf', 'file'], ['agent', 'label.png', 'image']]);

  // A new visitor whose first act is a file: saying its name starts the conversation it goes to.
  const newcomer = await (await browser.newContext()).newPage();
  newcomer.setDefaultTimeout(30_000);
  watch(newcomer, 'newcomer widget', problems);
  await newcomer.goto(`${server.base}demo/`);
  await newcomer.getByRole('button', { name: 'Open chat' }).click();
  const [firstChooser] = await Promise.all([newcomer.waitForEvent('filechooser'), newcomer.getByRole('button', { name: 'Attach a file' }).click()]);
  await firstChooser.setFiles({ name: 'receipt.pdf', mimeType: 'application/pdf', buffer: PDF });
  const newLog = newcomer.getByRole('log', { name: 'Conversation' });
  await newLog.locator('.msg--mine[data-seq] .att-card').filter({ hasText: 'receipt.pdf' }).waitFor();
  assert.equal((await newLog.locator('.msg--mine[data-seq] .bubble').first().textContent()).trim(), 'receipt.pdf');
  // A file dropped on the panel goes the same way.
  await newcomer.locator('#concierge-widget .panel').evaluate((panel) => {
    const data = new DataTransfer();
    data.items.add(new File(['order 1234: two cups'], 'notes.txt', { type: 'text/plain' }));
    panel.dispatchEvent(new DragEvent('drop', { dataTransfer: data, bubbles: true, cancelable: true }));
  });
  await newLog.locator('.msg--mine[data-seq] .att-card').filter({ hasText: 'notes.txt' }).waitFor();

  // A visitor whose browser speaks French: the widget is in French and so is its file code,
  // which the widget loads only now. The card offers "Télécharger …"; a refused file says why
  // in French by its code (never the server's English message), with "Réessayer".
  const french = await (await browser.newContext({ locale: 'fr-FR' })).newPage();
  french.setDefaultTimeout(30_000);
  watch(french, 'french widget', problems);
  await french.goto(`${server.base}demo/`);
  await french.getByRole('button', { name: 'Ouvrir la discussion' }).click();
  const frenchLog = french.getByRole('log', { name: 'Conversation' });
  const joindre = french.getByRole('button', { name: 'Joindre un fichier' });
  const [pdfChooser] = await Promise.all([french.waitForEvent('filechooser'), joindre.click()]);
  await pdfChooser.setFiles({ name: 'facture.pdf', mimeType: 'application/pdf', buffer: PDF });
  await frenchLog.locator('.msg--mine[data-seq] .att-card').getByRole('link', { name: 'Télécharger facture.pdf' }).waitFor();
  const frenchRefusal = french.waitForResponse((r) => r.url().includes('name=photo-cass'));
  const [brokenChooser] = await Promise.all([french.waitForEvent('filechooser'), joindre.click()]);
  await brokenChooser.setFiles({ name: 'photo-cassée.png', mimeType: 'image/png', buffer: broken });
  assert.equal((await frenchRefusal).status(), 415);
  const frenchFailed = frenchLog.locator('.att-status').filter({ hasText: 'photo-cassée.png' });
  await frenchFailed.getByRole('button', { name: 'Réessayer' }).waitFor();
  assert.equal(await frenchFailed.getByRole('alert').textContent(), 'Ce type de fichier ne peut pas être envoyé.');
  assert.equal(await frenchFailed.getByRole('progressbar').getAttribute('aria-label'), 'Envoi de photo-cassée.png');
  const frenchExpected = problems.filter((p) => /HTTP 415 .*name=photo-cass/.test(p));
  assert.equal(frenchExpected.length, 1);
  problems.splice(problems.indexOf(frenchExpected[0]), 1);

  // axe: the conversation showing a thumbnail and a file card, and the composer with the
  // paperclip, have no serious or critical violation.
  // (evaluated, not added as a script tag: the demo page's CSP allows no inline script)
  await visitor.evaluate(readFileSync(AXE, 'utf8'));
  const violations = await visitor.evaluate(async () => {
    const context = { include: [{ fromShadowDom: ['#concierge-widget', '.log'] }, { fromShadowDom: ['#concierge-widget', '.composer'] }] };
    const result = await window.axe.run(context, { resultTypes: ['violations'] });
    return result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  });
  assert.deepEqual(violations, [], 'axe violations in the widget');
  assert.deepEqual(problems, []);
});
