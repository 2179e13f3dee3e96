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
// The labels, button names and URLs used here are the UI contract documented in e2e/README.md.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

const require = createRequire(import.meta.url);
const { chromium } = require('playwright-core');

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..');
const ARTIFACTS = path.join(HERE, 'artifacts');

const ADMIN_EMAIL = 'admin@example.com';
const ADMIN_PASSWORD = 'correct horse battery';
const STEP_TIMEOUT_MS = 10_000;

const TAGDESK_BIN = path.resolve(
  ROOT,
  process.env.TAGDESK_BIN ||
    path.join(process.env.CARGO_TARGET_DIR || 'target', 'debug', 'tagdesk'),
);
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const AXE_SOURCE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

// ---------------------------------------------------------------------------------------------
// Server process handling
// ---------------------------------------------------------------------------------------------

let dataDir;
let server; // ChildProcess
let serverLog = '';
let baseUrl;
let browser;
let context;
let page;
const pageErrors = [];
const serverErrors = [];

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

function run(cmd, args, { input, timeoutMs = 60_000 } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${cmd} ${args.join(' ')} timed out after ${timeoutMs} ms\n${out}`));
    }, timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(new Error(`cannot start ${cmd}: ${e.message}`));
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, out });
    });
    child.stdin.on('error', () => {}); // the child may exit before reading stdin
    child.stdin.end(input ?? '');
  });
}

function killServerSync() {
  if (server && server.exitCode === null && server.signalCode === null) {
    try {
      server.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
}

async function stopServer() {
  if (!server || server.exitCode !== null || server.signalCode !== null) return;
  const exited = new Promise((resolve) => server.once('exit', resolve));
  server.kill('SIGTERM');
  let timer;
  const timedOut = await Promise.race([
    exited.then(() => false),
    new Promise((resolve) => (timer = setTimeout(() => resolve(true), 10_000))),
  ]);
  clearTimeout(timer);
  if (timedOut) {
    console.error('tagdesk serve did not exit within 10 s of SIGTERM; sending SIGKILL');
    server.kill('SIGKILL');
    await exited;
  }
}

// Never leave a server behind, even if the runner dies.
process.on('exit', killServerSync);
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    killServerSync();
    process.exit(130);
  });
}

async function waitForHealthz(url, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer yet';
  while (Date.now() < deadline) {
    if (server.exitCode !== null || server.signalCode !== null) {
      throw new Error(
        `tagdesk serve exited early (code ${server.exitCode}, signal ${server.signalCode})\n--- server output ---\n${serverLog}`,
      );
    }
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      if (res.status === 200) return;
      last = `HTTP ${res.status}`;
    } catch (e) {
      last = e.cause?.code || e.message;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(
    `GET ${url} did not answer 200 within ${timeoutMs} ms (last: ${last})\n--- server output ---\n${serverLog}`,
  );
}

// ---------------------------------------------------------------------------------------------
// Page helpers
// ---------------------------------------------------------------------------------------------

function escapeRegExp(s) {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * A form control by its label: the exact label first, then the label plus a required/optional marker
 * ("Name *", "Name (required)", or "Namerequired" from `Name<span aria-hidden="true">required</span>`:
 * Playwright matches a label's whole text, hidden parts included).
 */
async function field(label) {
  const exact = page.getByLabel(label, { exact: true });
  if ((await exact.count()) > 0) return exact.first();
  const marker = '(\\*|\\(?\\s*(required|optional)\\s*\\)?)?';
  const loose = page.getByLabel(new RegExp(`^\\s*${escapeRegExp(label)}\\s*${marker}\\s*$`, 'i'));
  if ((await loose.count()) > 0) return loose.first();
  throw new Error(`no form control labelled "${label}" on ${page.url()}\n${await describePage()}`);
}

async function fill(label, value) {
  await (await field(label)).fill(value);
}

/**
 * Select the option of the <select> labelled `label` whose visible label equals `text`, or contains it
 * (e.g. "Robot R2 (SN-E2E-1)"), or whose value equals it. Waits up to STEP_TIMEOUT_MS for such an
 * option to appear (a form may fill a select after another choice). If the control is a text input,
 * it is filled instead.
 */
async function choose(label, text) {
  const control = await field(label);
  const tag = await control.evaluate((el) => el.tagName.toLowerCase());
  if (tag !== 'select') {
    await control.fill(text);
    return;
  }
  const deadline = Date.now() + STEP_TIMEOUT_MS;
  let options = [];
  for (;;) {
    options = await control.evaluate((el) =>
      [...el.options].map((o) => ({ value: o.value, label: (o.label || o.textContent || '').trim(), disabled: o.disabled })),
    );
    const usable = options.filter((o) => !o.disabled);
    const match =
      usable.find((o) => o.label === text) ||
      usable.find((o) => o.label.includes(text)) ||
      usable.find((o) => o.value === text);
    if (match) {
      await control.selectOption({ value: match.value });
      return;
    }
    if (Date.now() > deadline) break;
    await page.waitForTimeout(200);
  }
  throw new Error(
    `select "${label}" has no option "${text}" on ${page.url()}; options: ${JSON.stringify(options.map((o) => o.label))}`,
  );
}

async function click(name) {
  await page.getByRole('button', { name, exact: true }).click();
}

async function goto(urlPath) {
  const res = await page.goto(baseUrl + urlPath);
  assert.ok(res, `no response for ${urlPath}`);
  assert.ok(res.status() < 400, `GET ${urlPath} answered HTTP ${res.status()}\n${await describePage()}`);
}

/** Wait until `locator` is visible; on failure say what the page shows instead. */
async function expectVisible(locator, what) {
  try {
    await locator.first().waitFor({ state: 'visible', timeout: STEP_TIMEOUT_MS });
  } catch {
    assert.fail(`expected ${what} on ${page.url()}\n${await describePage()}`);
  }
}

async function expectHeading(text) {
  await expectVisible(
    page.getByRole('heading', { name: new RegExp(escapeRegExp(text)) }),
    `a heading containing "${text}"`,
  );
}

/** The status badge: an element whose whole text is the status, visible. */
async function expectStatus(status) {
  await expectVisible(
    page.getByText(status, { exact: true }).filter({ visible: true }),
    `status badge "${status}"`,
  );
}

async function describePage() {
  try {
    const title = await page.title();
    const headings = await page.getByRole('heading').allInnerTexts();
    const alerts = await page.getByRole('alert').allInnerTexts();
    const body = (await page.locator('body').innerText()).replace(/\s+\n/g, '\n').slice(0, 1500);
    return [
      `  title: ${JSON.stringify(title)}`,
      `  headings: ${JSON.stringify(headings)}`,
      alerts.length ? `  alerts: ${JSON.stringify(alerts)}` : null,
      `  body text (first 1500 chars):\n${body.replace(/^/gm, '    ')}`,
    ]
      .filter(Boolean)
      .join('\n');
  } catch (e) {
    return `  (could not describe page: ${e.message})`;
  }
}

/** Run axe-core on the current page; fail on serious or critical violations. */
async function checkAccessibility(name) {
  // The app's CSP forbids inline scripts, so addScriptTag would be blocked; evaluate the source
  // directly (and the context bypasses CSP as well).
  await page.evaluate(AXE_SOURCE);
  const results = await page.evaluate(() =>
    // eslint-disable-next-line no-undef
    axe.run(document, { resultTypes: ['violations'] }),
  );
  const bad = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  const minor = results.violations.filter((v) => !bad.includes(v));
  if (minor.length) {
    console.log(
      `axe (${name}): ${minor.length} minor/moderate finding(s), not failing: ` +
        minor.map((v) => `${v.id} (${v.impact})`).join(', '),
    );
  }
  if (bad.length) {
    const report = bad
      .map((v) => {
        const nodes = v.nodes
          .slice(0, 5)
          .map((n) => `      - ${n.target.join(' ')}\n        ${(n.failureSummary || '').replace(/\n/g, '\n        ')}`)
          .join('\n');
        const more = v.nodes.length > 5 ? `\n      … and ${v.nodes.length - 5} more element(s)` : '';
        return `  [${v.impact}] ${v.id}: ${v.help}\n    ${v.helpUrl}\n${nodes}${more}`;
      })
      .join('\n');
    assert.fail(
      `axe-core found ${bad.length} serious/critical accessibility violation(s) on ${name} (${page.url()}):\n${report}`,
    );
  }
}

async function screenshot(file) {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: path.join(ARTIFACTS, file), fullPage: true });
}

// ---------------------------------------------------------------------------------------------
// Steps run in order; once one fails, the rest are skipped (they depend on it).
// ---------------------------------------------------------------------------------------------

let broken = null;
function step(name, fn) {
  test(name, { timeout: 60_000 }, async (t) => {
    if (broken) {
      t.skip(`earlier step failed: ${broken}`);
      return;
    }
    try {
      await fn(t);
    } catch (e) {
      broken = name;
      if (page) {
        const file = `failure-${name.replace(/[^a-z0-9]+/gi, '-').toLowerCase()}.png`;
        await screenshot(file).catch(() => {});
        console.error(`screenshot of the failing page: e2e/artifacts/${file}`);
      }
      throw e;
    }
  });
}

step('tagdesk starts and Chromium launches', async () => {
  assert.ok(
    fs.existsSync(TAGDESK_BIN),
    `tagdesk binary not found at ${TAGDESK_BIN} (build it with \`cargo build -p tagdesk\` or set TAGDESK_BIN)`,
  );
  assert.ok(fs.existsSync(CHROMIUM), `Chromium not found at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM)`);
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tagdesk-e2e-'));

  const created = await run(
    TAGDESK_BIN,
    ['admin', 'create-user', '--email', ADMIN_EMAIL, '--workspace', 'Acme', '--role', 'admin', '--data-dir', dataDir],
    { input: `${ADMIN_PASSWORD}\n` },
  );
  assert.equal(
    created.code,
    0,
    `tagdesk admin create-user failed (code ${created.code}, signal ${created.signal}):\n${created.out}`,
  );

  const port = await freePort();
  baseUrl = `http://127.0.0.1:${port}`;
  server = spawn(TAGDESK_BIN, ['serve', '--addr', `127.0.0.1:${port}`, '--data-dir', dataDir], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  server.on('error', (e) => (serverLog += `\n[spawn error] ${e.message}\n`));
  server.stdout.on('data', (d) => (serverLog += d));
  server.stderr.on('data', (d) => (serverLog += d));
  await waitForHealthz(`${baseUrl}/healthz`);

  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
  context = await browser.newContext({ bypassCSP: true, viewport: { width: 1280, height: 900 }, locale: 'en-GB' });
  page = await context.newPage();
  page.setDefaultTimeout(STEP_TIMEOUT_MS);
  page.on('pageerror', (e) => pageErrors.push(`${page.url()}: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') console.log(`browser console error (${page.url()}): ${m.text()}`);
  });
  page.on('response', (r) => {
    if (r.status() >= 500) serverErrors.push(`${r.request().method()} ${r.url()} -> HTTP ${r.status()}`);
  });
});

after(async () => {
  await context?.close().catch(() => {});
  await browser?.close().catch(() => {});
  await stopServer();
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  fs.writeFileSync(path.join(ARTIFACTS, 'server.log'), serverLog);
  if (dataDir && process.env.E2E_KEEP_DATA !== '1') {
    fs.rmSync(dataDir, { recursive: true, force: true });
  } else if (dataDir) {
    console.log(`data directory kept: ${dataDir}`);
  }
});

step('login page is accessible', async () => {
  await goto('/login');
  await checkAccessibility('the login page');
});

step('staff signs in and lands on Cases', async () => {
  await fill('Email', ADMIN_EMAIL);
  await fill('Password', ADMIN_PASSWORD);
  await click('Sign in');
  await expectHeading('Cases');
});

step('creates a deployment', async () => {
  await goto('/deployments/new');
  await fill('Name', 'Harbour Plant');
  await fill('Address', '1 Quay Street');
  await choose('Timezone', 'Europe/Berlin');
  await click('Create deployment');
  await expectHeading('Harbour Plant');
});

step('creates a device', async () => {
  await goto('/devices/new');
  await choose('Deployment', 'Harbour Plant');
  await fill('Name', 'Robot R2');
  await fill('Serial number', 'SN-E2E-1');
  await fill('Manufacturer', 'Acme');
  await fill('Model', 'R2000');
  await click('Create device');
  await expectHeading('Robot R2');
});

step('device list shows the device and is accessible', async () => {
  await goto('/devices');
  await expectVisible(page.getByText('Robot R2').filter({ visible: true }), 'device "Robot R2" in the device list');
  await checkAccessibility('the device list');
});

step('creates a case on the device', async () => {
  await goto('/cases/new');
  await choose('Deployment', 'Harbour Plant');
  await choose('Device', 'Robot R2');
  await fill('Title', 'Arm stuck');
  await fill('Description', 'The arm stops mid-way');
  await click('Create case');
  await expectHeading('Arm stuck');
  await expectVisible(page.getByText(/#\d+/).filter({ visible: true }), 'a case number like "#1"');
  await expectStatus('Open');
});

step('case detail page is accessible', async () => {
  await checkAccessibility('the case detail page');
});

step('resolves the case', async () => {
  await click('Mark resolved');
  await expectStatus('Resolved');
  await expectVisible(page.getByText(/Status changed/).filter({ visible: true }), 'timeline entry "Status changed"');
  await screenshot('case-resolved.png');
});

step('case list shows the case', async () => {
  await goto('/cases');
  await expectHeading('Cases');
  await expectVisible(page.getByText('Arm stuck').filter({ visible: true }), 'case "Arm stuck" in the case list');
  await screenshot('cases.png');
});

step('Enter in the new-case form creates the case (it does not press "Use template")', async () => {
  await goto('/cases/new');
  await choose('Deployment', 'Harbour Plant');
  await fill('Title', 'Gripper loose');
  await checkAccessibility('the new-case form');
  await (await field('Title')).press('Enter');
  await expectHeading('Gripper loose');
  await expectStatus('Open');
});

step('no page errors and no HTTP 5xx during the story', async () => {
  assert.deepEqual(pageErrors, [], `uncaught errors in the browser:\n${pageErrors.join('\n')}`);
  assert.deepEqual(serverErrors, [], `server answered with 5xx:\n${serverErrors.join('\n')}`);
});
