// Mail for the browser tests, with no npm package: GreenMail (SMTP + IMAP on loopback) as a
// process of its own, a minimal IMAP client (LOGIN, SELECT, UID SEARCH, UID FETCH) to read a
// mailbox, a minimal SMTP client (EHLO, MAIL FROM, RCPT TO, DATA) to send a reply, and a MIME
// reader just big enough for the server's mails (multipart/alternative, quoted-printable or
// base64, RFC 2047 subjects). Not a test file itself (node --test runs *.test.js).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { REPO_ROOT } from './server.js';

/** Copied there by `mvn package` (chat-server/pom.xml, maven-dependency-plugin): test only. */
export const GREENMAIL_JAR = process.env.GREENMAIL_JAR ?? path.join(REPO_ROOT, 'chat-server', 'target', 'greenmail-standalone.jar');
const STARTUP_TIMEOUT_MS = 60_000;

/** A free TCP port on 127.0.0.1 (free when asked; the caller binds it right after). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starts GreenMail on loopback: SMTP and IMAP on free ports, its REST API on a third one.
 * `users` are `{email, password}`; the IMAP login is the whole address. GreenMail delivers
 * `local+detail@domain` to `local@domain` (sub-addressing, as a reply mailbox needs).
 * Resolves to {smtpPort, imapPort, output, stop()} once the SMTP port greets.
 */
