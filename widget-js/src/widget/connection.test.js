import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Connection } from './connection.js';
import { Backoff } from '../shared/backoff.js';
import { FakeSocket, ManualTimers, MemoryStorage } from './connection-fakes.js';

function setup({ storage = new MemoryStorage(), outboxStorage = new MemoryStorage() } = {}) {
  FakeSocket.instances = [];
  let n = 0;
  const timers = new ManualTimers();
  const connection = new Connection({
    server: 'https://chat.example.com',
    site: 'demo',
    context: () => ({ language: 'en', page: { url: 'https://shop.example.com/', title: 'Shop', referrer: '' } }),
    storage,
    outboxStorage,
    WebSocketImpl: FakeSocket,
    backoff: new Backoff({ baseMs: 100, random: () => 1 }),
    idFactory: () => `id${++n}`,
    timers,
  });
  const seen = [];
  for (const type of ['event', 'welcome', 'ack', 'queue_status', 'typing', 'error', 'conversation', 'transcript', 'state']) {
    connection.addEventListener(type, (e) => seen.push({ type, detail: e.detail }));
  }
  const socket = () => FakeSocket.instances.at(-1);
  const events = () => seen.filter((s) => s.type === 'event').map((s) => s.detail.event);
  return { connection, storage, outboxStorage, timers, seen, socket, events };
}

const welcome = (extra = {}) => ({ type: 'welcome', ref: 'id1', version: 1, role: 'visitor', visitorId: 'v_1', visitorToken: 'vt_abc', ...extra });
const event = (seq, extra = {}) => ({ type: 'event', conversationId: 'c_1', seq, ts: '2026-11-23T10:15:30Z', kind: 'message', author: { role: 'visitor' }, text: `m${seq}`, ...extra });

test('the endpoint follows the page server scheme', () => {
  assert.equal(Connection.endpointFor('https://chat.example.com'), 'wss://chat.example.com/ws/visitor');
  assert.equal(Connection.endpointFor('http://127.0.0.1:8080/'), 'ws://127.0.0.1:8080/ws/visitor');
});

test('no socket is opened until connect()', () => {
  const { connection } = setup();
  assert.equal(FakeSocket.instances.length, 0);
  assert.equal(connection.state, 'idle');
  connection.connect();
  connection.connect();
  assert.equal(FakeSocket.instances.length, 1);
  assert.equal(FakeSocket.instances[0].url, 'wss://chat.example.com/ws/visitor');
});

test('hello names version, site and context; the welcome token is stored', () => {
  const { connection, socket, storage } = setup();
  connection.connect();
  socket().serverOpen();
  const hello = socket().sent[0];
  assert.equal(hello.type, 'hello');
  assert.equal(hello.version, 2);
  assert.equal(hello.site, 'demo');
  assert.equal(hello.id, 'id1');
  assert.equal(hello.visitorToken, undefined);
  assert.equal(hello.resume, undefined);
  assert.equal(hello.context.page.title, 'Shop');
  socket().serverSend(welcome());
  assert.equal(storage.getItem('concierge.visitorToken.demo'), 'vt_abc');
  assert.equal(connection.state, 'open');
});

test('a stored token and conversation are sent back with a resume point', () => {
  const storage = new MemoryStorage();
  storage.setItem('concierge.visitorToken.demo', 'vt_old');
  storage.setItem('concierge.conversation.demo', JSON.stringify({ id: 'c_1', lastSeq: 4, closed: false }));
  assert.equal(Connection.hasOngoingConversation('demo', storage, null), true);
  assert.equal(Connection.hasOngoingConversation('other', storage, null), false);
  const { connection, socket } = setup({ storage });
  connection.connect();
  socket().serverOpen();
  const hello = socket().sent[0];
  assert.equal(hello.visitorToken, 'vt_old');
  assert.deepEqual(hello.resume, { conversationId: 'c_1', lastSeq: 0 });
});

test('the first message names no conversation; the ack does, and it is kept', () => {
  const { connection, socket, storage } = setup();
  const id = connection.sendMessage('Where is my order?');
  socket().serverOpen();
  socket().serverSend(welcome());
  const message = socket().last('message');
  assert.deepEqual(message, { type: 'message', id, text: 'Where is my order?' });
  socket().serverSend({ type: 'ack', ref: id, conversationId: 'c_1', seq: 1 });
  assert.equal(connection.conversationId, 'c_1');
  assert.equal(JSON.parse(storage.getItem('concierge.conversation.demo')).id, 'c_1');
  assert.deepEqual(connection.unacknowledged, []);
  const second = connection.sendMessage('How do I return an item?', 'returns-how');
  assert.deepEqual(socket().last('message'), { type: 'message', id: second, text: 'How do I return an item?', entryId: 'returns-how', conversationId: 'c_1' });
});

