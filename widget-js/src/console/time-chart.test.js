import { test } from 'node:test';
import assert from 'node:assert/strict';
import { niceMax } from './time-chart.js';
import { slug } from './unanswered-view.js';

test('niceMax rounds an axis up to 1, 2 or 5 times a power of ten', () => {
  assert.equal(niceMax(1), 1);
  assert.equal(niceMax(3), 5);
  assert.equal(niceMax(7), 10);
  assert.equal(niceMax(12), 20);
  assert.equal(niceMax(480), 500);
});

test('slug suggests an entry id from a question', () => {
  assert.equal(slug('Do you sell parrot food?'), 'do-you-sell-parrot-food');
  assert.equal(slug('???'), 'new-entry');
  assert.ok(slug('x'.repeat(100)).length <= 48);
});
