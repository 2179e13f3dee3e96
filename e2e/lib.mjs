// Shared plumbing for the browser tests (backoffice.spec.mjs, portal.spec.mjs); each spec file keeps only its
// own story. Not a test file itself: `node --test` and scripts/test run `*.spec.mjs` only.
//
// It offers: the settings read from the environment (TAGDESK_BIN, CARGO_TARGET_DIR, CHROMIUM, E2E_KEEP_DATA),
// running `tagdesk` CLI commands, a `tagdesk serve` on a free port with a temporary data directory and its log
// in e2e/artifacts/, Chromium with the flags these tests need, watching a page for errors, page helpers that
// say what the page shows when they fail, axe-core checks, screenshots, and `step`: tests that run in order
// and skip the steps that depend on a failed one, with a screenshot of the failing page.
//
// Every spec file runs in its own process (Node's test runner isolates files), so the servers started here are
// that file's; they are killed when the process exits, even if the runner dies.

import { test } from 'node:test';
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
/** The repository root: the working directory of every `tagdesk` process. */
const ROOT = path.resolve(HERE, '..');
/** e2e/artifacts/: screenshots and server logs. */
const ARTIFACTS = path.join(HERE, 'artifacts');

/** The admin every story creates through the CLI. */
export const ADMIN_EMAIL = 'admin@example.com';
/** The admin's password. */
export const ADMIN_PASSWORD = 'correct horse battery';
/** How long a page action or an expectation waits before it fails. */
const STEP_TIMEOUT_MS = 10_000;

/** The binary: $TAGDESK_BIN, else $CARGO_TARGET_DIR/debug/tagdesk, else target/debug/tagdesk (relative to ROOT). */
const TAGDESK_BIN = path.resolve(
  ROOT,
  process.env.TAGDESK_BIN || path.join(process.env.CARGO_TARGET_DIR || 'target', 'debug', 'tagdesk'),
);
/** The browser: $CHROMIUM, else Debian's /usr/bin/chromium. */
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const AXE_SOURCE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

// ---------------------------------------------------------------------------------------------
// Processes: the CLI and the server
// ---------------------------------------------------------------------------------------------

const servers = new Set(); // ChildProcess of every `tagdesk serve` started here

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
    let stdout = '';
    child.stdout.on('data', (d) => {
      out += d;
      stdout += d;
    });
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
      resolve({ code, signal, out, stdout });
    });
    child.stdin.on('error', () => {}); // the child may exit before reading stdin
    child.stdin.end(input ?? '');
  });
}

/** Runs `tagdesk <args>` (stdin: `input`, 60 s at most); resolves with { code, signal, out: stdout+stderr, stdout }. */
export function runTagdesk(args, options) {
  return run(TAGDESK_BIN, args, options);
}

/** Fails unless the tagdesk binary and Chromium exist, saying how to get them. */
export function checkPrerequisites() {
  assert.ok(
    fs.existsSync(TAGDESK_BIN),
    `tagdesk binary not found at ${TAGDESK_BIN} (build it with \`cargo build -p tagdesk\` or set TAGDESK_BIN)`,
  );
  assert.ok(fs.existsSync(CHROMIUM), `Chromium not found at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM)`);
}

/** Creates e2e/artifacts/; if `stalePrefix` is given, removes the files in it whose names start with it. */
export function prepareArtifacts(stalePrefix) {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  if (!stalePrefix) return;
  for (const old of fs.readdirSync(ARTIFACTS).filter((f) => f.startsWith(stalePrefix))) {
    fs.rmSync(path.join(ARTIFACTS, old), { force: true });
  }
}

/** A fresh temporary data directory whose name starts with `prefix`. */
export function makeDataDir(prefix) {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** `tagdesk admin create-user` of ADMIN_EMAIL (workspace Acme, role admin) in `dataDir`; must exit 0. */
export async function createAdmin(dataDir) {
  const created = await runTagdesk(
    ['admin', 'create-user', '--email', ADMIN_EMAIL, '--workspace', 'Acme', '--role', 'admin', '--data-dir', dataDir],
    { input: `${ADMIN_PASSWORD}\n` },
  );
  assert.equal(
    created.code,
    0,
    `tagdesk admin create-user failed (code ${created.code}, signal ${created.signal}):\n${created.out}`,
  );
}

function killServersSync() {
  for (const server of servers) {
    if (server.exitCode === null && server.signalCode === null) {
      try {
        server.kill('SIGKILL');
      } catch {
        // already gone
      }
    }
  }
}

// Never leave a server behind, even if the runner dies.
process.on('exit', killServersSync);
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    killServersSync();
    process.exit(130);
  });
}

