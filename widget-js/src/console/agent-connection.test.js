import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AgentConnection } from './agent-connection.js';
import { Backoff } from '../shared/backoff.js';
import { FakeClock } from '../widget/connection-fakes.js';

class FakeSocket {
  static instances = [];
  readyState = 0;
  sent = [];
  constructor(url) { this.url = url; FakeSocket.instances.push(this); }
  send(text) { this.sent.push(JSON.parse(text)); }
  close() { this.readyState = 3; }
  serverOpen() { this.readyState = 1; this.onopen?.({}); }
  serverSend(frame) { this.onmessage?.({ data: JSON.stringify(frame) }); }
  serverClose(code = 1006) { this.readyState = 3; this.onclose?.({ code, reason: '' }); }
}

function setup() {
  FakeSocket.instances = [];
  let n = 0;
  const timers = { pending: [], setTimeout(fn, ms) { this.pending.push({ fn, ms }); return 1; }, clearTimeout() { this.pending = []; } };
  const connection = new AgentConnection({
    server: 'http://127.0.0.1:8080', token: 'st_1', WebSocketImpl: FakeSocket,
    backoff: new Backoff({ baseMs: 100, random: () => 1 }), idFactory: () => `a${++n}`, timers,
  });
  const seen = [];
  for (const type of ['welcome', 'queue', 'assigned', 'event', 'ack', 'error', 'unauthorized', 'state']) {
    connection.addEventListener(type, (e) => seen.push([type, e.detail]));
  }
  return { connection, timers, seen, socket: () => FakeSocket.instances.at(-1) };
}

test('says hello with the session token on /ws/agent', () => {
  const { connection, socket } = setup();
  connection.connect();
  assert.equal(socket().url, 'ws://127.0.0.1:8080/ws/agent');
  socket().serverOpen();
  assert.deepEqual(socket().sent, [{ type: 'hello', id: 'a1', version: 2, token: 'st_1' }]);
});

test('every hello carries the presence the agent chose, so a reconnect never makes an away agent online', () => {
  FakeSocket.instances = [];
  let presence = 'away';
  const timers = { pending: [], setTimeout(fn, ms) { this.pending.push({ fn, ms }); return 1; }, clearTimeout() { this.pending = []; } };
  const connection = new AgentConnection({
    server: 'http://127.0.0.1:8080', token: 'st_1', WebSocketImpl: FakeSocket, presence: () => presence,
    backoff: new Backoff({ baseMs: 100, random: () => 1 }), idFactory: () => 'h', timers,
  });
  connection.connect();
  FakeSocket.instances.at(-1).serverOpen();
  assert.deepEqual(FakeSocket.instances.at(-1).sent, [{ type: 'hello', id: 'h', version: 2, token: 'st_1', status: 'away' }]);
  presence = 'online';
  FakeSocket.instances.at(-1).serverClose(1006);
  timers.pending.shift().fn();
  FakeSocket.instances.at(-1).serverOpen();
  assert.equal(FakeSocket.instances.at(-1).sent[0].status, 'online');
  presence = 'bogus';
  FakeSocket.instances.at(-1).serverClose(1006);
  timers.pending.shift().fn();
  FakeSocket.instances.at(-1).serverOpen();
  assert.equal('status' in FakeSocket.instances.at(-1).sent[0], false);
});

test('frames are passed on by type', () => {
  const { connection, socket, seen } = setup();
  connection.connect();
  socket().serverOpen();
  socket().serverSend({ type: 'welcome', ref: 'a1', version: 1, role: 'agent', agent: { id: 'demo', name: 'Dana Demo' } });
  socket().serverSend({ type: 'queue', entries: [] });
  assert.deepEqual(seen.filter(([t]) => t !== 'state').map(([t]) => t), ['welcome', 'queue']);
  assert.equal(connection.state, 'open');
});

