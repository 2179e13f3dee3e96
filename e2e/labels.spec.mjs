// Labels in a real browser: a staff member prints labels for a deployment from /labels, the PDF download
// is rasterised and its codes decoded; a large selection runs as a background job whose page shows the
// progress and offers the download; the device page's label panel shows the code.
//
//   cargo build -p tagdesk && node --test --test-reporter=spec e2e/labels.spec.mjs
//
// Needs poppler-utils (pdftoppm, pdfinfo) and zbar-tools (zbarimg) besides Chromium; `.ci/run` installs them.
// Outputs in e2e/artifacts/: labels.pdf, labels-first-page.png (its first page at 100 dpi), labels-job.pdf,
// labels-*.png screenshots, labels-server.log (old labels-* files are removed at the start).

import { after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
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
  runTagdesk,
  screenshot,
  tagdeskServer,
  watchPage,
} from './lib.mjs';

const ARTIFACTS = path.join(path.dirname(fileURLToPath(import.meta.url)), 'artifacts');
/** Devices of the small print ("Harbour Plant") and of the large one ("Depot", more than SYNC_LABEL_LIMIT = 300). */
const SMALL = 5;
const LARGE = 320;

const server = tagdeskServer();
let dataDir;
let baseUrl;
let browser;
let context;
let page;
const pageErrors = [];
const serverErrors = [];
let firstDeviceUrl; // the portal link of "Robot 01", from its device page

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

async function goto(urlPath) {
  const res = await page.goto(baseUrl + urlPath);
  assert.ok(res, `no response for ${urlPath}`);
  assert.ok(res.status() < 400, `GET ${urlPath} answered HTTP ${res.status()}\n${await describePage(page)}`);
}

async function click(name) {
  await page.getByRole('button', { name, exact: true }).click();
}

/** Runs a tool (pdftoppm, pdfinfo, zbarimg); a missing tool fails with the package to install. */
function tool(cmd, args, { okCodes = [0] } = {}) {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    if (e.code === 'ENOENT') {
      const pkg = cmd === 'zbarimg' ? 'zbar-tools' : 'poppler-utils';
      assert.fail(`${cmd} is not installed (apt-get install ${pkg})`);
    }
    if (okCodes.includes(e.status)) return e.stdout ?? '';
    throw new Error(`${cmd} ${args.join(' ')} failed (exit ${e.status}): ${e.stderr}`);
  }
}

/** The QR codes zbarimg reads in an image (4 = none found). */
function decode(png) {
  return tool('zbarimg', ['--raw', '-q', png], { okCodes: [4] })
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
}

/** Clicks `button` and saves the download it starts as e2e/artifacts/<file>; returns the path. */
async function download(action, file) {
  const [dl] = await Promise.all([page.waitForEvent('download', { timeout: 60_000 }), action()]);
  const failure = await dl.failure();
  assert.equal(failure, null, `the download of ${file} failed: ${failure}`);
  const target = path.join(ARTIFACTS, file);
  await dl.saveAs(target);
  const head = fs.readFileSync(target).subarray(0, 5).toString('latin1');
  assert.equal(head, '%PDF-', `${file} is not a PDF (starts ${JSON.stringify(head)}); suggested name ${dl.suggestedFilename()}`);
  return { path: target, suggested: dl.suggestedFilename() };
}

/** Writes a device CSV of `count` devices named `<prefix> NN` and imports it into `deployment` with the CLI. */
async function importDevices(deployment, prefix, serialPrefix, count) {
  const width = String(count).length < 2 ? 2 : String(count).length;
  const rows = ['name,serial_number,manufacturer,model'];
  for (let i = 1; i <= count; i++) {
    const n = String(i).padStart(width, '0');
    rows.push(`${prefix} ${n},${serialPrefix}-${n},Acme,R2000`);
  }
  const csv = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'tagdesk-e2e-csv-')), 'devices.csv');
  fs.writeFileSync(csv, rows.join('\n') + '\n');
  const res = await runTagdesk(['devices', 'import', csv, '--deployment', deployment, '--data-dir', dataDir]);
  fs.rmSync(path.dirname(csv), { recursive: true, force: true });
  assert.equal(res.code, 0, `tagdesk devices import failed (code ${res.code}):\n${res.out}`);
}

async function createDeployment(name) {
  await goto('/deployments/new');
  await (await field(page, 'Name')).fill(name);
  await (await field(page, 'Address')).fill('1 Quay Street');
  await choose(page, 'Timezone', 'Europe/Berlin');
  await click('Create deployment');
  await expectHeading(page, name);
}

// ---------------------------------------------------------------------------------------------
// Steps run in order; once one fails, the rest are skipped.
// ---------------------------------------------------------------------------------------------

const step = createSteps({
  kinds: { story: { skips: 'all', reason: 'earlier step failed' } },
  defaultKind: 'story',
  failurePage: () => page,
  shotPrefix: 'labels-',
});

