// The agent console across a server restart, in a real browser: the server process is killed
// (SIGKILL) under a signed-in agent and comes back on the same port and data directory. The
// console reconnects by itself with the session it holds and stays signed in: no sign-in form,
// the connection open again, the agent's presence restored. Signing out still works after it.
// Needs /usr/bin/chromium and chat-server/target/concierge.jar, like e2e.browser.test.js.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertPrerequisites, dataDirectory, launchBrowser, startServer, watch } from './server.js';

const RECONNECT_TIMEOUT_MS = 90_000; // a server start (~10–20 s) plus the console's backoff
/** The browser logs each refused reconnect attempt while the server is down. */
const EXPECTED_CONSOLE = /WebSocket connection to '.*\/ws\/agent' failed/;

test('a signed-in agent stays signed in when the server restarts', { timeout: 180_000 }, async (t) => {
  assertPrerequisites();
  const data = dataDirectory('concierge-console-restart-');
  let server = null;
  t.after(async () => {
    await server?.stop();
    data.remove();
  });
  server = await startServer({ dataDir: data.path });
  const { base, port } = server;
  const browser = await launchBrowser();
  t.after(() => browser.close());
  const problems = [];

  const page = await (await browser.newContext({ viewport: { width: 1440, height: 900 } })).newPage();
  page.setDefaultTimeout(20_000);
  watch(page, 'console demo', problems, { expected: EXPECTED_CONSOLE });
  await page.goto(`${base}console/`);
  await page.getByLabel('Username').fill('demo');
  await page.getByLabel('Password').fill('demo-password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('#connection[data-state="open"]').waitFor();
  await page.locator('#presence[data-presence="online"]').waitFor();

  await server.kill();
  await page.locator('#connection:not([data-state="open"])').waitFor();

  server = await startServer({ dataDir: data.path, port });
  await page.locator('#connection[data-state="open"]').waitFor({ timeout: RECONNECT_TIMEOUT_MS });
  await page.locator('#presence[data-presence="online"]').waitFor();
  assert.equal(await page.locator('#signin').isVisible(), false, 'the sign-in form stays hidden');
  assert.equal(await page.locator('#app').isVisible(), true, 'the desk is shown');
  // The restarted server answers REST calls made with the same session, too.
  const search = await page.evaluate(async () => {
    const session = JSON.parse(sessionStorage.getItem('concierge.agentSession'));
    const response = await fetch('/api/conversations?q=anything', { headers: { Authorization: `Bearer ${session.token}` } });
    return response.status;
  });
  assert.equal(search, 200, 'the session token works for REST after the restart');

  // Signing out ends the session for good: the form comes back.
  await page.getByRole('button', { name: /^Sign out/ }).click();
  await page.locator('#signin').waitFor();
  assert.deepEqual(problems, []);
});
