// Identity verification as the agent sees it: the console marks exactly the fields the site
// vouched for (the user id, and the email when the site signed it too), never a name or an
// email the visitor typed. The real widget signs in with what a site's backend computed, the
// real server checks it, the real console shows it.
// Needs /usr/bin/chromium and chat-server/target/concierge.jar (see e2e.browser.test.js).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, hkdfSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { serverAndBrowser, startPageServer, watch, signInConsole } from './server.js';

const SECRET = 'identity-browser-test-secret-0123456789abcdef';

/** What a site's backend computes (docs/widget.md, "Identity verification"). */
const signature = (userId) => createHmac('sha256', SECRET).update(userId).digest('hex');
function emailSignature(userId, email) {
  const key = Buffer.from(hkdfSync('sha256', SECRET, 'concierge identity', 'email v1', 32));
  const b64 = (text) => Buffer.from(text).toString('base64url');
  return createHmac('sha256', key).update(`${b64(userId)}.${b64(email)}`).digest('hex');
}

test('the console marks only the fields the site vouched for', { timeout: 180_000 }, async (t) => {
  const { server, browser } = await serverAndBrowser(t, 'concierge-identity-', {
    prepare(dataPath) {
      const sites = path.join(dataPath, 'sites.json');
      writeFileSync(sites, JSON.stringify({ sites: { demo: { identitySecret: SECRET } } }));
      return ['--sites', sites];
    },
  });
  const site = await startPageServer();
  t.after(() => site.close());
  const problems = [];
  const agent = await signInConsole(browser, server.base, 'demo', 'demo-password', problems);
  const panel = agent.locator('#visitor');

  async function visitorAsks(name, init) {
    const page = await (await browser.newContext()).newPage();
    page.setDefaultTimeout(20_000);
    watch(page, name, problems);
    await page.goto(site.page(name, `<script src="${server.base}concierge.js" async></script><script>
      window.addEventListener('concierge:loaded', function () { Concierge.init(${JSON.stringify({ site: 'demo', open: true, ...init })}); });
    </script>`));
    const input = page.getByRole('textbox', { name: 'Message' });
    await input.fill(`Hello, this is ${name}`);
    await input.press('Enter');
    await page.getByRole('button', { name: 'Talk to a human' }).click();
    const tab = agent.getByRole('tab', { name: new RegExp(init.identity?.name ?? init.visitor.name) });
    await tab.waitFor();
    await tab.click();
    await panel.locator('h2').filter({ hasText: init.identity?.name ?? init.visitor.name }).waitFor();
  }

  // Signed user id and signed email: both marked; the name (never signed) is not.
  await visitorAsks('ada', {
    visitor: { name: 'Typed Ada', email: 'typed@example.com' },
    identity: { userId: 'u-1001', name: 'Ada Lovelace', email: 'ada@example.com', signature: signature('u-1001'),
      emailSignature: emailSignature('u-1001', 'ada@example.com') },
  });
  await panel.locator('.email').filter({ hasText: 'ada@example.com' }).locator('.verified-mark').waitFor();
  assert.equal(await panel.locator('.user-id .verified-mark').count(), 1, 'the user id is marked');
  assert.match(await panel.locator('.user-id').textContent(), /User u-1001/);
  assert.equal(await panel.locator('h2 .verified-mark').count(), 0, 'the name is not marked');
  assert.equal(await panel.locator('.verified-mark').count(), 2, 'exactly user id and email');
  assert.match(await panel.locator('.unverified').textContent(), /name as typed/);

  // Signed user id, unsigned email: the email shows without a mark.
  await visitorAsks('grace', {
    identity: { userId: 'u-2002', name: 'Grace Hopper', email: 'grace@example.com', signature: signature('u-2002') },
  });
  await panel.locator('.email').filter({ hasText: 'grace@example.com' }).waitFor();
  assert.equal(await panel.locator('.email .verified-mark').count(), 0, 'an unsigned email is not marked');
  assert.equal(await panel.locator('.user-id .verified-mark').count(), 1);
  assert.match(await panel.locator('.unverified').textContent(), /name and email as typed/);

  // Nothing signed: nothing marked.
  await visitorAsks('eve', { visitor: { name: 'Eve Typed', email: 'eve@example.com' } });
  await panel.locator('.email').filter({ hasText: 'eve@example.com' }).waitFor();
  assert.equal(await panel.locator('.verified-mark').count(), 0, 'a typed name and email show no mark');
  assert.match(await panel.locator('.unverified').textContent(), /name and email as typed/);

  assert.deepEqual([...problems], [], 'no script errors or failed requests in the pages');
});
