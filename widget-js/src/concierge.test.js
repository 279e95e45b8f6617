import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import vm from 'node:vm';

const source = readFileSync(new URL('./concierge.js', import.meta.url), 'utf8');

/**
 * Runs the loader as a browser would run the classic script, in a fresh context with a
 * minimal window/document. The dynamic import of the widget module is not available in a
 * vm context, so `init` ends in an `error` event there; the browser test covers the rest.
 */
function load({ src = 'https://chat.example.com/concierge.js', dataset = {}, currentScript = true } = {}) {
  const windowEvents = new EventTarget();
  const errors = [];
  const tag = { src, dataset };
  const document = {
    currentScript: currentScript ? tag : null,
    body: {},
    querySelectorAll: () => [{ src: 'https://cdn.example.com/other.js', dataset: {} }, tag],
    addEventListener: () => {},
  };
  const window = {
    addEventListener: windowEvents.addEventListener.bind(windowEvents),
    dispatchEvent: windowEvents.dispatchEvent.bind(windowEvents),
  };
  const loaded = [];
  window.addEventListener('concierge:loaded', (e) => loaded.push(e.detail));
  const context = vm.createContext({
    window, document, EventTarget, CustomEvent, URL, Promise,
    console: { error: (message) => errors.push(message) },
  });
  vm.runInContext(source, context, { filename: 'concierge.js' });
  return { Concierge: window.Concierge, errors, loaded, window };
}

const nextError = (Concierge) => new Promise((resolve) => Concierge.on('error', resolve));

test('creates one global and tells the page', () => {
  const { Concierge, loaded } = load();
  assert.equal(typeof Concierge.init, 'function');
  assert.equal(Concierge.server, 'https://chat.example.com');
  assert.equal(Concierge.ready, false);
  assert.equal(loaded.length, 1);
  assert.equal(loaded[0].version, Concierge.version);
});

test('derives the server from its own src, even without currentScript', () => {
  const { Concierge } = load({ src: 'http://127.0.0.1:8080/concierge.js?v=3', currentScript: false });
  assert.equal(Concierge.server, 'http://127.0.0.1:8080');
});

test('init validates and normalises options', () => {
  const { Concierge } = load();
  Concierge.init({ site: 'demo', color: '#0a7', visitor: { name: 'Ada', email: 'ada@example.com' }, attributes: { plan: 'gold', orders: 12 } });
  const o = Concierge.options;
  assert.equal(o.site, 'demo');
  assert.equal(o.server, 'https://chat.example.com');
  assert.equal(o.color, '#0a7');
  assert.equal(o.position, 'right');
  assert.equal(o.open, false);
  assert.deepEqual({ ...o.visitor }, { name: 'Ada', email: 'ada@example.com' });
  assert.deepEqual({ ...o.attributes }, { plan: 'gold', orders: '12' });
  assert.ok(Object.isFrozen(o));
});

test('init throws a clear error naming each bad option', () => {
  const cases = [
    [undefined, /options must be an object/],
    ['demo', /options must be an object/],
    [{}, /"site" is required/],
    [{ site: '' }, /"site" must be 1-64/],
    [{ site: 'a b' }, /"site" must be 1-64/],
    [{ site: 42 }, /"site" must be a string, got number/],
    [{ site: 'demo', colour: '#fff' }, /unknown option "colour"/],
    [{ site: 'demo', color: 'red' }, /"color" must be a hex colour/],
    [{ site: 'demo', position: 'top' }, /"position" must be "right" or "left"/],
    [{ site: 'demo', server: 'ftp://x' }, /"server" must be an absolute http\(s\) URL/],
    [{ site: 'demo', server: '/relative' }, /"server" must be an absolute http\(s\) URL/],
    [{ site: 'demo', open: 'yes' }, /"open" must be a boolean, got string/],
    [{ site: 'demo', visitor: [] }, /"visitor" must be a object, got array/],
    [{ site: 'demo', visitor: { phone: '1' } }, /unknown field "phone"/],
    [{ site: 'demo', visitor: { email: 'nope' } }, /visitor.email is not an e-mail/],
    [{ site: 'demo', attributes: { nested: {} } }, /attributes.nested must be a string, number or boolean/],
    [{ site: 'demo', attributes: { 'plan type': 'gold' } }, /key "plan type" must be 1 to 64 of the characters/],
    [{ site: 'demo', attributes: { ['k'.repeat(65)]: 'x' } }, /must be 1 to 64 of the characters/],
    [{ site: 'demo', title: 'x'.repeat(81) }, /"title" is longer than 80/],
    [{ site: 'demo', identity: { userId: 'u1', signature: 'a'.repeat(64), emailSignature: 'b'.repeat(64) } }, /emailSignature .* needs email/],
    [{ site: 'demo', identity: { userId: 'u1', email: 'a@b.example', signature: 'a'.repeat(64), emailSignature: 'xyz' } }, /emailSignature must be 64 hex digits/],
  ];
  for (const [options, message] of cases) {
    const { Concierge } = load();
    assert.throws(() => Concierge.init(options), message, JSON.stringify(options));
    assert.equal(Concierge.options, null, 'a rejected init leaves nothing behind');
  }
});

