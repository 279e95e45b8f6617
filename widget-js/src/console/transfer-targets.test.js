import { test } from 'node:test';
import assert from 'node:assert/strict';
import { agentTargets, departmentTargets, transferRequest } from './transfer-targets.js';

const AGENTS = [
  { id: 'demo', name: 'Dana Demo', presence: 'online', departments: ['orders', 'returns'], activeChats: 1, maxChats: 5 },
  { id: 'sam', name: 'Sam Support', presence: 'online', departments: ['billing'], activeChats: 2, maxChats: 5 },
  { id: 'al', name: 'Al Away', presence: 'away', departments: ['billing'], activeChats: 0, maxChats: 5 },
  { id: 'bo', name: 'Bo Idle', presence: 'online', departments: ['orders'], activeChats: 0 },
  { id: 'oz', name: 'Oz Offline', presence: 'offline', departments: ['orders'] },
];

test('agents: online ones but yourself, least busy first', () => {
  assert.deepEqual(agentTargets(AGENTS, 'demo'), [
    { id: 'bo', name: 'Bo Idle', label: 'Bo Idle — 0 chats' },
    { id: 'sam', name: 'Sam Support', label: 'Sam Support — 2/5 chats' },
  ]);
  assert.deepEqual(agentTargets([{ id: 'fay', name: 'Fay Full', presence: 'online', activeChats: 2, maxChats: 2 }], 'demo'),
    [{ id: 'fay', name: 'Fay Full', label: 'Fay Full — 2/2 chats, full' }]);
  assert.deepEqual(agentTargets(undefined, 'demo'), []);
});

test('departments say how many of their agents are online', () => {
  assert.deepEqual(departmentTargets(['billing', 'orders', 'returns', 'legal'], AGENTS), [
    { id: 'billing', label: 'billing — 1 online' },
    { id: 'orders', label: 'orders — 2 online' },
    { id: 'returns', label: 'returns — 1 online' },
    { id: 'legal', label: 'legal — nobody online' },
  ]);
  assert.deepEqual(departmentTargets(undefined, AGENTS), []);
});

test('the transfer request names an agent or a department, with the note trimmed', () => {
  assert.deepEqual(transferRequest('c1', 'agent:sam', '  Wants a refund. '), { conversationId: 'c1', agentId: 'sam', note: 'Wants a refund.' });
  assert.deepEqual(transferRequest('c1', 'department:billing', ''), { conversationId: 'c1', department: 'billing' });
  assert.equal(transferRequest('c1', '', 'x'), null);
  assert.equal(transferRequest('c1', 'team:x', 'x'), null);
  assert.equal(transferRequest(null, 'agent:sam', 'x'), null);
  assert.deepEqual(transferRequest('c1', 'agent:sam', '', { force: true }), { conversationId: 'c1', agentId: 'sam', force: true });
  assert.deepEqual(transferRequest('c1', 'department:billing', '', { force: true }), { conversationId: 'c1', department: 'billing' });
});
