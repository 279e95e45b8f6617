// The email follow-up loop end to end, with a real mail server: GreenMail (SMTP + IMAP on
// loopback, a process of its own) is the visitor's mail provider and the reply mailbox the server
// reads. At night (business hours closed) a visitor leaves a message in the widget and gets the
// confirmation; in the morning (the server restarted with the shop open) an agent answers the
// follow-up in the console; the visitor, long gone, gets the answer by email with the
// conversation so far, replies from their mailbox (a Gmail-style reply with the quote under it)
// and the agent sees that reply in the same conversation, marked "by email", without the quote.
// Then the widget's "Email me the transcript" after a chat ended, and its rate limit.
//
// Mail is read over IMAP and sent over SMTP by the raw-socket clients of mail.js (no npm
// package). Needs /usr/bin/chromium, chat-server/target/concierge.jar and
// chat-server/target/greenmail-standalone.jar (both made by `mvn -pl chat-server -am package`).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import {
  assertPrerequisites, dataDirectory, launchBrowser, signInConsole, startPageServer, startServer, watch,
} from './server.js';
import { addressOf, parseMessage, readInbox, startGreenMail, sendMail, waitForMail } from './mail.js';

const VISITOR = { email: 'ada@visitor.example', password: 'ada-mailbox-password' };
const REPLIES = { email: 'reply@reply.example', password: 'reply-mailbox-password' };
const REPLY_DOMAIN = 'reply.example';
const FROM = 'Northwind help <help@shop.example>';
const LEFT = 'My parcel arrived damaged last night. Can you send a new one?';
const ANSWER = 'Sorry about that! A new parcel leaves our warehouse today.';
const REPLY = 'Thank you, please send it to my office at 12 Analytical Row.';

let greenMail = null;
before(async () => {
  assertPrerequisites();
  greenMail = await startGreenMail({ users: [VISITOR, REPLIES] });
});
after(async () => greenMail?.stop());

/** What `serve` needs to send through GreenMail and read the reply mailbox from it. */
function mailFlags() {
  return {
    args: [
      '--smtp', `smtp://127.0.0.1:${greenMail.smtpPort}`, '--mail-from', FROM,
      '--imap', `imap://127.0.0.1:${greenMail.imapPort}/INBOX`, '--imap-poll', '1',
      '--mail-reply-domain', REPLY_DOMAIN, '--mail-reply-delay', '1',
    ],
    env: {
      CONCIERGE_IMAP_USER: REPLIES.email,
      CONCIERGE_IMAP_PASSWORD: REPLIES.password,
      CONCIERGE_MAIL_REPLY_SECRET: randomBytes(32).toString('base64url'),
    },
  };
}

/** Business hours that exclude now: one hour, starting six hours from now (UTC). */
function closedNow() {
  const at = (hours) => new Date(Date.now() + hours * 3_600_000).toISOString().slice(11, 16);
  return `daily ${at(6)}-${at(7)} UTC`;
}

/** Polls `account`'s INBOX (every 250 ms, at most 15 s) until it holds no message. */
async function waitForEmptyInbox(imapPort, account) {
  const deadline = Date.now() + 15_000;
  let left = await readInbox(imapPort, account);
  while (left.length > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    left = await readInbox(imapPort, account);
  }
  assert.equal(left.length, 0, `${account.email} still holds ${left.length} message(s)`);
}