test('unacknowledged replies are resent with their id after a reconnect; accept is not', () => {
  const { connection, socket, timers } = setup();
  connection.connect();
  socket().serverOpen();
  socket().serverSend({ type: 'welcome', role: 'agent' });
  const reply = connection.request('message', { conversationId: 'c_1', text: 'Hi' });
  connection.request('accept', { conversationId: 'c_2' });
  socket().serverClose(1006);
  assert.equal(timers.pending[0].ms, 100);
  timers.pending.shift().fn();
  socket().serverOpen();
  socket().serverSend({ type: 'welcome', role: 'agent' });
  assert.deepEqual(socket().sent.slice(1), [{ type: 'message', id: reply, conversationId: 'c_1', text: 'Hi' }]);
});

test("a reply's own event acknowledges it (protocol 2): it is not resent, and an ack follows the event", () => {
  const { connection, socket, timers, seen } = setup();
  connection.connect();
  socket().serverOpen();
  socket().serverSend({ type: 'welcome', role: 'agent', version: 2 });
  const reply = connection.request('message', { conversationId: 'c_1', text: 'Hi' });
  const note = connection.request('note', { conversationId: 'c_1', text: 'VIP' });
  socket().serverSend({ type: 'event', conversationId: 'c_1', seq: 7, id: reply, kind: 'message', text: 'Hi' });
  assert.deepEqual(seen.filter(([t]) => t === 'event' || t === 'ack').map(([t]) => t), ['event', 'ack']);
  socket().serverClose(1006);
  timers.pending.shift().fn();
  socket().serverOpen();
  socket().serverSend({ type: 'welcome', role: 'agent', version: 2 });
  assert.deepEqual(socket().sent.slice(1).map((f) => f.id), [note], 'only the unacknowledged note is resent');
});

test('a reply the server could not store (internal) stays in the outbox and is sent again later, same id', () => {
  const { connection, socket, timers, seen } = setup();
  connection.connect();
  socket().serverOpen();
  socket().serverSend({ type: 'welcome', role: 'agent' });
  const reply = connection.request('message', { conversationId: 'c_1', text: 'Hi' });
  socket().serverSend({ type: 'error', code: 'internal', message: 'The message could not be stored; retry with the same id.', ref: reply });
  assert.equal(seen.some(([t]) => t === 'error'), false, 'not shown as failed: it is still on its way');
  assert.equal(timers.pending.length, 1);
  timers.pending.shift().fn();
  assert.deepEqual(socket().sent.filter((f) => f.type === 'message').map((f) => f.id), [reply, reply]);
  // Stored at last: its own event acknowledges it, and nothing is resent after a reconnect.
  socket().serverSend({ type: 'event', conversationId: 'c_1', seq: 3, id: reply, kind: 'message', text: 'Hi' });
  assert.deepEqual(seen.filter(([t]) => t === 'ack').map(([, f]) => f.ref), [reply]);
  socket().serverClose(1006);
  timers.pending.shift().fn();
  socket().serverOpen();
  socket().serverSend({ type: 'welcome', role: 'agent' });
  assert.deepEqual(socket().sent.filter((f) => f.type === 'message'), []);
});

test('other errors end the request: it is passed on and not resent', () => {
  const { connection, socket, timers, seen } = setup();
  connection.connect();
  socket().serverOpen();
  socket().serverSend({ type: 'welcome', role: 'agent' });
  const reply = connection.request('message', { conversationId: 'c_9', text: 'Hi' });
  socket().serverSend({ type: 'error', code: 'bad_state', message: 'This conversation is closed.', ref: reply });
  assert.deepEqual(seen.filter(([t]) => t === 'error').map(([, f]) => f.ref), [reply]);
  socket().serverClose(1006);
  timers.pending.shift().fn();
  socket().serverOpen();
  socket().serverSend({ type: 'welcome', role: 'agent' });
  assert.deepEqual(socket().sent.filter((f) => f.type === 'message'), []);
});

test('an unauthorized error ends the session without reconnecting', () => {
  const { connection, socket, seen, timers } = setup();
  connection.connect();
  socket().serverOpen();
  socket().serverSend({ type: 'error', code: 'unauthorized', message: 'Bad token.', ref: 'a1' });
  socket().serverClose(1008);
  assert.equal(seen.filter(([t]) => t === 'unauthorized').length, 1);
  assert.equal(timers.pending.length, 0);
  assert.equal(connection.state, 'closed');
});

