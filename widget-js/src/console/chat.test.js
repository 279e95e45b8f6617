import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Chat } from './chat.js';

const visitorTurn = (seq, text, id) => ({ seq, ts: '2026-11-23T10:15:30Z', id, kind: 'message', author: { role: 'visitor', id: 'v_1' }, text });
const botTurn = (seq, text) => ({ seq, ts: '2026-11-23T10:15:31Z', kind: 'bot', author: { role: 'bot' }, text, bot: { answered: true, entryId: 'order-status', confidence: 0.91 } });
const handoff = (transcript) => ({ conversationId: 'c_1', reason: 'visitor_asked', visitor: { id: 'v_91b2' }, transcript, waitedMs: 12000 });

test('the handoff transcript is the start of the chat, in order', () => {
  const chat = new Chat(handoff([botTurn(2, 'Under Account → Orders.'), visitorTurn(1, 'Where is my order?')]));
  assert.deepEqual(chat.events.map((e) => e.seq), [1, 2]);
  assert.equal(chat.events[0].conversationId, 'c_1');
  assert.equal(chat.visitorName, 'Visitor 91b2');
});

test('live events after the package are added once; a repeated package adds nothing', () => {
  const chat = new Chat(handoff([visitorTurn(1, 'a'), botTurn(2, 'b')]));
  assert.deepEqual(chat.add(visitorTurn(3, 'c')).map((e) => e.seq), [3]);
  assert.deepEqual(chat.add(visitorTurn(3, 'c')), []);
  assert.deepEqual(chat.update(handoff([visitorTurn(1, 'a'), botTurn(2, 'b'), visitorTurn(3, 'c'), visitorTurn(4, 'd')])).map((e) => e.seq), [4]);
  assert.deepEqual(chat.events.map((e) => e.text), ['a', 'b', 'c', 'd']);
});

test('a reply waits as pending until its event comes back', () => {
  const chat = new Chat(handoff([visitorTurn(1, 'a')]));
  chat.addPending('r1', 'Hi, I can help');
  assert.deepEqual(chat.pending, [{ id: 'r1', text: 'Hi, I can help', kind: 'message' }]);
  chat.add({ seq: 2, id: 'r1', kind: 'message', author: { role: 'agent' }, text: 'Hi, I can help' });
  assert.deepEqual(chat.pending, []);
});

test('closed and unread', () => {
  const chat = new Chat(handoff([]));
  chat.markUnread();
  chat.markUnread();
  assert.equal(chat.unread, 2);
  chat.markRead();
  assert.equal(chat.unread, 0);
  chat.add({ seq: 1, kind: 'closed', author: { role: 'agent' }, reason: 'resolved' });
  assert.equal(chat.closed, true);
});

test('a package without a conversation id is refused', () => {
  assert.throws(() => new Chat({}), /conversationId/);
});

test('a released chat is read-only, says where it went, and is not resumed; a new package brings it back', async () => {
  const { ChatList } = await import('./chat-list.js');
  const list = new ChatList();
  const { chat } = list.assign({ handoff: handoff([visitorTurn(1, 'a')]) });
  chat.addPending('n1', 'a note', 'note');
  assert.deepEqual(chat.pending, [{ id: 'n1', text: 'a note', kind: 'note' }]);
  assert.equal(chat.active, true);
  chat.release({ conversationId: 'c_1', reason: 'transferred', to: { id: 'sam', name: 'Sam Support' } });
  assert.equal(chat.active, false);
  assert.equal(chat.releasedTo, 'Sam Support');
  assert.deepEqual(chat.pending, []);
  assert.deepEqual(list.resumePoints(), []);
  chat.release({ department: 'billing' });
  assert.equal(chat.releasedTo, 'billing');
  list.assign({ handoff: handoff([visitorTurn(1, 'a'), visitorTurn(2, 'b')]) });
  assert.equal(chat.active, true);
  assert.deepEqual(list.resumePoints(), [{ conversationId: 'c_1', afterSeq: 2 }]);
});

test('a visitor frame updates identity and page; attributes merge by key', () => {
  const chat = new Chat({ ...handoff([]), visitor: { id: 'v_1', name: 'Ada', attributes: { plan: 'gold' } }, context: { language: 'en', page: { url: 'https://a.example/1', title: 'One' } } });
  chat.updateVisitor({ conversationId: 'c_1', visitor: { id: 'v_1', email: 'ada@example.com' }, context: { page: { url: 'https://a.example/checkout', title: 'Checkout' }, attributes: { cart: '3 items' } } });
  assert.deepEqual(chat.visitor, { id: 'v_1', name: 'Ada', email: 'ada@example.com', attributes: { plan: 'gold', cart: '3 items' } });
  assert.deepEqual(chat.handoff.context, { language: 'en', page: { url: 'https://a.example/checkout', title: 'Checkout' } });
  assert.equal(chat.visitorName, 'Ada');
});

test('receipts point at the visitor’s latest line', () => {
  const chat = new Chat(handoff([visitorTurn(1, 'a'), botTurn(2, 'b')]));
  assert.equal(chat.lastVisitorSeq, 1);
  chat.add({ seq: 3, kind: 'message', author: { role: 'agent' }, text: 'c' });
  assert.equal(chat.lastVisitorSeq, 1);
  chat.add(visitorTurn(4, 'd'));
  assert.equal(chat.lastVisitorSeq, 4);
  assert.equal(new Chat(handoff([])).lastVisitorSeq, 0);
});