step('tagdesk starts and Chromium launches', async () => {
  checkPrerequisites();
  prepareArtifacts('labels-');
  fs.rmSync(path.join(ARTIFACTS, 'labels.pdf'), { force: true });
  dataDir = makeDataDir('tagdesk-e2e-labels-');
  await createAdmin(dataDir);
  await server.start(dataDir, (url) => ({ TAGDESK_PUBLIC_URL: url }));
  baseUrl = server.baseUrl;
  browser = await launchChromium();
  context = await browser.newContext({
    bypassCSP: true,
    acceptDownloads: true,
    viewport: { width: 1280, height: 900 },
    locale: 'en-GB',
  });
  page = watchPage(await context.newPage(), { pageErrors, serverErrors, logConsoleErrors: true });
});

after(async () => {
  await context?.close().catch(() => {});
  await browser?.close().catch(() => {});
  await cleanUp({ server, logFile: 'labels-server.log', dataDir });
});

step('staff signs in', async () => {
  await goto('/login');
  await (await field(page, 'Email')).fill(ADMIN_EMAIL);
  await (await field(page, 'Password')).fill(ADMIN_PASSWORD);
  await click('Sign in');
  await expectHeading(page, 'Cases');
});

step(`two deployments with ${SMALL} and ${LARGE} devices (UI and CLI)`, async () => {
  await createDeployment('Harbour Plant');
  await createDeployment('Depot');
  await importDevices('Harbour Plant', 'Robot', 'SN-HP', SMALL);
  await importDevices('Depot', 'Crate', 'CR', LARGE);
  await goto('/devices?q=Robot%2001');
  await expectVisible(page, page.getByRole('link', { name: 'Robot 01', exact: true }), 'the imported device "Robot 01"');
});

step('the device page has a label panel with the code', async () => {
  await page.getByRole('link', { name: 'Robot 01', exact: true }).first().click();
  await expectHeading(page, 'Robot 01', 1);
  const panel = page.locator('section[aria-labelledby="label-heading"]');
  await expectVisible(page, panel, 'the Label panel');
  const img = panel.locator('img.qr-preview');
  await expectVisible(page, img, 'the QR preview');
  await page.waitForFunction((el) => el.complete && el.naturalWidth > 0, await img.elementHandle());
  firstDeviceUrl = await (await field(page, 'Portal link')).inputValue();
  assert.match(firstDeviceUrl, new RegExp(`^${baseUrl}/d/[A-Za-z0-9]+$`), 'the portal link');
  await checkAccessibility(page, 'the device page with its label panel');
  await panel.screenshot({ path: path.join(ARTIFACTS, 'labels-device-panel.png') });
});

step('the print form is accessible and checks a selection', async () => {
  await goto('/labels');
  await expectHeading(page, 'Print labels', 1);
  await checkAccessibility(page, 'the print form');
  await choose(page, 'Deployment', 'Harbour Plant');
  await (await field(page, 'Serial number')).uncheck();
  await (await field(page, 'Site (deployment) name')).uncheck();
  await (await field(page, 'Draw label outlines (for plain paper or to check alignment)')).check();
  await click('Check the selection');
  await expectHeading(page, `${SMALL} devices selected`, 2);
  await expectVisible(page, page.getByText(/QR modules come out at [\d.]+ mm|a QR module is only [\d.]+ mm/), 'the module-size line');
  // The choices survive the check.
  assert.equal(await (await field(page, 'Serial number')).isChecked(), false, 'Serial number stays unticked');
  assert.equal(await (await field(page, 'Device name')).isChecked(), true, 'Device name stays ticked');
  assert.equal(
    await (await field(page, 'Draw label outlines (for plain paper or to check alignment)')).isChecked(),
    true,
    'outlines stay ticked',
  );
  await checkAccessibility(page, 'the print form with a selection summary');
  await screenshot(page, 'labels-form.png');
});