test('every request gets a fresh id', () => {
  const { connection } = setup();
  const ids = [connection.sendMessage('a'), connection.requestHandoff(), connection.rate(5), connection.closeConversation()];
  assert.equal(new Set(ids).size, 4);
});

test('events are delivered in seq order, each once, whatever the server repeats', () => {
  const { connection, socket, events } = setup();
  connection.connect();
  socket().serverOpen();
  socket().serverSend(welcome({ conversationId: 'c_1' }));
  socket().serverSend({ type: 'transcript', conversationId: 'c_1', state: 'bot', events: [event(1), event(2)].map(({ type, conversationId, ...e }) => e) });
  socket().serverSend(event(2));
  socket().serverSend(event(3));
  socket().serverSend(event(3));
  assert.deepEqual(events().map((e) => e.seq), [1, 2, 3]);
  assert.equal(events()[0].conversationId, 'c_1', 'transcript events get the frame conversation id');
  assert.equal(connection.lastSeq, 3);
});

test('a gap asks for history and fills in order', () => {
  const { connection, socket, events } = setup();
  connection.connect();
  socket().serverOpen();
  socket().serverSend(welcome({ conversationId: 'c_1' }));
  socket().serverSend(event(1));
  socket().serverSend(event(3));
  assert.deepEqual(events().map((e) => e.seq), [1]);
  const history = socket().last('history');
  assert.deepEqual(history, { type: 'history', id: history.id, conversationId: 'c_1', afterSeq: 1 });
  socket().serverSend({ type: 'transcript', ref: history.id, conversationId: 'c_1', state: 'bot', events: [{ seq: 2, kind: 'message', text: 'm2' }, { seq: 3, kind: 'message', text: 'm3' }] });
  assert.deepEqual(events().map((e) => e.seq), [1, 2, 3]);
});

test('a long transcript comes in pages: each one that says more asks for the next, to the last', () => {
  const { connection, socket, events } = setup();
  connection.connect();
  socket().serverOpen();
  socket().serverSend(welcome({ conversationId: 'c_1' }));
  socket().serverSend({ type: 'transcript', conversationId: 'c_1', state: 'assigned', more: true, events: [{ seq: 1, kind: 'message', text: 'm1' }, { seq: 2, kind: 'message', text: 'm2' }] });
  const next = socket().last('history');
  assert.deepEqual(next, { type: 'history', id: next.id, conversationId: 'c_1', afterSeq: 2 });
  socket().serverSend({ type: 'transcript', ref: next.id, conversationId: 'c_1', state: 'assigned', more: true, events: [{ seq: 3, kind: 'message', text: 'm3' }] });
  const last = socket().last('history');
  assert.equal(last.afterSeq, 3);
  socket().serverSend({ type: 'transcript', ref: last.id, conversationId: 'c_1', state: 'assigned', events: [{ seq: 4, kind: 'message', text: 'm4' }] });
  assert.deepEqual(events().map((e) => e.seq), [1, 2, 3, 4]);
  assert.equal(socket().sent.filter((f) => f.type === 'history').length, 2);
});

test('after a drop it reconnects with backoff and resumes after the last seq', () => {
  const { connection, socket, timers, seen } = setup();
  connection.connect();
  socket().serverOpen();
  socket().serverSend(welcome({ conversationId: 'c_1' }));
  socket().serverSend(event(1));
  socket().serverSend(event(2));
  socket().serverClose(1006);
  assert.equal(connection.state, 'reconnecting');
  assert.equal(timers.runNext(), 100);
  socket().serverClose(1006); // the retry fails too
  assert.equal(timers.runNext(), 200);
  socket().serverOpen();
  const hello = socket().sent[0];
  assert.equal(hello.visitorToken, 'vt_abc');
  assert.deepEqual(hello.resume, { conversationId: 'c_1', lastSeq: 2 });
  socket().serverSend(welcome({ conversationId: 'c_1' }));
  assert.equal(connection.state, 'open');
  assert.ok(seen.some((s) => s.type === 'state' && s.detail.state === 'reconnecting'));
});

