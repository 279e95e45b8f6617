import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ChatList } from './chat-list.js';

const turn = (seq, text, extra = {}) => ({ seq, ts: '2026-11-23T10:15:30Z', kind: 'message', author: { role: 'visitor' }, text, ...extra });
const assigned = (conversationId, transcript) => ({ type: 'assigned', conversationId, handoff: { conversationId, reason: 'visitor_asked', visitor: { id: 'v_1' }, transcript } });

test('the packages sent again after a reconnect add only what is new', () => {
  const chats = new ChatList();
  const first = chats.assign(assigned('c_1', [turn(1, 'a'), turn(2, 'b')]));
  assert.equal(first.created, true);
  assert.deepEqual(first.fresh.map((e) => e.seq), [1, 2]);
  const again = chats.assign(assigned('c_1', [turn(1, 'a'), turn(2, 'b'), turn(3, 'c')]));
  assert.equal(again.created, false);
  assert.equal(again.chat, first.chat);
  assert.deepEqual(again.fresh.map((e) => e.seq), [3]);
  assert.deepEqual(chats.get('c_1').events.map((e) => e.text), ['a', 'b', 'c']);
});

test('history after a reconnect overlapping live events and the package shows each line once', () => {
  const chats = new ChatList();
  chats.assign(assigned('c_1', [turn(1, 'a')]));
  chats.add('c_1', [turn(2, 'b')]);
  chats.assign(assigned('c_1', [turn(1, 'a'), turn(2, 'b'), turn(3, 'c')]));
  const { fresh } = chats.add('c_1', [turn(2, 'b'), turn(3, 'c'), turn(4, 'd')]);
  assert.deepEqual(fresh.map((e) => e.seq), [4]);
  assert.deepEqual(chats.get('c_1').events.map((e) => e.seq), [1, 2, 3, 4]);
  assert.equal(chats.add('c_unknown', [turn(1, 'x')]), null);
});

test('resume points: every open chat after its last seq; closed chats need nothing', () => {
  const chats = new ChatList();
  chats.assign(assigned('c_1', [turn(1, 'a'), turn(2, 'b')]));
  chats.assign(assigned('c_2', [turn(1, 'x')]));
  chats.assign(assigned('c_3', [turn(1, 'y'), { seq: 2, kind: 'closed', author: { role: 'agent' }, reason: 'resolved' }]));
  assert.deepEqual(chats.resumePoints(), [{ conversationId: 'c_1', afterSeq: 2 }, { conversationId: 'c_2', afterSeq: 1 }]);
});

test('an agent reply matched by id when its event arrives through history', () => {
  const chats = new ChatList();
  const { chat } = chats.assign(assigned('c_1', [turn(1, 'a')]));
  chat.addPending('r1', 'On it');
  chats.add('c_1', [turn(2, 'On it', { id: 'r1', author: { role: 'agent' } })]);
  assert.deepEqual(chat.pending, []);
});
