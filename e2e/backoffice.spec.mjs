// Back-office browser story for Tagdesk.
//
// Runs with Node's built-in test runner and playwright-core driving Debian's Chromium:
//
//   node --test --test-reporter=spec e2e/backoffice.spec.mjs
//
// (Node 20's `node --test e2e/` does NOT pick up `*.spec.mjs` files; name the file, as scripts/test does.)
//
// Environment:
//   TAGDESK_BIN   path to the built `tagdesk` binary (default: $CARGO_TARGET_DIR/debug/tagdesk, else
//                 target/debug/tagdesk; relative paths are taken from the repository root)
//   CHROMIUM      Chromium executable (default /usr/bin/chromium)
//   E2E_KEEP_DATA set to 1 to keep the temporary data directory
//
// The labels, button names and URLs used here are the UI contract documented in e2e/README.md. The plumbing
// (server, browser, axe, screenshots, steps) is in lib.mjs.

import { after } from 'node:test';
import assert from 'node:assert/strict';
import {
  ADMIN_EMAIL,
  ADMIN_PASSWORD,
  checkAccessibility,
  checkPrerequisites,
  choose,
  cleanUp,
  createAdmin,
  createSteps,
  describePage,
  expectHeading,
  expectVisible,
  field,
  launchChromium,
  makeDataDir,
  prepareArtifacts,
  screenshot,
  tagdeskServer,
  watchPage,
} from './lib.mjs';

// ---------------------------------------------------------------------------------------------
// State shared by the steps
// ---------------------------------------------------------------------------------------------

const server = tagdeskServer();
let dataDir;
let baseUrl;
let browser;
let context;
let page;
const pageErrors = [];
const serverErrors = [];

// ---------------------------------------------------------------------------------------------
// Page helpers (the one page of this story)
// ---------------------------------------------------------------------------------------------

async function fill(label, value) {
  await (await field(page, label)).fill(value);
}

async function click(name) {
  await page.getByRole('button', { name, exact: true }).click();
}

async function goto(urlPath) {
  const res = await page.goto(baseUrl + urlPath);
  assert.ok(res, `no response for ${urlPath}`);
  assert.ok(res.status() < 400, `GET ${urlPath} answered HTTP ${res.status()}\n${await describePage(page)}`);
}

/** The status badge: an element whose whole text is the status, visible. */
async function expectStatus(status) {
  await expectVisible(
    page,
    page.getByText(status, { exact: true }).filter({ visible: true }),
    `status badge "${status}"`,
  );
}

// ---------------------------------------------------------------------------------------------
// Steps run in order; once one fails, the rest are skipped (they depend on it).
// ---------------------------------------------------------------------------------------------

const step = createSteps({
  kinds: { story: { skips: 'all', reason: 'earlier step failed' } },
  defaultKind: 'story',
  failurePage: () => page,
});

step('tagdesk starts and Chromium launches', async () => {
  checkPrerequisites();
  prepareArtifacts();
  dataDir = makeDataDir('tagdesk-e2e-');
  await createAdmin(dataDir);
  await server.start(dataDir);
  baseUrl = server.baseUrl;

  browser = await launchChromium();
  context = await browser.newContext({ bypassCSP: true, viewport: { width: 1280, height: 900 }, locale: 'en-GB' });
  page = watchPage(await context.newPage(), { pageErrors, serverErrors, logConsoleErrors: true });
});

after(async () => {
  await context?.close().catch(() => {});
  await browser?.close().catch(() => {});
  await cleanUp({ server, logFile: 'server.log', dataDir });
});

step('login page is accessible', async () => {
  await goto('/login');
  await checkAccessibility(page, 'the login page');
});

step('staff signs in and lands on Cases', async () => {
  await fill('Email', ADMIN_EMAIL);
  await fill('Password', ADMIN_PASSWORD);
  await click('Sign in');
  await expectHeading(page, 'Cases');
});

step('creates a deployment', async () => {
  await goto('/deployments/new');
  await fill('Name', 'Harbour Plant');
  await fill('Address', '1 Quay Street');
  await choose(page, 'Timezone', 'Europe/Berlin');
  await click('Create deployment');
  await expectHeading(page, 'Harbour Plant');
});

step('creates a device', async () => {
  await goto('/devices/new');
  await choose(page, 'Deployment', 'Harbour Plant');
  await fill('Name', 'Robot R2');
  await fill('Serial number', 'SN-E2E-1');
  await fill('Manufacturer', 'Acme');
  await fill('Model', 'R2000');
  await click('Create device');
  await expectHeading(page, 'Robot R2');
});

step('device list shows the device and is accessible', async () => {
  await goto('/devices');
  await expectVisible(page, page.getByText('Robot R2').filter({ visible: true }), 'device "Robot R2" in the device list');
  await checkAccessibility(page, 'the device list');
});

step('creates a case on the device', async () => {
  await goto('/cases/new');
  await choose(page, 'Deployment', 'Harbour Plant');
  await choose(page, 'Device', 'Robot R2');
  await fill('Title', 'Arm stuck');
  await fill('Description', 'The arm stops mid-way');
  await click('Create case');
  await expectHeading(page, 'Arm stuck');
  await expectVisible(page, page.getByText(/#\d+/).filter({ visible: true }), 'a case number like "#1"');
  await expectStatus('Open');
});

step('case detail page is accessible', async () => {
  await checkAccessibility(page, 'the case detail page');
});

step('resolves the case', async () => {
  await click('Mark resolved');
  await expectStatus('Resolved');
  await expectVisible(page, page.getByText(/Status changed/).filter({ visible: true }), 'timeline entry "Status changed"');
  await screenshot(page, 'case-resolved.png');
});

step('case list shows the case', async () => {
  await goto('/cases');
  await expectHeading(page, 'Cases');
  await expectVisible(page, page.getByText('Arm stuck').filter({ visible: true }), 'case "Arm stuck" in the case list');
  await screenshot(page, 'cases.png');
});

step('Enter in the new-case form creates the case (it does not press "Use template")', async () => {
  await goto('/cases/new');
  await choose(page, 'Deployment', 'Harbour Plant');
  await fill('Title', 'Gripper loose');
  await checkAccessibility(page, 'the new-case form');
  await (await field(page, 'Title')).press('Enter');
  await expectHeading(page, 'Gripper loose');
  await expectStatus('Open');
});

step('no page errors and no HTTP 5xx during the story', async () => {
  assert.deepEqual(pageErrors, [], `uncaught errors in the browser:\n${pageErrors.join('\n')}`);
  assert.deepEqual(serverErrors, [], `server answered with 5xx:\n${serverErrors.join('\n')}`);
});