/** Quoted-printable (RFC 2045) of UTF-8 text, lines soft-wrapped at 76, as Gmail writes it. */
function quotedPrintable(text) {
  return text.split('\r\n').map((line) => {
    let encoded = '';
    for (const byte of Buffer.from(line, 'utf8')) {
      encoded += byte === 0x3d || byte > 0x7e || (byte < 0x20 && byte !== 0x09)
        ? `=${byte.toString(16).toUpperCase().padStart(2, '0')}` : String.fromCharCode(byte);
    }
    encoded = encoded.replace(/[ \t]$/, (c) => `=${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
    const wrapped = [];
    while (encoded.length > 76) {
      let cut = 75;
      while (/=[0-9A-F]?$/.test(encoded.slice(0, cut))) cut -= 1; // never split an =XX
      wrapped.push(`${encoded.slice(0, cut)}=`);
      encoded = encoded.slice(cut);
    }
    wrapped.push(encoded);
    return wrapped.join('\r\n');
  }).join('\r\n');
}

/** A header value as RFC 2047 encoded words when it is not plain ASCII. */
function encodedWords(value) {
  return /^[\x20-\x7e]*$/.test(value) ? value : `=?UTF-8?B?${Buffer.from(value, 'utf8').toString('base64')}?=`;
}

/**
 * A reply as Gmail writes it: multipart/alternative, the text part UTF-8 quoted-printable with
 * the new text, then the attribution line (wrapped after "<" as Gmail wraps it when long) and
 * the whole mail quoted with "> "; the HTML part with the quote in a gmail_quote block.
 */
function gmailReply({ to, subject, inReplyTo, references, quoted }) {
  const now = new Date();
  const date = now.toLocaleString('en-GB', {
    weekday: 'short', day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone: 'UTC',
  }).replace(/^(\w+) /, '$1, ').replace(/ (\d{4}), /, ' $1 at '); // "Sun, 6 Dec 2026 at 21:40"
  const quote = quoted.trimEnd().split(/\r?\n/);
  const text = [
    REPLY,
    '',
    `On ${date}, Northwind help <`,
    `${to}> wrote:`,
    '',
    ...quote.map((line) => (line === '' ? '>' : `> ${line}`)),
    '',
  ].join('\r\n');
  const escape = (line) => line.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  const html = `<div dir="ltr">${escape(REPLY)}</div><br><div class="gmail_quote"><div dir="ltr" class="gmail_attr">`
    + `On ${date}, Northwind help &lt;<a href="mailto:${to}">${to}</a>&gt; wrote:<br></div>`
    + `<blockquote class="gmail_quote" style="margin:0px 0px 0px 0.8ex;border-left:1px solid rgb(204,204,204);padding-left:1ex">`
    + `${quote.map(escape).join('<br>\r\n')}</blockquote></div>\r\n`;
  const boundary = `000000000000${randomBytes(6).toString('hex')}`;
  return [
    'MIME-Version: 1.0',
    `Date: ${now.toUTCString().replace('GMT', '+0000')}`,
    `Message-ID: <CAF${randomBytes(12).toString('hex')}@mail.gmail.com>`,
    `In-Reply-To: ${inReplyTo}`,
    `References: ${references}`,
    `Subject: ${encodedWords(`Re: ${subject}`)}`,
    'From: Ada Lovelace <ada@visitor.example>',
    `To: ${to}`,
    `Content-Type: multipart/alternative; boundary="${boundary}"`,
    '',
    `--${boundary}`,
    'Content-Type: text/plain; charset="UTF-8"',
    'Content-Transfer-Encoding: quoted-printable',
    '',
    quotedPrintable(text),
    `--${boundary}`,
    'Content-Type: text/html; charset="UTF-8"',
    'Content-Transfer-Encoding: quoted-printable',
    '',
    quotedPrintable(html),
    `--${boundary}--`,
    '',
  ].join('\r\n');
}

test('left at night, answered in the morning by email, the emailed reply reaches the agent', { timeout: 300_000 }, async (t) => {
  const started = Date.now();
  const data = dataDirectory('concierge-email-');
  const mail = mailFlags();
  const problems = [];
  let server = null;
  const browser = await launchBrowser();
  t.after(async () => {
    await browser.close();
    await server?.stop();
    data.remove();
  });

  // Night: the shop is closed. The visitor opens the widget and leaves a message with their email.
  server = await startServer({ dataDir: data.path, args: [...mail.args, '--business-hours', closedNow()], env: mail.env });
  const visitorContext = await browser.newContext();
  const visitor = await visitorContext.newPage();
  visitor.setDefaultTimeout(20_000);
  watch(visitor, 'widget', problems);
  await visitor.goto(`${server.base}demo/`);
  await visitor.getByRole('button', { name: 'Open chat' }).click();
  await visitor.getByRole('button', { name: 'Leave a message' }).click();
  const form = visitor.getByRole('region', { name: 'Leave us a message' });
  await form.getByText(/outside our opening hours/).waitFor();
  await form.getByLabel('Name').fill('Ada Lovelace');
  await form.getByLabel('Email').fill(VISITOR.email);
  await form.getByLabel('Message').fill(LEFT);
  await form.getByRole('button', { name: 'Send message' }).click();
  await form.getByText(`Thanks! We will reply to ${VISITOR.email}.`).waitFor();

  // The confirmation, with what they wrote, reaches their mailbox.
  const confirmation = await waitForMail(greenMail.imapPort, VISITOR, (m) => m.text?.includes(LEFT), { what: 'the confirmation' });
  assert.equal(addressOf(confirmation.header('from')), 'help@shop.example');
  assert.equal(addressOf(confirmation.header('to')), VISITOR.email);
  assert.ok(confirmation.html?.includes('My parcel arrived damaged'), 'an HTML part with the message too');
  const confirmationId = confirmation.header('message-id');
  assert.match(confirmationId ?? '', /^<[^<>\s]+@[^<>\s]+>$/);
  await visitorContext.close(); // the visitor goes to bed: no socket open from now on

  // Morning: the shop opens (the server restarts with no closed hours, on the same data).
  await server.stop();
  server = await startServer({ dataDir: data.path, port: server.port, args: mail.args, env: mail.env });
  const dana = await signInConsole(browser, server.base, 'demo', 'demo-password', problems);
  const followUp = dana.locator('[data-role="followup-list"] .queue-card').filter({ hasText: LEFT });
  await followUp.getByText(VISITOR.email).waitFor();
  await followUp.getByRole('button', { name: /^Answer the message from/ }).click();
  const transcript = dana.locator('#transcript');
  await transcript.locator('.turn--offline').filter({ hasText: LEFT }).waitFor();
  const reply = dana.getByRole('textbox', { name: 'Reply' });
  await reply.fill(ANSWER);
  await reply.press('Enter');
  await transcript.locator('.turn--agent[data-seq]').filter({ hasText: ANSWER }).waitFor();
  const answeredAt = Date.now();

  // The visitor, away, gets the answer by email with the conversation so far, in the same thread.
  const answerMail = await waitForMail(greenMail.imapPort, VISITOR, (m) => m.text?.includes(ANSWER), { what: "the agent's answer" });
  const mailedAfterMs = Date.now() - answeredAt;
  assert.ok(answerMail.text.includes(LEFT), `the conversation so far is in the mail:\n${answerMail.text}`);
  assert.ok(answerMail.html?.includes('A new parcel leaves our warehouse today.'), 'the HTML part has the answer');
  assert.equal(addressOf(answerMail.header('from')), 'help@shop.example');
  const replyTo = addressOf(answerMail.header('reply-to'));
  assert.match(replyTo, new RegExp(`^reply\\+[a-z0-9.]+@${REPLY_DOMAIN.replace('.', '\\.')}$`, 'i'), `Reply-To: ${answerMail.header('reply-to')}`);
  assert.equal(answerMail.header('auto-submitted'), 'auto-generated');
  assert.ok((answerMail.header('references') ?? '').includes(confirmationId), `References names the confirmation: ${answerMail.header('references')}`);

  // They reply from their mailbox: new text on top, Gmail's attribution line and the quote below.
  await sendMail(greenMail.smtpPort, {
    from: VISITOR.email,
    to: replyTo,
    message: gmailReply({
      to: replyTo,
      subject: answerMail.header('subject'),
      inReplyTo: answerMail.header('message-id'),
      references: `${confirmationId} ${answerMail.header('message-id')}`,
      quoted: answerMail.text,
    }),
  });
  const repliedAt = Date.now();

  // The agent sees it in the same conversation, marked "by email", without the quote.
  const byEmail = transcript.locator('.turn--visitor[data-seq]').filter({ hasText: REPLY });
  await byEmail.waitFor({ timeout: 30_000 });
  const readAfterMs = Date.now() - repliedAt;
  assert.match(await byEmail.textContent(), /by email/i);
  const shown = await transcript.textContent();
  assert.ok(!shown.includes('wrote:'), `no attribution line in the console:\n${shown}`);
  assert.equal(shown.split(ANSWER).length - 1, 1, "the agent's answer shows once (the quote of it was stripped)");
  await transcript.locator('.turn--offline').filter({ hasText: LEFT }).waitFor(); // the same conversation
  assert.equal(await dana.getByRole('tab').count(), 1, 'no second conversation');
  // The reply mailbox is emptied once the reply is stored.
  await waitForEmptyInbox(greenMail.imapPort, REPLIES);
  assert.deepEqual(problems, []);
  t.diagnostic(`answer mailed ${mailedAfterMs} ms after it was sent; reply shown ${readAfterMs} ms after it was mailed; `
    + `whole test ${Date.now() - started} ms`);
});

test('the widget emails the transcript of an ended chat, and says when asked too often', { timeout: 180_000 }, async (t) => {
  const data = dataDirectory('concierge-transcript-');
  const mail = mailFlags();
  const problems = [];
  const browser = await launchBrowser();
  const server = await startServer({ dataDir: data.path, args: [...mail.args, '--mail-transcripts-per-visitor', '1'], env: mail.env });
  const site = await startPageServer();
  t.after(async () => {
    await site.close();
    await browser.close();
    await server.stop();
    data.remove();
  });
  const init = { site: 'demo', open: true, visitor: { name: 'Ada Lovelace', email: VISITOR.email } };
  // One visitor (a browser context of its own) chats, ends the chat and asks for its transcript.
  const chatAndEnd = async (question) => {
    const page = await (await browser.newContext()).newPage();
    page.setDefaultTimeout(20_000);
    watch(page, 'widget', problems);
    await page.goto(site.page('shop', `<script src="${server.base}concierge.js" async></script><script>
      window.addEventListener('concierge:loaded', function () { Concierge.init(${JSON.stringify(init)}); });
    </script>`));
    const input = page.getByRole('textbox', { name: 'Message' });
    await input.fill(question);
    await input.press('Enter');
    const log = page.getByRole('log', { name: 'Conversation' });
    await log.locator('.msg--bot[data-seq]').first().waitFor();
    const emailButton = page.getByRole('button', { name: 'Email me the transcript' });
    assert.equal(await emailButton.count(), 0, 'offered only once the chat has ended');
    await page.getByRole('button', { name: 'End chat' }).click();
    await emailButton.click();
    await page.getByRole('alert').filter({ hasText: `Transcript sent to ${VISITOR.email}.` }).waitFor();
    return { page, emailButton };
  };
  const question = `Where is my order? (${randomBytes(4).toString('hex')})`;
  const { page, emailButton } = await chatAndEnd(question);
  const sent = await waitForMail(greenMail.imapPort, VISITOR, (m) => m.text?.includes(question), { what: 'the transcript' });
  assert.ok(sent.html?.includes('Where is my order?'), 'the HTML part has the transcript too');

  // One transcript per visitor per hour on this server: the second is refused, and the widget says when to retry.
  await emailButton.click();
  await page.getByRole('alert').filter({ hasText: /^Too many requests: try again in about \d+ min\.$/ }).waitFor();
  // Another visitor's transcript to the same inbox, enqueued after the refusal, marks the end: the
  // outbox sends oldest first, so once it arrived, a mail of the refused request would have too.
  const marker = `Do you ship abroad? (${randomBytes(4).toString('hex')})`;
  await chatAndEnd(marker);
  await waitForMail(greenMail.imapPort, VISITOR, (m) => m.text?.includes(marker), { what: 'the marker transcript' });
  const copies = (await readInbox(greenMail.imapPort, VISITOR)).map(parseMessage).filter((m) => m.text?.includes(question));
  assert.equal(copies.length, 1, 'the refused request mailed nothing');
  assert.deepEqual(problems, []);
});
