import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Connection } from './connection.js';
import { Backoff } from '../shared/backoff.js';
import { FakeClock, FakeSocket } from './connection-fakes.js';

/** A connection whose resend waits draw their jitter from `draws`, in order. */
function setup(draws) {
  FakeSocket.instances = [];
  let n = 0;
  const clock = new FakeClock();
  const connection = new Connection({
    server: 'https://chat.example.com',
    site: 'demo',
    storage: null,
    outboxStorage: null,
    WebSocketImpl: FakeSocket,
    backoff: new Backoff({ baseMs: 100, random: () => 1 }),
    retryBackoff: new Backoff({ baseMs: 1000, random: () => draws.shift() ?? 1 }),
    idFactory: () => `id${++n}`,
    timers: clock,
  });
  const socket = () => FakeSocket.instances.at(-1);
  connection.connect();
  socket().serverOpen();
  socket().serverSend({ type: 'welcome', ref: 'id1', version: 2, role: 'visitor', visitorId: 'v_1', visitorToken: 'vt_1', conversationId: 'c_1' });
  return { connection, clock, socket };
}

const internal = (ref) => ({ type: 'error', code: 'internal', message: 'The message could not be stored; retry with the same id.', ref });

test('an internal server error keeps the request and sends it again later, same id', () => {
  const { connection, clock, socket } = setup([1]);
  const seen = [];
  connection.addEventListener('error', (e) => seen.push(e.detail));
  const id = connection.sendMessage('Hello?');
  socket().serverSend(internal(id));
  assert.equal(seen.length, 0, 'not the visitor\'s problem yet');
  assert.deepEqual(connection.unacknowledged, [id]);
  clock.advance(1000);
  assert.deepEqual(socket().messageIds(), [id, id]);
});

for (const draws of [[1, 0], [0, 1], [0, 0], [1, 1], [0.3, 0.7]]) {
  test(`two messages the server could not store are sent again in the order they were written (jitter ${draws})`, () => {
    // With jitter 1 then 0, a timer per request would wait 1000 ms for the first message and
    // 500 ms for the second (the ack in between resets the backoff): the second would go first.
    const { connection, clock, socket } = setup([...draws]);
    const wait = 500 + 500 * draws[0];
    const m0 = connection.request('handoff');
    const m1 = connection.sendMessage('first');
    const m2 = connection.sendMessage('second');
    socket().serverSend(internal(m1));
    socket().serverSend({ type: 'ack', ref: m0, conversationId: 'c_1', seq: 1 });
    socket().serverSend(internal(m2));
    assert.equal(clock.pending.length, 1, 'one timer for both');
    assert.deepEqual(connection.unacknowledged, [m1, m2], 'both kept, in sending order');
    clock.advance(wait - 1);
    assert.deepEqual(socket().messageIds(), [m1, m2], 'nothing resent before the wait');
    clock.advance(1);
    assert.deepEqual(socket().messageIds(), [m1, m2, m1, m2]);
    clock.advance(60_000);
    assert.deepEqual(socket().messageIds(), [m1, m2, m1, m2], 'each resent once');
  });
}

test('one wait for several failures; the next round keeps the order and the backoff grows until an ack', () => {
  const { connection, clock, socket } = setup([0, 0, 0]);
  const ids = [connection.sendMessage('a'), connection.sendMessage('b'), connection.sendMessage('c')];
  for (const id of [ids[2], ids[0], ids[1]]) socket().serverSend(internal(id));
  assert.deepEqual(clock.pending.map((t) => t.at), [500], 'one timer, the first step of the backoff');
  clock.advance(500);
  assert.deepEqual(socket().messageIds().slice(3), ids, 'sending order, not the order of the errors');
  // The resends fail again (the later ones first): one more timer, one step further.
  socket().serverSend(internal(ids[1]));
  socket().serverSend(internal(ids[0]));
  assert.deepEqual(clock.pending.map((t) => t.at - clock.now), [1000]);
  // The third is stored meanwhile: it is not resent, and its ack resets the backoff.
  socket().serverSend({ type: 'event', conversationId: 'c_1', seq: 1, id: ids[2], kind: 'message', author: { role: 'visitor' }, text: 'c' });
  clock.advance(1000);
  assert.deepEqual(socket().messageIds().slice(6), [ids[0], ids[1]]);
  socket().serverSend(internal(ids[1]));
  assert.deepEqual(clock.pending.map((t) => t.at - clock.now), [500], 'back to the first step after the ack');
});

test('after a reconnect the welcome resends the whole outbox in order, and the pending resend is dropped', () => {
  const { connection, clock, socket } = setup([1, 0]);
  const m0 = connection.request('handoff');
  const m1 = connection.sendMessage('first');
  const m2 = connection.sendMessage('second');
  const m3 = connection.sendMessage('third');
  socket().serverSend(internal(m1));
  socket().serverSend({ type: 'ack', ref: m0, conversationId: 'c_1', seq: 1 });
  socket().serverSend(internal(m2));
  socket().serverClose(1006);
  clock.advance(100); // the reconnect's wait
  assert.equal(FakeSocket.instances.length, 2);
  socket().serverOpen();
  socket().serverSend({ type: 'welcome', ref: 'x', version: 2, role: 'visitor', visitorId: 'v_1', visitorToken: 'vt_1', conversationId: 'c_1' });
  assert.deepEqual(socket().messageIds(), [m1, m2, m3]);
  clock.advance(60_000);
  assert.deepEqual(socket().messageIds(), [m1, m2, m3], 'nothing sent twice on the new socket');
  assert.equal(clock.pending.length, 0);
});