test('unacknowledged requests are resent with their original id after a reconnect', () => {
  const { connection, socket, timers } = setup();
  connection.connect();
  socket().serverOpen();
  socket().serverSend(welcome({ conversationId: 'c_1' }));
  const id = connection.sendMessage('Hello?');
  const acked = connection.sendMessage('Acked one');
  socket().serverSend({ type: 'ack', ref: acked, conversationId: 'c_1', seq: 1 });
  socket().serverClose(1006);
  timers.runNext();
  socket().serverOpen();
  socket().serverSend(welcome({ conversationId: 'c_1' }));
  const resent = socket().sent.filter((f) => f.type === 'message');
  assert.deepEqual(resent, [{ type: 'message', id, text: 'Hello?', conversationId: 'c_1' }]);
});

test('typing is not queued and needs a conversation', () => {
  const { connection, socket } = setup();
  connection.typing(true);
  assert.equal(FakeSocket.instances.length, 0);
  connection.connect();
  socket().serverOpen();
  socket().serverSend(welcome());
  connection.typing(true);
  assert.equal(socket().last('typing'), undefined);
  socket().serverSend(event(1));
  connection.typing(true);
  assert.deepEqual(socket().last('typing'), { type: 'typing', conversationId: 'c_1', typing: true });
});

test('an error for a request takes it out of the outbox and is reported', () => {
  const { connection, socket, seen } = setup();
  connection.connect();
  socket().serverOpen();
  socket().serverSend(welcome({ conversationId: 'c_1' }));
  const id = connection.rate(5);
  socket().serverSend({ type: 'error', code: 'bad_state', message: 'Not closed.', ref: id });
  assert.deepEqual(connection.unacknowledged, []);
  assert.equal(seen.filter((s) => s.type === 'error')[0].detail.code, 'bad_state');
});

test('a new conversation resets the seq log and is announced', () => {
  const { connection, socket, seen, events } = setup();
  connection.connect();
  socket().serverOpen();
  socket().serverSend(welcome({ conversationId: 'c_1' }));
  socket().serverSend(event(1));
  socket().serverSend(event(1, { conversationId: 'c_2' }));
  assert.deepEqual(events().map((e) => [e.conversationId, e.seq]), [['c_1', 1], ['c_2', 1]]);
  assert.deepEqual(seen.filter((s) => s.type === 'conversation').map((s) => s.detail), [
    { conversationId: 'c_1', previous: null },
    { conversationId: 'c_2', previous: 'c_1' },
  ]);
});

test('a welcome without a conversation forgets a stale stored one', () => {
  const storage = new MemoryStorage();
  storage.setItem('concierge.visitorToken.demo', 'vt_old');
  storage.setItem('concierge.conversation.demo', JSON.stringify({ id: 'c_old', lastSeq: 0 }));
  const { connection, socket } = setup({ storage });
  connection.connect();
  socket().serverOpen();
  socket().serverSend(welcome());
  assert.equal(connection.conversationId, null);
  assert.equal(storage.getItem('concierge.conversation.demo'), null);
  assert.equal(socket().last('history'), undefined, 'nothing of it was shown: no need to ask');
});

test('disconnect stops reconnecting', () => {
  const { connection, socket, timers } = setup();
  connection.connect();
  socket().serverOpen();
  connection.disconnect();
  assert.equal(connection.state, 'closed');
  assert.equal(timers.pending.length, 0);
  assert.equal(socket().closedWith, 1000);
});

test('unknown frame types and junk are ignored', () => {
  const { connection, socket, seen } = setup();
  connection.connect();
  socket().serverOpen();
  const before = seen.length;
  socket().onmessage({ data: 'not json' });
  socket().serverSend({ type: 'something_new', x: 1 });
  assert.equal(seen.length, before);
});

test('after the conversation closes, a new message starts a new one but a rating names it', () => {
  const { connection, socket } = setup();
  connection.connect();
  socket().serverOpen();
  socket().serverSend(welcome({ conversationId: 'c_1' }));
  socket().serverSend(event(1));
  socket().serverSend(event(2, { kind: 'closed', author: { role: 'agent' }, reason: 'resolved' }));
  assert.equal(connection.conversationClosed, true);
  connection.rate(4, 'ok');
  assert.equal(socket().last('rate').conversationId, 'c_1');
  connection.sendMessage('One more thing');
  assert.equal(socket().last('message').conversationId, undefined);
  socket().serverSend(event(1, { conversationId: 'c_2' }));
  assert.equal(connection.conversationClosed, false);
});