/**
 * A `tagdesk serve` for one spec file, created before it starts so that `cleanUp` finds its log even when
 * starting fails: `await server.start(dataDir, env)`, then `server.baseUrl`; `server.log` is its output.
 */
export function tagdeskServer() {
  let child; // ChildProcess
  const server = {
    baseUrl: undefined,
    log: '',

    /**
     * Starts `tagdesk serve --addr 127.0.0.1:<free port> --data-dir <dataDir>` and waits until /healthz answers
     * 200 (30 s at most). `env(baseUrl)` may return variables to add to the server's environment.
     */
    async start(dataDir, env = () => ({})) {
      const port = await freePort();
      server.baseUrl = `http://127.0.0.1:${port}`;
      child = spawn(TAGDESK_BIN, ['serve', '--addr', `127.0.0.1:${port}`, '--data-dir', dataDir], {
        cwd: ROOT,
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, ...env(server.baseUrl) },
      });
      servers.add(child);
      child.on('error', (e) => (server.log += `\n[spawn error] ${e.message}\n`));
      child.stdout.on('data', (d) => (server.log += d));
      child.stderr.on('data', (d) => (server.log += d));
      await waitForHealthz(`${server.baseUrl}/healthz`);
    },

    /** SIGTERM, then SIGKILL if it has not exited within 10 s. */
    async stop() {
      if (!child || child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      let timer;
      const timedOut = await Promise.race([
        exited.then(() => false),
        new Promise((resolve) => (timer = setTimeout(() => resolve(true), 10_000))),
      ]);
      clearTimeout(timer);
      if (timedOut) {
        console.error('tagdesk serve did not exit within 10 s of SIGTERM; sending SIGKILL');
        child.kill('SIGKILL');
        await exited;
      }
    },
  };

  async function waitForHealthz(url, timeoutMs = 30_000) {
    const deadline = Date.now() + timeoutMs;
    let last = 'no answer yet';
    while (Date.now() < deadline) {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(
          `tagdesk serve exited early (code ${child.exitCode}, signal ${child.signalCode})\n--- server output ---\n${server.log}`,
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
      `GET ${url} did not answer 200 within ${timeoutMs} ms (last: ${last})\n--- server output ---\n${server.log}`,
    );
  }

  return server;
}

/**
 * For an `after` hook: stops `server`, writes its output to e2e/artifacts/<logFile>, and removes `dataDir`
 * unless E2E_KEEP_DATA=1 (then it prints where it is).
 */
export async function cleanUp({ server, logFile, dataDir }) {
  await server.stop();
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  fs.writeFileSync(path.join(ARTIFACTS, logFile), server.log);
  if (dataDir && process.env.E2E_KEEP_DATA !== '1') {
    fs.rmSync(dataDir, { recursive: true, force: true });
  } else if (dataDir) {
    console.log(`data directory kept: ${dataDir}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Browser
// ---------------------------------------------------------------------------------------------

/** Launches CHROMIUM through playwright-core with the flags these tests need (no sandbox, GPU, updates, sync). */
export function launchChromium() {
  return chromium.launch({
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
}

/**
 * Sets the page's default timeout to STEP_TIMEOUT_MS and records what goes wrong on it: uncaught errors into
 * `pageErrors`, HTTP 5xx responses into `serverErrors`, dialogs (dismissed) into `dialogs` if given; prints
 * browser console errors if `logConsoleErrors`. Returns the page.
 */
export function watchPage(page, { pageErrors, serverErrors, dialogs, logConsoleErrors = false }) {
  page.setDefaultTimeout(STEP_TIMEOUT_MS);
  page.on('pageerror', (e) => pageErrors.push(`${page.url()}: ${e.message}`));
  if (dialogs) {
    page.on('dialog', (d) => {
      dialogs.push(`${page.url()}: ${d.type()} "${d.message()}"`);
      d.dismiss().catch(() => {});
    });
  }
  if (logConsoleErrors) {
    page.on('console', (m) => {
      if (m.type() === 'error') console.log(`browser console error (${page.url()}): ${m.text()}`);
    });
  }
  page.on('response', (r) => {
    if (r.status() >= 500) serverErrors.push(`${r.request().method()} ${r.url()} -> HTTP ${r.status()}`);
  });
  return page;
}

// ---------------------------------------------------------------------------------------------
// Page helpers
// ---------------------------------------------------------------------------------------------

/** `s` with the characters that are special in a regular expression escaped. */
export function escapeRegExp(s) {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** What the page shows — title, headings, alerts, the first 1500 characters of text — for a failure message. */
export async function describePage(page) {
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

/**
 * A form control by its label: the exact label first, then the label plus a required/optional marker
 * ("Name *", "Name (required)", "Name (Pflichtfeld)", or "Namerequired" from
 * `Name<span aria-hidden="true">required</span>`: Playwright matches a label's whole text, hidden parts included).
 */
export async function field(page, label) {
  const exact = page.getByLabel(label, { exact: true });
  if ((await exact.count()) > 0) return exact.first();
  const marker = '(\\*|\\(?\\s*(required|optional|Pflichtfeld|erforderlich)\\s*\\)?)?';
  const loose = page.getByLabel(new RegExp(`^\\s*${escapeRegExp(label)}\\s*${marker}\\s*$`, 'i'));
  if ((await loose.count()) > 0) return loose.first();
  throw new Error(`no form control labelled "${label}" on ${page.url()}\n${await describePage(page)}`);
}

/**
 * Select the option of the <select> labelled `label` whose visible label equals `text`, or contains it
 * (e.g. "Robot R2 (SN-E2E-1)"), or whose value equals it. Waits up to STEP_TIMEOUT_MS for such an
 * option to appear (a form may fill a select after another choice). If the control is a text input,
 * it is filled instead.
 */
export async function choose(page, label, text) {
  const control = await field(page, label);
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

/** Wait until `locator` is visible; on failure say what the page shows instead. */
export async function expectVisible(page, locator, what) {
  try {
    await locator.first().waitFor({ state: 'visible', timeout: STEP_TIMEOUT_MS });
  } catch {
    assert.fail(`expected ${what} on ${page.url()}\n${await describePage(page)}`);
  }
}

/** Wait for a heading containing `text` (a string, or a RegExp it must match); of `level` only, if given. */
export async function expectHeading(page, text, level) {
  await expectVisible(
    page,
    page.getByRole('heading', { level, name: typeof text === 'string' ? new RegExp(escapeRegExp(text)) : text }),
    level ? `an h${level} heading matching ${text}` : `a heading containing "${text}"`,
  );
}

/** Runs axe-core on the page; fails on serious or critical violations, listing each clearly; lists the others. */
export async function checkAccessibility(page, name) {
  // The app's CSP forbids inline scripts, so addScriptTag would be blocked; evaluate the source
  // directly (and the context bypasses CSP as well).
  await page.evaluate(AXE_SOURCE);
  const results = await page.evaluate(() =>
    // eslint-disable-next-line no-undef
    axe.run(document, { resultTypes: ['violations'] }),
  );
  assert.ok(results.passes.length > 10, `axe-core checked almost nothing on ${name}: ${results.passes.length} passing rules`);
  const bad = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  const minor = results.violations.filter((v) => !bad.includes(v));
  if (minor.length) {
    console.log(
      `axe (${name}): ${minor.length} minor/moderate finding(s), not failing: ` +
        minor.map((v) => `${v.id} (${v.impact}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')})`).join('; '),
    );
  }
  if (bad.length) {
    const report = bad
      .map((v) => {
        const nodes = v.nodes
          .slice(0, 5)
          .map((n) => `      - ${n.target.join(' ')}\n        ${n.html.slice(0, 200)}\n        ${(n.failureSummary || '').replace(/\n/g, '\n        ')}`)
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

/** A full-page screenshot to e2e/artifacts/<file>. */
export async function screenshot(page, file) {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: path.join(ARTIFACTS, file), fullPage: true });
}

// ---------------------------------------------------------------------------------------------
// Steps
// ---------------------------------------------------------------------------------------------

/**
 * Makes `step(name, fn, kind)`: a test (60 s at most) of the steps that run in order. `kinds` says what a
 * failed step of a kind skips — `{ skips: 'all', reason }`: every later step, `{ skips: 'same', reason }`: the
 * later steps of its kind — with the skip message "<reason>: <failed step>"; a kind not listed skips nothing.
 * On a failure, `failurePage()` (if open) is saved as e2e/artifacts/<shotPrefix>failure-<step name>.png.
 */
export function createSteps({ kinds, defaultKind, failurePage, shotPrefix = '' }) {
  const failed = {}; // kind → name of its failed step
  return function step(name, fn, kind = defaultKind) {
    test(name, { timeout: 60_000 }, async (t) => {
      for (const [k, { skips, reason }] of Object.entries(kinds)) {
        if (failed[k] && (skips === 'all' || k === kind)) return t.skip(`${reason}: ${failed[k]}`);
      }
      try {
        await fn(t);
      } catch (e) {
        if (kinds[kind]) failed[kind] = name;
        const page = failurePage();
        if (page && !page.isClosed()) {
          const file = `${shotPrefix}failure-${name.replace(/[^a-z0-9]+/gi, '-').toLowerCase()}.png`;
          await screenshot(page, file).catch(() => {});
          console.error(`screenshot of the failing page: e2e/artifacts/${file}`);
        }
        throw e;
      }
    });
  };
}