test('an identity may carry an emailSignature for its email', () => {
  const { Concierge } = load();
  const identity = { userId: 'u1', email: 'ada@example.com', signature: 'a'.repeat(64), emailSignature: 'B'.repeat(64) };
  Concierge.init({ site: 'demo', identity });
  assert.equal(Concierge.options.identity.emailSignature, 'B'.repeat(64));
});

test('init twice is an error', () => {
  const { Concierge } = load();
  Concierge.init({ site: 'demo' });
  assert.throws(() => Concierge.init({ site: 'demo' }), /already initialised/);
});

test('server option overrides the script origin', () => {
  const { Concierge } = load();
  Concierge.init({ site: 'demo', server: 'https://support.example.org/anything' });
  assert.equal(Concierge.server, 'https://support.example.org');
});

test('commands need init first and send needs text', () => {
  const { Concierge } = load();
  assert.throws(() => Concierge.open(), /call Concierge.init\(\) first/);
  Concierge.init({ site: 'demo' });
  assert.doesNotThrow(() => Concierge.open());
  assert.throws(() => Concierge.send('  '), /non-empty string/);
  assert.throws(() => Concierge.send(3), /non-empty string/);
});

test('on/off validate names and add and remove listeners', async () => {
  const { Concierge } = load();
  assert.throws(() => Concierge.on('opened', () => {}), /unknown event "opened"/);
  assert.throws(() => Concierge.on('open', 'nope'), /listener must be a function/);
  const calls = [];
  const listener = (detail) => calls.push(detail);
  Concierge.on('error', listener);
  Concierge.on('error', listener); // once only
  Concierge.off('error', listener);
  const error = nextError(Concierge);
  Concierge.init({ site: 'demo' });
  await error;
  assert.deepEqual(calls, []);
});

test('a widget module that cannot load is reported as an error event', async () => {
  const { Concierge } = load();
  const error = nextError(Concierge);
  Concierge.init({ site: 'demo' });
  const detail = await error;
  assert.equal(detail.code, 'load_failed');
  assert.match(detail.message, /could not load its widget/);
  assert.equal(Concierge.ready, false);
});

test('data attributes on the tag initialise it', () => {
  const { Concierge } = load({ dataset: { site: 'demo', color: '#112233', position: 'left', open: '' } });
  assert.equal(Concierge.options.site, 'demo');
  assert.equal(Concierge.options.color, '#112233');
  assert.equal(Concierge.options.position, 'left');
  assert.equal(Concierge.options.open, true);
});

test('bad data attributes are logged, not thrown into the page', () => {
  const { Concierge, errors } = load({ dataset: { site: 'no spaces allowed' } });
  assert.equal(Concierge.options, null);
  assert.match(errors[0], /"site" must be 1-64/);
});

test('loading the script twice keeps the first global', () => {
  const { window } = load();
  const first = window.Concierge;
  vm.runInContext(source, vm.createContext({ window, document: {}, console }));
  assert.equal(window.Concierge, first);
});