test('replayed transcript events are marked, live ones are not', () => {
  const { connection, socket, seen } = setup();
  connection.connect();
  socket().serverOpen();
  socket().serverSend(welcome({ conversationId: 'c_1' }));
  socket().serverSend({ type: 'transcript', conversationId: 'c_1', state: 'bot', events: [{ seq: 1, kind: 'message', text: 'a' }] });
  socket().serverSend(event(2));
  assert.deepEqual(seen.filter((s) => s.type === 'event').map((s) => s.detail.live), [false, true]);
});

// --- Nothing lost: the outbox across reconnects and reloads, and conversations that are gone.

test('the outbox outlives the page: a new connection on the same storage resends with the original id', () => {
  const first = setup();
  first.connection.connect();
  first.socket().serverOpen();
  first.socket().serverSend(welcome({ conversationId: 'c_1' }));
  const id = first.connection.sendMessage('Typed before the reload');
  assert.deepEqual(JSON.parse(first.outboxStorage.getItem('concierge.outbox.demo')).map((f) => f.id), [id]);

  // The page reloads: same storages, a new Connection.
  const second = setup({ storage: first.storage, outboxStorage: first.outboxStorage });
  assert.deepEqual(second.connection.pendingMessages, [{ id, text: 'Typed before the reload' }]);
  assert.equal(Connection.hasOngoingConversation('demo', new MemoryStorage(), first.outboxStorage), true, 'waiting requests are reason enough to connect');
  second.connection.connect();
  second.socket().serverOpen();
  assert.deepEqual(second.socket().sent[0].resume, { conversationId: 'c_1', lastSeq: 0 });
  second.socket().serverSend(welcome({ conversationId: 'c_1' }));
  assert.deepEqual(second.socket().last('message'), { type: 'message', id, conversationId: 'c_1', text: 'Typed before the reload' });
  second.socket().serverSend({ type: 'ack', ref: id, conversationId: 'c_1', seq: 3 });
  assert.deepEqual(second.connection.unacknowledged, []);
  assert.equal(first.outboxStorage.getItem('concierge.outbox.demo'), null, 'removed on ack');
});

test('a message typed while offline waits, tries to connect at once, and goes out after welcome', () => {
  const { connection, socket, timers } = setup();
  connection.connect();
  socket().serverOpen();
  socket().serverSend(welcome({ conversationId: 'c_1' }));
  socket().serverClose(1006);
  assert.equal(connection.state, 'reconnecting');
  const sockets = FakeSocket.instances.length;
  const id = connection.sendMessage('Are you there?');
  assert.equal(FakeSocket.instances.length, sockets + 1, 'the wait is skipped: the visitor is writing');
  assert.equal(socket().sent.length, 0);
  socket().serverClose(1006); // still down
  assert.equal(timers.pending.length, 1, 'back to waiting');
  timers.runNext();
  socket().serverOpen();
  assert.deepEqual(socket().sent.map((f) => f.type), ['hello']);
  socket().serverSend(welcome({ conversationId: 'c_1' }));
  assert.deepEqual(socket().last('message'), { type: 'message', id, conversationId: 'c_1', text: 'Are you there?' });
});

test('the stored event of a request counts as its ack, and an ack event follows it (protocol 2)', () => {
  const { connection, socket, seen } = setup();
  connection.connect();
  socket().serverOpen();
  socket().serverSend(welcome({ version: 2 }));
  const id = connection.sendMessage('m1');
  socket().serverSend(event(1, { id: 'someone-else', text: 'm0' }));
  assert.deepEqual(connection.unacknowledged, [id], 'an event with another id acknowledges nothing');
  socket().serverSend(event(2, { id, text: 'm1' }));
  assert.deepEqual(connection.unacknowledged, []);
  assert.equal(connection.conversationId, 'c_1');
  const after = seen.filter((s) => s.type === 'event' || s.type === 'ack').map((s) => s.type === 'ack' ? ['ack', s.detail.ref, s.detail.seq] : ['event', s.detail.event.seq]);
  assert.deepEqual(after, [['event', 1], ['event', 2], ['ack', id, 2]]);
  socket().serverSend(event(2, { id, text: 'm1' })); // repeated: no second ack
  assert.equal(seen.filter((s) => s.type === 'ack').length, 1);
});