test('a token is required', () => {
  assert.throws(() => new AgentConnection({ server: 'http://x', token: '', WebSocketImpl: FakeSocket }), /token/);
});

test('after a drop it reconnects with growing delays and says hello with the token again', () => {
  const { connection, socket, timers, seen } = setup();
  connection.connect();
  socket().serverOpen();
  socket().serverSend({ type: 'welcome', role: 'agent' });
  socket().serverClose(1006);
  assert.equal(connection.state, 'reconnecting');
  assert.equal(timers.pending[0].ms, 100);
  timers.pending.shift().fn();
  socket().serverClose(1006); // the server is still away
  assert.equal(timers.pending[0].ms, 200);
  timers.pending.shift().fn();
  socket().serverOpen();
  assert.deepEqual(socket().sent, [{ type: 'hello', id: socket().sent[0].id, version: 2, token: 'st_1' }]);
  socket().serverSend({ type: 'welcome', role: 'agent' });
  assert.equal(connection.state, 'open');
  assert.equal(seen.filter(([t]) => t === 'welcome').length, 2, 'each welcome is passed on: the console resumes its chats on it');
  socket().serverClose(1006);
  assert.equal(timers.pending[0].ms, 100, 'a welcome resets the backoff');
});

test('a token the restarted server no longer knows ends the session instead of retrying', () => {
  const { connection, socket, timers, seen } = setup();
  connection.connect();
  socket().serverOpen();
  socket().serverSend({ type: 'welcome', role: 'agent' });
  socket().serverClose(1006);
  timers.pending.shift().fn();
  socket().serverOpen();
  socket().serverSend({ type: 'error', code: 'unauthorized', message: 'Please sign in again.', ref: socket().sent[0].id });
  socket().serverClose(1008);
  assert.equal(seen.filter(([t]) => t === 'unauthorized').length, 1);
  assert.equal(timers.pending.length, 0);
  assert.equal(connection.state, 'closed');
});

test('the delays are jittered: between half and all of the cap', () => {
  const delays = [0, 0.5, 1].map((r) => {
    FakeSocket.instances = [];
    const timers = { pending: [], setTimeout(fn, ms) { this.pending.push({ fn, ms }); return 1; }, clearTimeout() { this.pending = []; } };
    const connection = new AgentConnection({
      server: 'http://127.0.0.1:8080', token: 'st_1', WebSocketImpl: FakeSocket,
      backoff: new Backoff({ baseMs: 100, random: () => r }), timers,
    });
    connection.connect();
    FakeSocket.instances.at(-1).serverClose(1006);
    return timers.pending[0].ms;
  });
  assert.deepEqual(delays, [50, 75, 100]);
});

test('notes are resent like replies; receipts go out only while connected', () => {
  const { connection, socket, timers } = setup();
  connection.connect();
  socket().serverOpen();
  assert.equal(connection.receipt('c_1', 3, 'read'), false, 'not before welcome');
  socket().serverSend({ type: 'welcome', role: 'agent' });
  assert.equal(connection.receipt('c_1', 3, 'read'), true);
  assert.deepEqual(socket().sent.at(-1), { type: 'receipt', conversationId: 'c_1', seq: 3, status: 'read' });
  const note = connection.request('note', { conversationId: 'c_1', text: 'VIP' });
  connection.request('transfer', { conversationId: 'c_1', agentId: 'sam' });
  socket().serverClose(1006);
  timers.pending.shift().fn();
  socket().serverOpen();
  socket().serverSend({ type: 'welcome', role: 'agent' });
  assert.deepEqual(socket().sent.slice(1), [{ type: 'note', id: note, conversationId: 'c_1', text: 'VIP' }]);
});

/** A welcomed connection on a fake clock whose resend waits draw their jitter from `draws`. */
function clocked(draws) {
  FakeSocket.instances = [];
  let n = 0;
  const clock = new FakeClock();
  const connection = new AgentConnection({
    server: 'http://127.0.0.1:8080', token: 'st_1', WebSocketImpl: FakeSocket, idFactory: () => `a${++n}`, timers: clock,
    backoff: new Backoff({ baseMs: 100, random: () => 1 }),
    retryBackoff: new Backoff({ baseMs: 1000, random: () => draws.shift() ?? 1 }),
  });
  const socket = () => FakeSocket.instances.at(-1);
  connection.connect();
  socket().serverOpen();
  socket().serverSend({ type: 'welcome', role: 'agent', version: 2 });
  const replies = () => socket().sent.filter((f) => f.type === 'message').map((f) => f.id);
  return { connection, clock, socket, replies };
}

