// The website widget in a real browser against the real server: size budget, the
// JS API and its events, the snippet queue, per-site settings and locales, hostile settings,
// the pre-chat form, two tabs and offline typing, the phone layout, and an axe-core scan.
// Needs /usr/bin/chromium and chat-server/target/concierge.jar (built after `npm run build`).
/* global window, document, getComputedStyle, Concierge -- the callbacks given to page.evaluate and page.waitForFunction run in the page */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { IMAGES, serverAndBrowser, startPageServer, watch } from './server.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BUNDLE = path.join(ROOT, 'dist', 'concierge.js');
const BUDGET_BYTES = 25 * 1024;
const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
const XSS = '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>';

const SITES = {
  sites: {
    demo: {},
    hostile: { title: `Help ${XSS}`, greeting: `Hello ${XSS}`, colors: { brand: '#0f766e' }, position: 'left' },
    bonjour: { language: 'fr', greeting: 'Bonjour ! Comment puis-je vous aider ?' },
    intake: { preChat: { fields: ['name', 'email', 'question'], required: ['name', 'email'] } },
  },
};

/** JSON for inside an inline <script>: no "</script>" can end it early. */
const inline = (value) => JSON.stringify(value).replace(/</g, '\\u003c');

test('the website widget', { timeout: 300_000 }, async (t) => {
  const { server, browser } = await serverAndBrowser(t, 'concierge-widget-', {
    prepare(dataPath) {
      const sitesFile = path.join(dataPath, 'sites.json');
      writeFileSync(sitesFile, JSON.stringify(SITES));
      return ['--sites', sitesFile];
    },
  });
  const site = await startPageServer();
  t.after(() => site.close());
  const problems = [];
  const base = server.base;
  const script = `<script src="${base}concierge.js"`;
  mkdirSync(IMAGES, { recursive: true });

  await t.test('the served script is the minified bundle, within 25 KB gzipped', async () => {
    const built = readFileSync(BUNDLE);
    const gzipped = gzipSync(built, { level: 9 }).length;
    assert.ok(gzipped <= BUDGET_BYTES, `dist/concierge.js is ${gzipped} bytes gzipped, over the ${BUDGET_BYTES} budget`);
    const response = await fetch(`${base}concierge.js`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type'), /javascript/);
    const served = Buffer.from(await response.arrayBuffer());
    assert.ok(served.equals(built), 'the jar serves dist/concierge.js (rebuild: npm run build, then mvn install)');
    console.log(`# bundle: ${built.length} bytes, ${gzipped} bytes gzipped (budget ${BUDGET_BYTES})`);
  });

  await t.test('site settings: public part only, unknown site is 404', async () => {
    const demo = await (await fetch(`${base}api/sites/demo`)).json();
    assert.equal(demo.site, 'demo');
    const intake = await (await fetch(`${base}api/sites/intake`)).json();
    assert.deepEqual(intake.preChat, { enabled: true, fields: ['name', 'email', 'question'], required: ['name', 'email'] });
    assert.equal((await fetch(`${base}api/sites/nope`)).status, 404);
  });

  await t.test('snippet queue, JS API and events; no socket until opened', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    page.setDefaultTimeout(20_000);
    watch(page, 'api', problems);
    const sockets = [];
    page.on('websocket', (socket) => sockets.push(socket.url()));
    // Calls made before the script loads, through the documented embed snippet.
    const url = site.page('api', `<script>
      window.Concierge = window.Concierge || function () { (window.Concierge.q = window.Concierge.q || []).push(arguments); };
      window.seen = [];
      ['ready', 'open', 'close', 'message', 'unread', 'error'].forEach(function (name) {
        Concierge('on', name, function (detail) { window.seen.push([name, detail]); });
      });
      Concierge('init', { site: 'demo', color: '#0f766e', attributes: { plan: 'gold' } });
    </script>${script} async></script>`);
    await page.goto(url);
    await page.waitForFunction(() => window.Concierge.ready === true);
    assert.deepEqual(sockets, [], 'no socket before the panel opens');
    assert.equal(await page.evaluate(() => typeof window.Concierge.open), 'function');
    assert.match(await page.evaluate(() => { try { Concierge.init({ site: 'x' }); } catch (e) { return e.message; } return ''; }), /already initialised/);
    assert.match(await page.evaluate(() => { try { Concierge.identify({ userId: 'u1' }); } catch (e) { return e.message; } return ''; }), /signature/);
    assert.match(await page.evaluate(() => { try { Concierge.on('nope', () => {}); } catch (e) { return e.message; } return ''; }), /unknown event/);

    await page.evaluate(() => Concierge.open());
    await page.getByRole('dialog').waitFor();
    await page.waitForFunction(() => window.seen.some(([n]) => n === 'open'));
    await page.evaluate(() => Concierge.send('Where is my order?'));
    await page.locator('.msg--bot[data-seq]').first().waitFor();
    await page.waitForFunction(() => window.seen.some(([n, d]) => n === 'message' && d.kind === 'bot'));
    assert.equal(sockets.length, 1, 'one socket once open');
    await page.evaluate(() => Concierge.close());
    await page.evaluate(() => Concierge.setAttributes({ cart: '3 items' }));
    // A bot answer while closed: the unread badge, the event and the title blink.
    await page.evaluate(() => Concierge.send('How do I return an item?'));
    await page.waitForFunction(() => window.seen.some(([n, d]) => n === 'unread' && d.count >= 1));
    await page.waitForFunction(() => /New message/.test(document.title), null, { timeout: 5000 });
    assert.equal(await page.getByRole('button', { name: /^Open chat \(/ }).count(), 1, 'the launcher names the unread count');
    await page.evaluate(() => Concierge.toggle());
    await page.waitForFunction(() => window.seen.some(([n, d]) => n === 'unread' && d.count === 0));
    await page.waitForFunction(() => document.title === 'Test page');
    const names = await page.evaluate(() => window.seen.map(([n]) => n));
    for (const name of ['ready', 'open', 'close', 'message', 'unread']) assert.ok(names.includes(name), `${name} fired: ${names}`);
    assert.equal(names.indexOf('ready'), 0, 'ready first');

    // reset(): forget the visitor; a new one starts.
    const tokenBefore = await page.evaluate(() => localStorage.getItem('concierge.visitorToken.demo'));
    assert.ok(tokenBefore);
    await page.evaluate(() => Concierge.reset());
    assert.equal(await page.evaluate(() => localStorage.getItem('concierge.visitorToken.demo')), null);
    assert.equal(await page.locator('.msg[data-seq]').count(), 0, 'nothing of the old conversation shows');
    await context.close();
  });

  await t.test('hostile site settings and options are shown as text; no script runs', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    page.setDefaultTimeout(20_000);
    watch(page, 'hostile', problems);
    await page.goto(site.page('hostile', `${script} data-site="hostile" async></script>`));
    await page.getByRole('button', { name: 'Open chat' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByText(`Hello ${XSS}`, { exact: true }).waitFor();
    assert.equal(await dialog.getByRole('heading', { level: 2 }).textContent(), `Help ${XSS}`);
    assert.equal(await page.locator('#concierge-widget').getAttribute('data-position'), 'left', 'the site setting applies');
    assert.equal(await page.locator('#concierge-widget img').count(), 0);
    // And through init options on another page.
    const second = await context.newPage();
    watch(second, 'hostile-init', problems);
    await second.goto(site.page('hostile-init', `${script} async></script><script>
      window.addEventListener('concierge:loaded', function () { Concierge.init({ site: 'demo', open: true, title: ${inline(XSS)}, greeting: ${inline(XSS)}, visitor: { name: ${inline(XSS)} } }); });
    </script>`));
    await second.getByRole('dialog').getByText(XSS, { exact: true }).first().waitFor();
    await second.getByRole('textbox', { name: 'Message' }).fill(XSS);
    await second.getByRole('textbox', { name: 'Message' }).press('Enter');
    await second.locator('.msg--mine[data-seq]').filter({ hasText: XSS }).waitFor();
    // The message above is on screen, so the widget has rendered everything hostile. As text: no
    // element exists whose onerror could still fire, and an inserted <script> would have run.
    assert.equal(await page.locator('[onerror], img[src="x"]').count(), 0);
    assert.equal(await second.locator('[onerror], img[src="x"]').count(), 0);
    assert.equal(await page.evaluate(() => window.__xss), undefined);
    assert.equal(await second.evaluate(() => window.__xss), undefined);
    await context.close();
  });

  await t.test('locales: the site language, an option, the browser language', async () => {
    const fr = await browser.newContext({ locale: 'en-US' });
    const page = await fr.newPage();
    watch(page, 'fr', problems);
    await page.goto(site.page('fr', `${script} data-site="bonjour" async></script>`));
    await page.getByRole('button', { name: 'Ouvrir la discussion' }).click();
    await page.getByRole('button', { name: 'Parler à une personne' }).waitFor();
    assert.equal(await page.locator('#concierge-widget').getAttribute('lang'), 'fr');
    await fr.close();
    const de = await browser.newContext({ locale: 'de-DE' });
    const dePage = await de.newPage();
    watch(dePage, 'de', problems);
    await dePage.goto(`${base}demo/`);
    await dePage.getByRole('button', { name: 'Chat öffnen' }).click();
    await dePage.getByRole('textbox', { name: 'Nachricht' }).waitFor();
    await de.close();
  });

  await t.test('pre-chat form: required fields, then the question starts the conversation', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    page.setDefaultTimeout(20_000);
    watch(page, 'prechat', problems);
    await page.goto(site.page('prechat', `${script} data-site="intake" async></script>`));
    await page.getByRole('button', { name: 'Open chat' }).click();
    const form = page.getByRole('region', { name: 'Before we start' });
    await form.waitFor();
    await form.getByRole('button', { name: 'Start chat' }).click();
    await form.getByRole('alert').filter({ hasText: 'Please fill in Name.' }).waitFor();
    await form.getByLabel('Name').fill('Ada Lovelace');
    await form.getByLabel('Email').fill('not-an-email');
    await form.getByRole('button', { name: 'Start chat' }).click();
    await form.getByRole('alert').filter({ hasText: 'valid email' }).waitFor();
    await form.getByLabel('Email').fill('ada@example.com');
    await form.getByLabel('Your question').fill('Where is my order?');
    await form.getByRole('button', { name: 'Start chat' }).click();
    await form.waitFor({ state: 'hidden' });
    await page.locator('.msg--mine[data-seq]').filter({ hasText: 'Where is my order?' }).waitFor();
    await page.reload();
    await page.getByRole('log', { name: 'Conversation' }).locator('.msg--mine[data-seq]').first().waitFor();
    assert.equal(await page.getByRole('region', { name: 'Before we start' }).isVisible(), false, 'asked once');
    await context.close();
  });

  await t.test('two tabs, reload and offline typing: one conversation, every line once', async () => {
    const context = await browser.newContext();
    const a = await context.newPage();
    a.setDefaultTimeout(20_000);
    watch(a, 'tab A', problems, { expected: /WebSocket|ERR_INTERNET_DISCONNECTED/ });
    await a.goto(`${base}demo/`);
    await a.getByRole('button', { name: 'Open chat' }).click();
    const send = async (page, text) => {
      const input = page.getByRole('textbox', { name: 'Message' });
      await input.fill(text);
      await input.press('Enter');
    };
    await send(a, 'First from tab A');
    await a.locator('.msg--mine[data-seq]').filter({ hasText: 'First from tab A' }).waitFor();
    const b = await context.newPage();
    b.setDefaultTimeout(20_000);
    watch(b, 'tab B', problems, { expected: /WebSocket|ERR_INTERNET_DISCONNECTED/ });
    await b.goto(`${base}demo/orders.html`);
    // The second tab continues the conversation (its socket opens at once, the panel stays shut).
    await b.locator('.msg--mine[data-seq]').filter({ hasText: 'First from tab A' }).waitFor({ state: 'attached' });
    await b.getByRole('button', { name: 'Open chat' }).click();
    await send(b, 'Second from tab B');
    await a.locator('.msg--mine[data-seq]').filter({ hasText: 'Second from tab B' }).waitFor();

    await context.setOffline(true);
    await a.evaluate(() => window.dispatchEvent(new Event('offline')));
    await send(a, 'Typed while offline');
    await a.locator('.msg--pending').filter({ hasText: 'Typed while offline' }).waitFor();
    await context.setOffline(false);
    await a.locator('.msg--mine[data-seq]').filter({ hasText: 'Typed while offline' }).waitFor({ timeout: 30_000 });
    await b.locator('.msg--mine[data-seq]').filter({ hasText: 'Typed while offline' }).waitFor({ timeout: 30_000 });
    await a.reload();
    await a.locator('.msg--mine[data-seq]').filter({ hasText: 'Typed while offline' }).waitFor();
    for (const [name, page] of [['A', a], ['B', b]]) {
      for (const line of ['First from tab A', 'Second from tab B', 'Typed while offline']) {
        assert.equal(await page.locator('.msg--mine').filter({ hasText: line }).count(), 1, `tab ${name}: "${line}" once`);
      }
    }
    await context.close();
  });

  await t.test('nobody online: leave a message, and where the answer will go', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    page.setDefaultTimeout(20_000);
    watch(page, 'leave', problems);
    await page.goto(`${base}demo/`); // no agent has signed in: availability says nobody can answer
    await page.getByRole('button', { name: 'Open chat' }).click();
    await page.getByRole('button', { name: 'Leave a message' }).click();
    const form = page.getByRole('region', { name: 'Leave us a message' });
    await form.getByLabel('Email').fill('ada@example.com');
    await form.getByLabel('Message').fill('My parcel arrived damaged, please call me back.');
    await form.getByRole('button', { name: 'Send message' }).click();
    await form.getByText('Thanks! We will reply to ada@example.com.').waitFor();
    await context.close();
  });

  await t.test('desktop and phone layouts; axe finds no serious or critical violation', async () => {
    for (const [name, viewport, isMobile] of [['desktop', { width: 1280, height: 800 }, false], ['phone', { width: 375, height: 667 }, true]]) {
      const context = await browser.newContext({ viewport, isMobile, hasTouch: isMobile, bypassCSP: true });
      const page = await context.newPage();
      page.setDefaultTimeout(20_000);
      watch(page, name, problems);
      await page.goto(`${base}demo/`);
      await page.getByRole('button', { name: 'Open chat' }).click();
      const input = page.getByRole('textbox', { name: 'Message' });
      await input.fill('Where is my order?');
      await input.press('Enter');
      await page.locator('.msg--bot[data-seq]').first().waitFor();
      if (isMobile) {
        // The panel opens with a short scale transition: measure once it has settled.
        const measure = () => page.locator('#concierge-widget').evaluate((host) => {
          const r = host.shadowRoot.querySelector('.panel').getBoundingClientRect();
          return { x: r.x, y: r.y, width: r.width, height: r.height };
        });
        const full = { x: 0, y: 0, width: 375, height: 667 };
        let box = await measure();
        for (let i = 0; i < 40 && JSON.stringify(box) !== JSON.stringify(full); i += 1) {
          await new Promise((resolve) => setTimeout(resolve, 50));
          box = await measure();
        }
        assert.deepEqual(box, full, 'full screen on a phone');
      }
      await page.screenshot({ path: path.join(IMAGES, `widget-${name}.png`) });
      // Keyboard: Escape closes and focus returns to the launcher; it is visibly focused.
      await page.keyboard.press('Escape');
      const focused = await page.locator('#concierge-widget').evaluate((host) => {
        const el = host.shadowRoot.activeElement;
        return el ? { label: el.getAttribute('aria-label'), outline: getComputedStyle(el).outlineStyle } : null;
      });
      assert.match(focused?.label ?? '', /^Open chat/);
      await page.getByRole('button', { name: /^Open chat/ }).click();
      // The panel fades in: colours are measured once its transitions have finished (mid-fade,
      // axe sees every text at part opacity and reports its contrast).
      await page.locator('#concierge-widget').evaluate((host) => Promise.all(host.shadowRoot.getAnimations().map((a) => a.finished)));
      await page.addScriptTag({ path: AXE });
      const violations = await page.evaluate(async () => {
        const result = await window.axe.run(document, { resultTypes: ['violations'] });
        return result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
          .map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
      });
      assert.deepEqual(violations, [], `${name}: axe violations`);
      await context.close();
    }
  });

  assert.deepEqual(problems, []);
});