test('a resend acknowledged again with the same seq is shown once', () => {
  const { connection, socket, timers, events } = setup();
  connection.connect();
  socket().serverOpen();
  socket().serverSend(welcome({ conversationId: 'c_1' }));
  const id = connection.sendMessage('Hello?');
  socket().serverSend(event(1, { id, text: 'Hello?' }));
  socket().serverClose(1006); // the ack was lost with the socket
  timers.runNext();
  socket().serverOpen();
  socket().serverSend(welcome({ conversationId: 'c_1' }));
  socket().serverSend({ type: 'transcript', conversationId: 'c_1', state: 'bot', events: [] });
  socket().serverSend({ type: 'ack', ref: id, conversationId: 'c_1', seq: 1 });
  socket().serverSend(event(1, { id, text: 'Hello?' }));
  assert.deepEqual(events().map((e) => [e.seq, e.text]), [[1, 'Hello?']]);
});

test('after a reload, a closed conversation the visitor saw is fetched, not forgotten', () => {
  const storage = new MemoryStorage();
  storage.setItem('concierge.visitorToken.demo', 'vt_abc');
  storage.setItem('concierge.conversation.demo', JSON.stringify({ id: 'c_1', lastSeq: 3, closed: false }));
  const { connection, socket, events, seen } = setup({ storage });
  connection.connect();
  socket().serverOpen();
  socket().serverSend(welcome()); // no open conversation
  const history = socket().last('history');
  assert.deepEqual(history, { type: 'history', id: history.id, conversationId: 'c_1', afterSeq: 0 });
  socket().serverSend({ type: 'transcript', ref: history.id, conversationId: 'c_1', state: 'closed', events: [
    { seq: 1, kind: 'message', text: 'a' }, { seq: 2, kind: 'bot', text: 'b' }, { seq: 3, kind: 'closed', reason: 'resolved' }] });
  assert.deepEqual(events().map((e) => e.seq), [1, 2, 3]);
  assert.equal(connection.conversationClosed, true);
  assert.equal(seen.some((s) => s.type === 'lost'), false);
  assert.equal(JSON.parse(storage.getItem('concierge.conversation.demo')).closed, true);
  assert.equal(Connection.hasOngoingConversation('demo', storage, null), false, 'a closed conversation opens no socket by itself');
});

test('a conversation the server no longer has is reported lost; what was typed goes to a new one', () => {
  const { connection, socket, timers, seen, storage } = setup();
  seen.length = 0;
  connection.addEventListener('lost', (e) => seen.push({ type: 'lost', detail: e.detail }));
  connection.connect();
  socket().serverOpen();
  socket().serverSend(welcome({ conversationId: 'c_1' }));
  socket().serverSend(event(1));
  socket().serverSend(event(2, { kind: 'bot', text: 'answer' }));
  socket().serverClose(1006);
  const id = connection.sendMessage('Typed while the server was away');
  socket().serverClose(1006);
  timers.runNext();
  socket().serverOpen();
  assert.deepEqual(socket().sent[0].resume, { conversationId: 'c_1', lastSeq: 2 });
  // The server lost its data: a new visitor token, no conversation.
  socket().serverSend(welcome({ visitorToken: 'vt_new' }));
  const history = socket().last('history');
  assert.deepEqual(history, { type: 'history', id: history.id, conversationId: 'c_1', afterSeq: 2 });
  assert.deepEqual(socket().last('message'), { type: 'message', id, conversationId: 'c_1', text: 'Typed while the server was away' });
  socket().serverSend({ type: 'error', code: 'not_found', message: 'No such conversation.', ref: id });
  socket().serverSend({ type: 'error', code: 'not_found', message: 'No such conversation.', ref: history.id });
  assert.deepEqual(seen.filter((s) => s.type === 'lost').map((s) => s.detail), [{ conversationId: 'c_1' }]);
  assert.equal(seen.some((s) => s.type === 'error'), false, 'not an error the visitor has to act on');
  assert.equal(connection.conversationId, null);
  assert.equal(storage.getItem('concierge.conversation.demo'), null);
  assert.equal(storage.getItem('concierge.visitorToken.demo'), 'vt_new');
  assert.deepEqual(socket().last('message'), { type: 'message', id, text: 'Typed while the server was away' }, 'resent, same id, no conversation');
  assert.deepEqual(connection.unacknowledged, [id]);
  socket().serverSend({ type: 'ack', ref: id, conversationId: 'c_9', seq: 1 });
  assert.equal(connection.conversationId, 'c_9');
  assert.deepEqual(seen.filter((s) => s.type === 'conversation').at(-1).detail, { conversationId: 'c_9', previous: null });
});