const internal = (ref) => ({ type: 'error', code: 'internal', message: 'The message could not be stored; retry with the same id.', ref });

for (const draws of [[1, 0], [0, 1], [0, 0], [1, 1], [0.3, 0.7]]) {
  test(`two replies the server could not store are sent again in the order they were written (jitter ${draws})`, () => {
    // With jitter 1 then 0, a timer per request would wait 1000 ms for the first reply and
    // 500 ms for the second (the note's ack in between resets the backoff): the second would go first.
    const { connection, clock, socket, replies } = clocked([...draws]);
    const wait = 500 + 500 * draws[0];
    const note = connection.request('note', { conversationId: 'c_1', text: 'VIP' });
    const r1 = connection.request('message', { conversationId: 'c_1', text: 'first' });
    const r2 = connection.request('message', { conversationId: 'c_1', text: 'second' });
    socket().serverSend(internal(r1));
    socket().serverSend({ type: 'ack', ref: note, conversationId: 'c_1', seq: 4 });
    socket().serverSend(internal(r2));
    assert.equal(clock.pending.length, 1, 'one timer for both');
    clock.advance(wait - 1);
    assert.deepEqual(replies(), [r1, r2], 'nothing resent before the wait');
    clock.advance(1);
    assert.deepEqual(replies(), [r1, r2, r1, r2]);
    clock.advance(60_000);
    assert.deepEqual(replies(), [r1, r2, r1, r2], 'each resent once');
  });
}

test('one wait for several failed replies, resent in sending order; a stored one is not resent', () => {
  const { connection, clock, socket, replies } = clocked([0, 0, 0]);
  const ids = ['a', 'b', 'c'].map((text) => connection.request('message', { conversationId: 'c_1', text }));
  for (const id of [ids[2], ids[0], ids[1]]) socket().serverSend(internal(id));
  assert.deepEqual(clock.pending.map((t) => t.at), [500]);
  clock.advance(500);
  assert.deepEqual(replies().slice(3), ids, 'sending order, not the order of the errors');
  socket().serverSend(internal(ids[1]));
  socket().serverSend(internal(ids[0]));
  assert.deepEqual(clock.pending.map((t) => t.at - clock.now), [1000], 'one timer, one step further');
  socket().serverSend({ type: 'event', conversationId: 'c_1', seq: 5, id: ids[2], kind: 'message', text: 'c' });
  clock.advance(1000);
  assert.deepEqual(replies().slice(6), [ids[0], ids[1]]);
  socket().serverSend(internal(ids[1]));
  assert.deepEqual(clock.pending.map((t) => t.at - clock.now), [500], 'back to the first step after the ack');
});

test('after a reconnect the welcome resends every waiting reply in order, and the pending resend is dropped', () => {
  const { connection, clock, socket, replies } = clocked([1, 0]);
  const note = connection.request('note', { conversationId: 'c_1', text: 'VIP' });
  const r1 = connection.request('message', { conversationId: 'c_1', text: 'first' });
  const r2 = connection.request('message', { conversationId: 'c_1', text: 'second' });
  const r3 = connection.request('message', { conversationId: 'c_1', text: 'third' });
  socket().serverSend(internal(r1));
  socket().serverSend({ type: 'ack', ref: note, conversationId: 'c_1', seq: 4 });
  socket().serverSend(internal(r2));
  socket().serverClose(1006);
  clock.advance(100); // the reconnect's wait
  assert.equal(FakeSocket.instances.length, 2);
  socket().serverOpen();
  socket().serverSend({ type: 'welcome', role: 'agent', version: 2 });
  assert.deepEqual(replies(), [r1, r2, r3]);
  clock.advance(60_000);
  assert.deepEqual(replies(), [r1, r2, r3], 'nothing sent twice on the new socket');
  assert.equal(clock.pending.length, 0);
});
