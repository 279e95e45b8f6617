import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Attention, BASE_TITLE, isOutOfView, isVisitorNews, titleFor } from './attention.js';

test('the title carries the unread count', () => {
  assert.equal(titleFor({ unread: 0 }), BASE_TITLE);
  assert.equal(titleFor({ unread: 3 }), '(3) Concierge console');
  assert.equal(titleFor({ unread: 3, flash: 'Ada wrote' }), 'Ada wrote');
});

test('only what the visitor wrote is news', () => {
  assert.equal(isVisitorNews({ kind: 'message', author: { role: 'visitor' } }), true);
  assert.equal(isVisitorNews({ kind: 'offline_message', author: { role: 'visitor' } }), true);
  assert.equal(isVisitorNews({ kind: 'message', author: { role: 'agent' } }), false);
  assert.equal(isVisitorNews({ kind: 'bot', author: { role: 'bot' } }), false);
  assert.equal(isVisitorNews({ kind: 'note', author: { role: 'agent' } }), false);
  assert.equal(isVisitorNews(undefined), false);
});

test('out of view: another chat selected, or the page hidden', () => {
  assert.equal(isOutOfView('c1', { selectedId: 'c1', pageHidden: false }), false);
  assert.equal(isOutOfView('c1', { selectedId: 'c2', pageHidden: false }), true);
  assert.equal(isOutOfView('c1', { selectedId: 'c1', pageHidden: true }), true);
});

function fakes(hidden) {
  const listeners = {};
  const doc = { hidden, title: '', addEventListener: (type, fn) => { listeners[type] = fn; } };
  let tick = null;
  const timers = {
    setInterval: (fn) => { tick = fn; return 1; }, clearInterval: () => { tick = null; },
    setTimeout: (fn) => fn(), clearTimeout: () => {},
  };
  const beeps = [];
  const beeper = { beep: (options) => beeps.push(options ?? {}) };
  return { doc, timers, beeper, beeps, listeners, tick: () => tick?.(), ticking: () => tick !== null };
}

test('a hidden page blinks until it is seen again, and beeps once', () => {
  const f = fakes(true);
  const attention = new Attention(f);
  attention.setUnread(2);
  assert.equal(f.doc.title, '(2) Concierge console');
  attention.notify('Ada: Hello?');
  assert.equal(f.beeps.length, 1);
  assert.equal(f.doc.title, 'Ada: Hello?');
  f.tick();
  assert.equal(f.doc.title, '(2) Concierge console');
  for (let i = 0; i < 20; i += 1) f.tick();
  assert.equal(f.ticking(), true, 'keeps blinking while hidden');
  f.doc.hidden = false;
  f.listeners.visibilitychange();
  assert.equal(f.ticking(), false);
  assert.equal(f.doc.title, '(2) Concierge console');
});

test('a visible page blinks a few times only; an alarm beeps twice', () => {
  const f = fakes(false);
  const attention = new Attention(f);
  attention.alarm('Ada has waited over 2 minutes.');
  assert.equal(f.beeps.length, 2);
  for (let i = 0; i < 6; i += 1) f.tick();
  assert.equal(f.ticking(), false);
  assert.equal(f.doc.title, BASE_TITLE);
});