step('Print labels downloads a PDF whose first page shows decodable codes', async () => {
  const { path: pdf, suggested } = await download(() => click('Print labels'), 'labels.pdf');
  assert.match(suggested, /^labels-Harbour_Plant-\d{4}-\d{2}-\d{2}\.pdf$/, 'the suggested file name');
  const pages = /Pages:\s+(\d+)/.exec(tool('pdfinfo', [pdf]))?.[1];
  assert.equal(pages, '1', `${SMALL} labels fit on one sheet`);
  const prefix = path.join(ARTIFACTS, 'labels-first-page');
  tool('pdftoppm', ['-png', '-r', '100', '-f', '1', '-l', '1', '-singlefile', pdf, prefix]);
  const png = `${prefix}.png`;
  assert.ok(fs.existsSync(png), 'pdftoppm wrote labels-first-page.png');
  let codes = decode(png);
  let dpi = 100;
  if (codes.length < SMALL) {
    // At 100 dpi a module is about two pixels; read the same page at 200 dpi as well and say so.
    const sharper = path.join(os.tmpdir(), `tagdesk-e2e-labels-200dpi-${process.pid}`);
    tool('pdftoppm', ['-png', '-r', '200', '-f', '1', '-l', '1', '-singlefile', pdf, sharper]);
    console.log(`zbarimg read ${codes.length} of ${SMALL} codes at 100 dpi; reading the page at 200 dpi`);
    codes = decode(`${sharper}.png`);
    fs.rmSync(`${sharper}.png`, { force: true });
    dpi = 200;
  }
  const upper = baseUrl.toUpperCase();
  assert.equal(codes.length, SMALL, `one code per label at ${dpi} dpi: ${JSON.stringify(codes)}`);
  for (const code of codes) {
    assert.match(code, new RegExp(`^${upper.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/D/[A-Z0-9]+$`), 'an upper-case portal URL');
  }
  const first = firstDeviceUrl.replace(/\/d\//, '/D/').toUpperCase();
  assert.ok(codes.includes(first), `the code of Robot 01 (${first}) is on the page: ${JSON.stringify(codes)}`);
  console.log(`labels-first-page.png: ${codes.length} codes decoded at ${dpi} dpi, Robot 01's among them`);
});

step('the deployment remembers the choices', async () => {
  await goto('/labels');
  await choose(page, 'Deployment', 'Harbour Plant');
  await click('Check the selection');
  await expectHeading(page, `${SMALL} devices selected`, 2);
  assert.equal(await (await field(page, 'Serial number')).isChecked(), false, 'remembered: no serial');
  assert.equal(await (await field(page, 'Site (deployment) name')).isChecked(), false, 'remembered: no site');
});

step(`a print of ${LARGE} labels runs in the background and downloads when done`, async () => {
  await goto('/labels');
  await choose(page, 'Deployment', 'Depot');
  await click('Check the selection');
  await expectHeading(page, `${LARGE} devices selected`, 2);
  await expectVisible(page, page.getByText(/made in the background/), 'the background note');
  await click('Print labels');
  await page.waitForURL(/\/labels\/jobs\/[0-9a-f-]+$/);
  const jobUrl = page.url();
  await expectVisible(page, page.locator('progress#job-progress'), 'the progress bar');
  const checked = await page.locator('h1').innerText();
  await checkAccessibility(page, 'the job page');
  console.log(`axe-core checked the job page showing "${checked}"`);
  await screenshot(page, 'labels-job-progress.png');
  // While the job runs, the page's script updates the progress in place (no timed reload: the meta refresh
  // is only for browsers without scripts); when the job ends it loads the page once more. Watch it.
  const seen = [];
  const deadline = Date.now() + 120_000;
  for (;;) {
    // One read of the whole state (the page may be reloading between two separate reads).
    const state = await page
      .evaluate(() => ({
        heading: document.querySelector('h1')?.textContent.trim() ?? '',
        value: document.getElementById('job-progress')?.getAttribute('value') ?? null,
        label: document.getElementById('job-progress-label')?.textContent.trim() ?? '',
        refresh: document.querySelectorAll('meta[http-equiv="refresh"]').length,
        hook: document.querySelectorAll('[data-job-status]').length,
      }))
      .catch(() => null);
    if (state) {
      const last = seen[seen.length - 1];
      if (!last || last.value !== state.value || last.heading !== state.heading) {
        seen.push({ heading: state.heading, value: state.value, label: state.label });
      }
      if (state.heading === 'Your labels are ready') break;
      assert.notEqual(state.heading, 'The labels could not be made', `the job failed\n${await describePage(page)}`);
      if (state.heading === 'Making your labels') {
        assert.equal(state.refresh, 0, 'no timed reload with scripts on');
        assert.equal(state.hook, 1, 'the script has its status URL');
      }
    }
    assert.ok(Date.now() < deadline, `the job is not done after 120 s; seen ${JSON.stringify(seen)}`);
    await page.waitForTimeout(200);
  }
  console.log(`job page states seen: ${JSON.stringify(seen)}`);
  assert.equal(page.url(), jobUrl, 'still the job page');
  assert.equal(await page.locator('[data-job-status]').count(), 0, 'a finished job stops updating');
  await checkAccessibility(page, 'the finished job page');
  await screenshot(page, 'labels-job-done.png');
  const link = page.getByRole('link', { name: /^Download labels-Depot-.*\.pdf/ });
  await expectVisible(page, link, 'the Download link');
  const { path: pdf } = await download(() => link.click(), 'labels-job.pdf');
  const pages = Number(/Pages:\s+(\d+)/.exec(tool('pdfinfo', [pdf]))?.[1]);
  assert.equal(pages, Math.ceil(LARGE / 21), `${LARGE} labels on Avery L7160 sheets of 21`);
  // A reload (or coming back later) shows the same finished job.
  await page.reload();
  await expectHeading(page, 'Your labels are ready', 1);
});

step('no page errors and no HTTP 5xx during the story', async () => {
  assert.deepEqual(pageErrors, [], `uncaught errors in the browser:\n${pageErrors.join('\n')}`);
  assert.deepEqual(serverErrors, [], `server answered with 5xx:\n${serverErrors.join('\n')}`);
});