export async function startGreenMail({ users }) {
  assert.ok(existsSync(GREENMAIL_JAR),
    `${GREENMAIL_JAR} is missing: "mvn -B -pl chat-server -am -DskipTests package" copies it there (the browser tests never skip).`);
  const [smtpPort, imapPort, apiPort] = [await freePort(), await freePort(), await freePort()];
  const userList = users.map(({ email, password }) => {
    const [local, domain] = email.split('@');
    return `${local}:${password}@${domain}`;
  }).join(',');
  const child = spawn('java', [
    '-Xmx128m', '-Dgreenmail.hostname=127.0.0.1',
    `-Dgreenmail.smtp.port=${smtpPort}`, `-Dgreenmail.imap.port=${imapPort}`, `-Dgreenmail.api.port=${apiPort}`,
    `-Dgreenmail.users=${userList}`, '-Dgreenmail.users.login=email', '-Dgreenmail.sieve.ignore.detail=true',
    '-jar', GREENMAIL_JAR,
  ], { stdio: ['ignore', 'pipe', 'pipe'] });
  const output = [];
  for (const stream of [child.stdout, child.stderr]) createInterface({ input: stream }).on('line', (line) => output.push(line));
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  let gone = false;
  exited.then(() => { gone = true; });
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  for (;;) {
    if (gone) throw new Error(`GreenMail exited before it was ready:\n${output.join('\n')}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`GreenMail did not start in ${STARTUP_TIMEOUT_MS} ms:\n${output.join('\n')}`);
    }
    try {
      const smtp = await SmtpSession.open(smtpPort);
      await smtp.quit();
      break;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  return {
    smtpPort,
    imapPort,
    output,
    async stop() {
      if (gone) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Reads lines (and IMAP literals) from a socket as they come. */
class Lines {
  #buffer = Buffer.alloc(0);
  #waiters = [];
  #error = null;

  constructor(socket) {
    socket.on('data', (chunk) => {
      this.#buffer = Buffer.concat([this.#buffer, chunk]);
      this.#wake();
    });
    socket.on('error', (error) => { this.#error = error; this.#wake(); });
    socket.on('close', () => { this.#error ??= new Error('connection closed'); this.#wake(); });
  }

  #wake() {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const wake of waiters) wake();
  }

  async #until(ready) {
    for (;;) {
      const value = ready();
      if (value !== undefined) return value;
      if (this.#error) throw this.#error;
      await new Promise((resolve) => this.#waiters.push(resolve));
    }
  }

  /** The next line, without its CRLF. */
  line() {
    return this.#until(() => {
      const end = this.#buffer.indexOf('\r\n');
      if (end < 0) return undefined;
      const line = this.#buffer.subarray(0, end).toString('utf8');
      this.#buffer = this.#buffer.subarray(end + 2);
      return line;
    });
  }

  /** The next `length` bytes. */
  bytes(length) {
    return this.#until(() => {
      if (this.#buffer.length < length) return undefined;
      const bytes = this.#buffer.subarray(0, length);
      this.#buffer = this.#buffer.subarray(length);
      return bytes;
    });
  }
}

function connect(port) {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.setTimeout(30_000, () => socket.destroy(new Error(`no answer from 127.0.0.1:${port} in 30 s`)));
    socket.once('connect', () => { socket.off('error', reject); resolve(socket); });
    socket.once('error', reject);
  });
}

/** An IMAP session: `command(text)` resolves to the untagged lines and the literals received. */
export class ImapSession {
  #socket;
  #lines;
  #tag = 0;

  constructor(socket) {
    this.#socket = socket;
    this.#lines = new Lines(socket);
  }

  static async open(port) {
    const session = new ImapSession(await connect(port));
    const greeting = await session.#lines.line();
    assert.match(greeting, /^\* OK/, `IMAP greeting: ${greeting}`);
    return session;
  }

  async command(text) {
    const tag = `a${++this.#tag}`;
    this.#socket.write(`${tag} ${text}\r\n`);
    const untagged = [];
    const literals = [];
    for (;;) {
      let line = await this.#lines.line();
      if (line.startsWith(`${tag} `)) {
        if (!line.startsWith(`${tag} OK`)) throw new Error(`IMAP ${text.split(' ')[0]} failed: ${line}`);
        return { untagged, literals };
      }
      // A literal {n}: n bytes follow the line, then the rest of the response line.
      let literal = /\{(\d+)\}$/.exec(line);
      while (literal) {
        literals.push(await this.#lines.bytes(Number(literal[1])));
        const rest = await this.#lines.line();
        line += rest;
        literal = /\{(\d+)\}$/.exec(rest);
      }
      untagged.push(line);
    }
  }

  async logout() {
    try { await this.command('LOGOUT'); } catch { /* closing anyway */ }
    this.#socket.destroy();
  }
}

function imapString(value) {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** Every message in the INBOX of `email`, raw (Buffers), oldest first; leaves them unread. */
export async function readInbox(imapPort, { email, password }) {
  const imap = await ImapSession.open(imapPort);
  try {
    await imap.command(`LOGIN ${imapString(email)} ${imapString(password)}`);
    await imap.command('SELECT INBOX');
    const { untagged } = await imap.command('UID SEARCH ALL');
    const uids = (untagged.find((line) => line.startsWith('* SEARCH')) ?? '* SEARCH').slice('* SEARCH'.length).trim();
    if (uids === '') return [];
    const { literals } = await imap.command(`UID FETCH ${uids.split(/\s+/).join(',')} (BODY.PEEK[])`);
    return literals;
  } finally {
    await imap.logout();
  }
}

/**
 * Waits (polling the mailbox every 250 ms, at most `timeoutMs`) for a message of `email`'s INBOX
 * that `matches` (given the parsed message), and returns it parsed.
 */
export async function waitForMail(imapPort, account, matches, { timeoutMs = 30_000, what = 'a mail' } = {}) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const seen = (await readInbox(imapPort, account)).map(parseMessage);
    const found = seen.find(matches);
    if (found) return found;
    if (Date.now() > deadline) {
      throw new Error(`${what} did not reach ${account.email} in ${timeoutMs} ms; the mailbox holds: `
        + JSON.stringify(seen.map((m) => ({ subject: m.header('subject'), text: m.text?.slice(0, 300) }))));
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** An SMTP session: every step checks the reply code. */
export class SmtpSession {
  #socket;
  #lines;

  constructor(socket) {
    this.#socket = socket;
    this.#lines = new Lines(socket);
  }

  static async open(port) {
    const session = new SmtpSession(await connect(port));
    await session.#reply(220, 'greeting');
    return session;
  }

  async #reply(expected, step) {
    const lines = [];
    for (;;) {
      const line = await this.#lines.line();
      lines.push(line);
      if (/^\d{3} /.test(line) || /^\d{3}$/.test(line)) break;
    }
    const code = Number(lines.at(-1).slice(0, 3));
    if (code !== expected) throw new Error(`SMTP ${step}: expected ${expected}, got ${lines.join(' | ')}`);
    return lines;
  }

  async send(line, expected) {
    this.#socket.write(`${line}\r\n`);
    return this.#reply(expected, line.split(/[ :]/)[0]);
  }

  /** MAIL FROM, RCPT TO, DATA with `message` (CRLF lines, dot-stuffed here). */
  async mail({ from, to, message }) {
    await this.send('EHLO visitor.test', 250);
    await this.send(`MAIL FROM:<${from}>`, 250);
    await this.send(`RCPT TO:<${to}>`, 250);
    await this.send('DATA', 354);
    const body = message.replace(/\r?\n/g, '\r\n').split('\r\n').map((line) => (line.startsWith('.') ? `.${line}` : line)).join('\r\n');
    this.#socket.write(`${body}\r\n.\r\n`);
    await this.#reply(250, 'end of DATA');
  }

  async quit() {
    try { await this.send('QUIT', 221); } catch { /* closing anyway */ }
    this.#socket.destroy();
  }
}

/** Sends one message over SMTP to 127.0.0.1:`port`. */
export async function sendMail(port, { from, to, message }) {
  const smtp = await SmtpSession.open(port);
  try {
    await smtp.mail({ from, to, message });
  } finally {
    await smtp.quit();
  }
}

function splitHeaders(raw) {
  const end = raw.indexOf('\r\n\r\n');
  const head = end < 0 ? raw : raw.slice(0, end);
  const body = end < 0 ? '' : raw.slice(end + 4);
  const headers = [];
  for (const line of head.split('\r\n')) {
    if (/^[ \t]/.test(line) && headers.length > 0) headers[headers.length - 1][1] += ` ${line.trim()}`;
    else {
      const colon = line.indexOf(':');
      if (colon > 0) headers.push([line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim()]);
    }
  }
  return { headers, body };
}

function charsetOf(contentType) {
  return (/charset="?([^";\s]+)"?/i.exec(contentType ?? '')?.[1] ?? 'utf-8').toLowerCase();
}

function decodeBytes(bytes, charset) {
  try {
    return new TextDecoder(charset).decode(bytes);
  } catch {
    return new TextDecoder('utf-8').decode(bytes);
  }
}

function quotedPrintable(text) {
  const soft = text.replace(/=\r?\n/g, '');
  const bytes = [];
  for (let i = 0; i < soft.length; i += 1) {
    if (soft[i] === '=' && /^[0-9A-Fa-f]{2}$/.test(soft.slice(i + 1, i + 3))) {
      bytes.push(parseInt(soft.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      bytes.push(...Buffer.from(soft[i], 'latin1'));
    }
  }
  return Uint8Array.from(bytes);
}

/** Decodes RFC 2047 encoded words (`=?UTF-8?Q?…?=`, `=?UTF-8?B?…?=`). */
export function decodeWords(value) {
  return value.replace(/\?=\s+=\?/g, '?==?').replace(/=\?([^?]+)\?([QqBb])\?([^?]*)\?=/g, (_, charset, encoding, text) => {
    const bytes = encoding.toUpperCase() === 'B'
      ? Buffer.from(text, 'base64')
      : quotedPrintable(text.replace(/_/g, ' '));
    return decodeBytes(bytes, charset.toLowerCase());
  });
}

function parsePart(raw, into) {
  const { headers, body } = splitHeaders(raw);
  const get = (name) => headers.find(([n]) => n === name)?.[1];
  const contentType = get('content-type') ?? 'text/plain; charset=us-ascii';
  const boundary = /boundary="?([^";]+)"?/i.exec(contentType)?.[1];
  if (/^multipart\//i.test(contentType) && boundary) {
    const pieces = body.split(`--${boundary}`);
    for (const piece of pieces.slice(1)) {
      if (piece.startsWith('--')) break;
      parsePart(piece.replace(/^\r\n/, ''), into);
    }
    return headers;
  }
  const encoding = (get('content-transfer-encoding') ?? '7bit').toLowerCase();
  const bytes = encoding === 'base64' ? Buffer.from(body.replace(/\s+/g, ''), 'base64')
    : encoding === 'quoted-printable' ? quotedPrintable(body)
      : Buffer.from(body, 'latin1');
  into.push({ type: contentType.split(';')[0].trim().toLowerCase(), text: decodeBytes(bytes, charsetOf(contentType)) });
  return headers;
}

/**
 * A raw message (Buffer) as {header(name) (decoded, first), headers, parts [{type, text}],
 * text (the text/plain part), html (the text/html part), raw}.
 */
export function parseMessage(raw) {
  const text = Buffer.isBuffer(raw) ? raw.toString('latin1') : raw;
  const parts = [];
  const headers = parsePart(text, parts);
  return {
    raw: text,
    headers,
    header: (name) => {
      const value = headers.find(([n]) => n === name.toLowerCase())?.[1];
      return value === undefined ? undefined : decodeWords(value);
    },
    parts,
    text: parts.find((p) => p.type === 'text/plain')?.text,
    html: parts.find((p) => p.type === 'text/html')?.text,
  };
}

/** The bare address of a header value like `Name <local@domain>`. */
export function addressOf(value) {
  return (/<([^>]+)>/.exec(value ?? '')?.[1] ?? value ?? '').trim();
}