test('a message refused because its conversation closed meanwhile goes to a new conversation', () => {
  const { connection, socket, seen } = setup();
  connection.connect();
  socket().serverOpen();
  socket().serverSend(welcome({ conversationId: 'c_1' }));
  socket().serverSend(event(1));
  const id = connection.sendMessage('One more thing');
  socket().serverSend({ type: 'error', code: 'bad_state', message: 'This conversation is closed.', ref: id });
  assert.deepEqual(socket().last('message'), { type: 'message', id, text: 'One more thing' });
  assert.equal(seen.some((s) => s.type === 'error'), false);
  assert.deepEqual(connection.unacknowledged, [id]);
});

test('a long earlier conversation is read page by page and handed over whole, under the first ref', () => {
  const { connection, socket } = setup();
  const earlier = [];
  connection.addEventListener('earlier', (e) => earlier.push(e.detail));
  connection.connect();
  socket().serverOpen();
  socket().serverSend(welcome({}));
  const ref = connection.fetchEarlier('c_old');
  socket().serverSend({ type: 'transcript', ref, conversationId: 'c_old', state: 'closed', more: true, events: [{ seq: 1, kind: 'message', text: 'first' }] });
  assert.equal(earlier.length, 0);
  const next = socket().last('history');
  assert.deepEqual(next, { type: 'history', id: next.id, conversationId: 'c_old', afterSeq: 1 });
  socket().serverSend({ type: 'transcript', ref: next.id, conversationId: 'c_old', state: 'closed', events: [{ seq: 2, kind: 'closed' }] });
  assert.equal(earlier.length, 1);
  assert.equal(earlier[0].ref, ref);
  assert.deepEqual(earlier[0].events.map((e) => e.seq), [1, 2]);
});

test('an earlier conversation is fetched read-only: its transcript never touches the current one', () => {
  const { connection, socket, events, seen } = setup();
  const earlier = [];
  connection.addEventListener('earlier', (e) => earlier.push(e.detail));
  assert.equal(connection.fetchEarlier('c_old'), null, 'not connected: nothing sent');
  connection.connect();
  socket().serverOpen();
  socket().serverSend(welcome({ conversationId: 'c_1', earlierConversations: [{ conversationId: 'c_old', startedAt: '2026-10-02T09:00:00Z', firstLine: 'm1', score: 4 }] }));
  socket().serverSend({ type: 'transcript', ref: 'x', conversationId: 'c_1', state: 'bot', events: [{ seq: 1, kind: 'message', text: 'now' }] });
  const ref = connection.fetchEarlier('c_old');
  assert.deepEqual(socket().last('history'), { type: 'history', id: ref, conversationId: 'c_old', afterSeq: 0 });
  socket().serverSend({ type: 'transcript', ref, conversationId: 'c_old', state: 'closed', events: [{ seq: 1, kind: 'message', text: 'then' }, { seq: 2, kind: 'closed' }] });
  assert.equal(earlier.length, 1);
  assert.deepEqual(earlier[0].events.map((e) => [e.conversationId, e.seq]), [['c_old', 1], ['c_old', 2]]);
  assert.equal(earlier[0].state, 'closed');
  assert.deepEqual(events().map((e) => e.text), ['now'], 'only the current conversation reaches `event`');
  assert.equal(seen.filter((s) => s.type === 'conversation').length, 1);
  assert.equal(connection.conversationId, 'c_1');
  assert.equal(connection.conversationClosed, false);
  assert.equal(connection.lastSeq, 1);
  // The current conversation still fills its gaps with its own history requests.
  socket().serverSend(event(3));
  const gap = socket().last('history');
  assert.deepEqual(gap, { type: 'history', id: gap.id, conversationId: 'c_1', afterSeq: 1 });
  // A refused one, and one whose socket dropped, are reported with their ref.
  const refused = connection.fetchEarlier('c_gone');
  socket().serverSend({ type: 'error', code: 'not_found', message: 'No such conversation.', ref: refused });
  const dropped = connection.fetchEarlier('c_old');
  socket().serverClose();
  assert.deepEqual(earlier.slice(1).map((e) => [e.ref, e.conversationId, e.error]), [[refused, 'c_gone', 'not_found'], [dropped, 'c_old', 'offline']]);
  assert.equal(seen.filter((s) => s.type === 'error').length, 0, 'not shown as errors');
});
