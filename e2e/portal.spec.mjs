// Customer-portal browser story for Tagdesk: a visitor on a phone scans a device's label, enters the site
// PIN, sees the device, reports a problem with a photo, follows the case, adds a note to it; plus the
// German pages, every error page, the lock-out after wrong PINs, reflow at 320 px and at 200 % zoom, and
// 44 px touch targets. axe-core runs on every portal page and fails on serious or critical violations.
//
//   node --test --test-reporter=spec e2e/portal.spec.mjs
//
// Environment: TAGDESK_BIN, CHROMIUM, E2E_KEEP_DATA — as for backoffice.spec.mjs (see e2e/README.md).
//
// Setup goes through the CLI (admin user, API key) and the JSON API (deployment, devices, template,
// portal settings); only the visitor's path and the staff's "Replace label" button use the browser.
// The plumbing (server, browser, axe, screenshots, steps) is in lib.mjs.

import { after } from 'node:test';
import assert from 'node:assert/strict';
import {
  ADMIN_EMAIL,
  ADMIN_PASSWORD,
  checkAccessibility,
  checkPrerequisites,
  cleanUp,
  createAdmin,
  createSteps,
  describePage,
  escapeRegExp,
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

const PIN = '4829';

/** A phone: Pixel 7-sized viewport, touch, mobile viewport handling. */
const PHONE = {
  viewport: { width: 390, height: 844 },
  deviceScaleFactor: 2,
  isMobile: true,
  hasTouch: true,
  userAgent:
    'Mozilla/5.0 (Linux; Android 14; Pixel 7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Mobile Safari/537.36',
};

// Markdown the staff wrote: emphasis, a link, a list — and hostile raw HTML that must never render.
const WELCOME_MD = 'Welcome to **Harbour Plant**. Please read the [safety notes](https://example.com/safety) first.';
const INSTRUCTIONS_MD =
  '1. Choose what the problem is about\n2. Describe it *briefly*\n\n<script>alert("xss")</script><img src="x" onerror="alert(1)">\n\n[bad](javascript:alert(1))';
const CONTACT_MD = 'Service desk: *+49 30 1234567* or [service@example.com](mailto:service@example.com)';

// ---------------------------------------------------------------------------------------------
// State shared by the steps
// ---------------------------------------------------------------------------------------------

const server = tagdeskServer();
let dataDir;
let baseUrl;
let apiKey;
let browser;
let lastPage; // the page to screenshot when a step fails
const pageErrors = [];
const serverErrors = [];
const dialogs = [];

const ids = {}; // deployment, device1, device2, template, case
let portalSettings; // the PUT body last sent (without the PIN)
let portalUrl; // device 1
let oldPortalUrl2; // device 2 before its token was replaced
let caseNumber;
let followUrl;
let photo; // { jpeg: Buffer } with GPS EXIF

let visitor; // { context, page }: the phone that entered the PIN
let staff; // { context, page }: the signed-in admin (desktop)

// ---------------------------------------------------------------------------------------------
// The JSON API
// ---------------------------------------------------------------------------------------------

/** The JSON API with the e2e API key; fails on any non-2xx answer, printing the body. */
async function api(method, urlPath, body) {
  const res = await fetch(`${baseUrl}/api/v1${urlPath}`, {
    method,
    headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json', accept: 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} /api/v1${urlPath} answered HTTP ${res.status}: ${text}`);
  return text ? JSON.parse(text) : null;
}

const items = (list) => (Array.isArray(list) ? list : list.items || list.data || []);

// ---------------------------------------------------------------------------------------------
// A JPEG with GPS coordinates in its EXIF block
// ---------------------------------------------------------------------------------------------

/** An APP1 segment with a minimal EXIF block: IFD0 → GPS IFD with latitude and longitude. */
function gpsExifSegment() {
  const tiff = Buffer.alloc(128);
  const entry = (at, tag, type, count, value) => {
    tiff.writeUInt16LE(tag, at);
    tiff.writeUInt16LE(type, at + 2);
    tiff.writeUInt32LE(count, at + 4);
    tiff.writeUInt32LE(value, at + 8);
  };
  const ascii = (at, tag, letter) => {
    entry(at, tag, 2, 2, 0);
    tiff.write(letter, at + 8, 'ascii');
  };
  const rationals = (at, values) =>
    values.forEach(([n, d], i) => {
      tiff.writeUInt32LE(n, at + i * 8);
      tiff.writeUInt32LE(d, at + i * 8 + 4);
    });
  tiff.write('II', 0, 'ascii');
  tiff.writeUInt16LE(42, 2);
  tiff.writeUInt32LE(8, 4);
  tiff.writeUInt16LE(1, 8); // IFD0: one entry
  entry(10, 0x8825, 4, 1, 26); // GPSInfo → offset 26
  tiff.writeUInt32LE(0, 22);
  tiff.writeUInt16LE(4, 26); // GPS IFD: four entries
  ascii(28, 0x0001, 'N'); // GPSLatitudeRef
  entry(40, 0x0002, 5, 3, 80); // GPSLatitude
  ascii(52, 0x0003, 'E'); // GPSLongitudeRef
  entry(64, 0x0004, 5, 3, 104); // GPSLongitude
  tiff.writeUInt32LE(0, 76);
  rationals(80, [[52, 1], [31, 1], [1234, 100]]);
  rationals(104, [[13, 1], [24, 1], [5678, 100]]);
  const body = Buffer.concat([Buffer.from('Exif\0\0', 'latin1'), tiff]);
  const head = Buffer.from([0xff, 0xe1, 0, 0]);
  head.writeUInt16BE(body.length + 2, 2);
  return Buffer.concat([head, body]);
}

/** Draws a picture in Chromium, encodes it as JPEG there, and splices the GPS EXIF block in. */
async function makePhoto() {
  const context = await browser.newContext();
  const page = await context.newPage();
  const dataUrl = await page.evaluate(() => {
    const canvas = document.createElement('canvas');
    canvas.width = 640;
    canvas.height = 480;
    const g = canvas.getContext('2d');
    const grad = g.createLinearGradient(0, 0, 640, 480);
    grad.addColorStop(0, '#3a6ea5');
    grad.addColorStop(1, '#f0c040');
    g.fillStyle = grad;
    g.fillRect(0, 0, 640, 480);
    g.fillStyle = '#111';
    g.font = 'bold 64px sans-serif';
    g.fillText('E42', 220, 260);
    return canvas.toDataURL('image/jpeg', 0.9);
  });
  await context.close();
  const plain = Buffer.from(dataUrl.split(',')[1], 'base64');
  assert.ok(plain[0] === 0xff && plain[1] === 0xd8, 'Chromium did not produce a JPEG');
  const jpeg = Buffer.concat([plain.subarray(0, 2), gpsExifSegment(), plain.subarray(2)]);
  assert.ok(jpeg.includes(Buffer.from('Exif\0\0', 'latin1')), 'the test photo carries no EXIF block');
  return { jpeg };
}

// ---------------------------------------------------------------------------------------------
// Browser helpers
// ---------------------------------------------------------------------------------------------

/** Watches `page` for errors and dialogs; it becomes the page to screenshot when a step fails. */
function watch(page) {
  watchPage(page, { pageErrors, serverErrors, dialogs });
  lastPage = page;
  return page;
}

/** A fresh phone (no cookies) with `locale` (which also sets Accept-Language), optionally other options. */
async function phone({ locale = 'en-GB', ...extra } = {}) {
  const context = await browser.newContext({ ...PHONE, locale, bypassCSP: true, ...extra });
  const page = watch(await context.newPage());
  return { context, page };
}

/** Navigates and returns the main response; `status` (if given) must match. */
async function open(page, url, status) {
  lastPage = page;
  const res = await page.goto(url);
  assert.ok(res, `no response for ${url}`);
  if (status !== undefined) {
    assert.equal(res.status(), status, `GET ${url} answered HTTP ${res.status()}, expected ${status}\n${await describePage(page)}`);
  }
  return res;
}

/** Clicks something that submits a form or follows a link; returns the final main response. */
async function clickAndLoad(page, locator) {
  lastPage = page;
  const [res] = await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), locator.click()]);
  return res;
}

/** Every portal page names itself in its h1. */
async function expectH1(page, text) {
  await expectHeading(page, text, 1);
}

async function expectText(page, text) {
  await expectVisible(
    page,
    page.getByText(typeof text === 'string' ? text : text).filter({ visible: true }),
    `text ${text}`,
  );
}

async function htmlLang(page) {
  return page.evaluate(() => document.documentElement.getAttribute('lang'));
}

/** Every portal page with a deployment shows its contact details (rendered Markdown) in the footer. */
async function expectContact(page) {
  const footer = page.locator('footer');
  await expectVisible(page, footer.locator('a[href="mailto:service@example.com"]'), 'the contact details (mailto link)');
  assert.ok(
    (await footer.locator('em', { hasText: '+49 30 1234567' }).count()) > 0,
    `contact details: the phone number should be emphasised (<em>) on ${page.url()}`,
  );
}

/** A full-page screenshot to e2e/artifacts/portal-<name>.png. */
async function portalScreenshot(page, name) {
  await screenshot(page, `portal-${name}.png`);
}

/** axe + screenshot: what every portal page gets. */
async function checkPage(page, name) {
  await portalScreenshot(page, name);
  await checkAccessibility(page, `portal page "${name}"`);
}

/**
 * Touch targets: every button, form control, summary, choice label, language link and stand-alone link
 * is at least 44×44 CSS px. Links inside a sentence (Markdown text, "Choose another kind") are exempt, as
 * in WCAG 2.5.8; so are the skip link (off-screen until focused) and the honeypot (hidden).
 */
async function checkTouchTargets(page, name) {
  const { small, checked } = await page.evaluate(() => {
    const out = [];
    let checked = 0;
    const selector = [
      'button',
      'a[href]',
      'summary',
      'select',
      'textarea',
      'input:not([type=hidden]):not([type=radio]):not([type=checkbox])',
      'label.choice',
      'input[type=radio]:not(label input)',
      'input[type=checkbox]:not(label input)',
    ].join(',');
    for (const el of document.querySelectorAll(selector)) {
      if (el.closest('.hp, .skip, [hidden]')) continue;
      const style = getComputedStyle(el);
      if (style.display === 'none' || style.visibility === 'hidden') continue;
      if (el.tagName === 'A' && !el.classList.contains('btn')) {
        // Inline in a sentence: the link's block has text besides the link.
        const block = el.parentElement;
        const rest = (block.textContent || '').replace(el.textContent || '', '').trim();
        if (rest.length > 0 && !block.closest('nav')) continue;
      }
      const r = el.getBoundingClientRect();
      if (r.width === 0 && r.height === 0) continue;
      checked += 1;
      if (r.width < 43.5 || r.height < 43.5) {
        const text = (el.innerText || el.value || el.getAttribute('aria-label') || '').trim().slice(0, 60);
        const id = el.id ? `#${el.id}` : el.className ? `.${String(el.className).split(' ').join('.')}` : '';
        out.push(`${el.tagName.toLowerCase()}${id} "${text}": ${r.width.toFixed(1)}×${r.height.toFixed(1)} px`);
      }
    }
    return { small: out, checked };
  });
  assert.ok(checked >= 1, `only ${checked} touch target(s) found on ${name}: is the checker looking at the page?`);
  assert.deepEqual(small, [], `touch targets smaller than 44×44 CSS px on ${name} (${page.url()}):\n  ${small.join('\n  ')}`);
}

/** No horizontal scrolling at the context's width: null, or what scrolls and which elements stick out. */
async function horizontalScroll(page, name, width) {
  const found = await page.evaluate((w) => {
    const doc = document.documentElement;
    const wide = [];
    for (const el of document.body.querySelectorAll('*')) {
      if (el.closest('.hp, .skip, .vh')) continue;
      const r = el.getBoundingClientRect();
      if (r.width > 0 && r.right > w + 1) {
        wide.push(`${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}${el.className ? '.' + String(el.className).split(' ').join('.') : ''} right=${r.right.toFixed(0)}`);
      }
    }
    return { scrollWidth: doc.scrollWidth, clientWidth: doc.clientWidth, wide: wide.slice(0, 10) };
  }, width);
  if (found.scrollWidth <= width && found.scrollWidth <= found.clientWidth) return null;
  return (
    `${name} scrolls horizontally at ${width} CSS px: scrollWidth ${found.scrollWidth}, clientWidth ${found.clientWidth}; ` +
    `elements past the right edge:\n    ${found.wide.join('\n    ')}`
  );
}

/** HTML of the page plus the portal stylesheet, in bytes. */
async function pageWeight(context, url) {
  const html = await (await context.request.get(url)).body();
  const css = await (await context.request.get(`${baseUrl}/static/portal.css`)).body();
  return { html: html.length, css: css.length, total: html.length + css.length };
}

/** The signed-in admin in a desktop browser (signs in once). */
async function signInStaff() {
  if (staff) return staff;
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-GB' });
  const page = watch(await context.newPage());
  await open(page, `${baseUrl}/login`, 200);
  await (await field(page, 'Email')).fill(ADMIN_EMAIL);
  await (await field(page, 'Password')).fill(ADMIN_PASSWORD);
  await clickAndLoad(page, page.getByRole('button', { name: 'Sign in', exact: true }));
  await expectH1(page, 'Cases');
  staff = { context, page };
  return staff;
}

async function enterPin(page, pin) {
  await (await field(page, 'PIN (4 digits)')).fill(pin);
  return clickAndLoad(page, page.getByRole('button', { name: 'Continue', exact: true }));
}

// ---------------------------------------------------------------------------------------------
// Steps. "setup" failures skip everything; "walk" steps form one story and skip after a failed walk
// step; the other steps (error pages, language, reflow) only need the setup.
// ---------------------------------------------------------------------------------------------

const step = createSteps({
  kinds: {
    setup: { skips: 'all', reason: 'setup failed' },
    walk: { skips: 'same', reason: "earlier step of the visitor's story failed" },
  },
  defaultKind: 'independent',
  failurePage: () => lastPage,
  shotPrefix: 'portal-',
});

after(async () => {
  await browser?.close().catch(() => {});
  await cleanUp({ server, logFile: 'portal-server.log', dataDir });
});

step(
  'tagdesk starts; admin and API key via the CLI',
  async () => {
    checkPrerequisites();
    prepareArtifacts('portal-');
    dataDir = makeDataDir('tagdesk-e2e-portal-');
    await createAdmin(dataDir);
    const key = await runTagdesk([
      'admin', 'create-api-key', '--workspace', 'Acme', '--name', 'e2e', '--data-dir', dataDir,
    ]);
    assert.equal(key.code, 0, `tagdesk admin create-api-key failed:\n${key.out}`);
    apiKey = key.stdout.trim().split('\n').pop().trim();
    assert.ok(apiKey.length >= 20, `no API key on the last line of:\n${key.out}`);

    await server.start(dataDir, (url) => ({ TAGDESK_PUBLIC_URL: url }));
    baseUrl = server.baseUrl;

    browser = await launchChromium();
    photo = await makePhoto();
  },
  'setup',
);

step(
  'API: deployment, two devices, a template with custom fields, portal settings',
  async () => {
    const dep = await api('POST', '/deployments', {
      name: 'Harbour Plant',
      address: '1 Quay Street',
      timezone: 'Europe/Berlin',
      language: 'en',
    });
    ids.deployment = dep.id;
    const d1 = await api('POST', '/devices', {
      deployment_id: dep.id,
      name: 'Press P1',
      serial_number: 'SN-P1-0001',
      manufacturer: 'Acme',
      model: 'HP-300',
    });
    const d2 = await api('POST', '/devices', {
      deployment_id: dep.id,
      name: 'Conveyor C2',
      serial_number: 'SN-C2-0002',
      manufacturer: 'Acme',
      model: 'CV-10',
    });
    ids.device1 = d1.id;
    ids.device2 = d2.id;
    const tpl = await api('POST', '/templates', {
      name: 'Machine fault',
      title: 'Machine fault',
      case_type: 'anomaly',
      description: '',
      solution_suggestion: 'Check the main fuse first (staff only).',
      fields: [
        { label: 'Error code on the display', help: 'The code on the screen, for example E42.', kind: 'short_text', required: true, options: [] },
        { label: 'How often does it happen?', help: '', kind: 'single_choice', required: true, options: ['Once', 'Sometimes', 'Always'] },
        { label: 'The device is still running', help: '', kind: 'checkbox', required: false, options: [] },
      ],
    });
    ids.template = tpl.id;
    portalSettings = {
      enabled: true,
      show_open_cases: true,
      open_case_window_days: 30,
      welcome_message: WELCOME_MD,
      instructions: INSTRUCTIONS_MD,
      contact_details: CONTACT_MD,
      template_ids: [tpl.id],
      allow_free_description: true,
      contact_rule: 'name_and_email_or_phone',
      language: 'en',
      photos_allowed: true,
      max_photos: 3,
      max_photo_size_mb: 5,
    };
    const saved = await api('PUT', `/deployments/${dep.id}/portal`, { ...portalSettings, pin: PIN });
    assert.equal(saved.enabled, true);
    assert.equal(saved.has_pin, true);
    assert.ok(!JSON.stringify(saved).includes(PIN), 'the portal settings response must not contain the PIN');

    const dev1 = await api('GET', `/devices/${d1.id}`);
    const dev2 = await api('GET', `/devices/${d2.id}`);
    portalUrl = dev1.portal_url;
    oldPortalUrl2 = dev2.portal_url;
    assert.match(portalUrl || '', new RegExp(`^${escapeRegExp(baseUrl)}/d/[0-9A-HJKMNP-TV-Z]{13}$`), 'portal_url of device 1');
    assert.match(oldPortalUrl2 || '', /\/d\/[0-9A-Z]{13}$/, 'portal_url of device 2');
    assert.notEqual(portalUrl, oldPortalUrl2);
  },
  'setup',
);

// --- The visitor's story ----------------------------------------------------------------------

step(
  'PIN page: deployment, contact, numeric one-time-code field, accessible, light',
  async () => {
    visitor = await phone({ locale: 'en-GB' });
    const { page } = visitor;
    await open(page, portalUrl, 200);
    assert.equal(await htmlLang(page), 'en');
    await expectH1(page, 'Enter the site PIN');
    await expectText(page, 'Harbour Plant');
    await expectContact(page);
    const pin = await field(page, 'PIN (4 digits)');
    assert.equal(await pin.getAttribute('inputmode'), 'numeric');
    assert.equal(await pin.getAttribute('autocomplete'), 'one-time-code');
    await expectVisible(page, page.getByRole('button', { name: 'Continue', exact: true }), 'the Continue button');
    await checkPage(page, 'pin');
    await checkTouchTargets(page, 'the PIN page');
    const weight = await pageWeight(visitor.context, portalUrl);
    assert.ok(weight.total < 30 * 1024, `PIN page weighs ${weight.total} bytes (HTML ${weight.html} + CSS ${weight.css}); limit 30 KB`);
  },
  'walk',
);

step(
  'wrong PIN: a clear error linked to the field',
  async () => {
    const { page } = visitor;
    const res = await enterPin(page, '1111');
    assert.equal(res.status(), 401, 'a wrong PIN answers 401');
    await expectText(page, 'That PIN is not correct');
    const pin = await field(page, 'PIN (4 digits)');
    assert.equal(await pin.getAttribute('aria-invalid'), 'true');
    const describedBy = (await pin.getAttribute('aria-describedby')) || '';
    const errorId = describedBy.split(/\s+/).find((id) => id.includes('error'));
    assert.ok(errorId, `the PIN field's aria-describedby (${describedBy}) should point at the error`);
    assert.match(await page.locator(`#${errorId}`).innerText(), /not correct/);
    await expectContact(page);
    await checkPage(page, 'pin-wrong');
  },
  'walk',
);

step(
  'correct PIN: the device page with Markdown, session cookie, accessible, light',
  async () => {
    const { page, context } = visitor;
    const res = await enterPin(page, PIN);
    assert.equal(res.status(), 200);
    assert.equal(new URL(page.url()).pathname, new URL(portalUrl).pathname, 'the PIN leads back to the device page');
    await expectH1(page, 'Press P1');
    await expectText(page, 'HP-300');
    await expectText(page, 'SN-P1-0001');
    await expectText(page, 'Harbour Plant');
    // Markdown: emphasis and a safe link; the hostile HTML is gone.
    const main = page.locator('main');
    assert.equal(await main.locator('strong', { hasText: 'Harbour Plant' }).count(), 1, 'welcome: **Harbour Plant** → <strong>');
    const link = main.locator('a[href="https://example.com/safety"]');
    assert.equal(await link.count(), 1, 'welcome: the safety-notes link');
    const rel = (await link.getAttribute('rel')) || '';
    assert.ok(rel.includes('noopener') && rel.includes('nofollow'), `link rel="${rel}" needs noopener nofollow`);
    assert.equal(await main.locator('.md em', { hasText: 'briefly' }).count(), 1, 'instructions: *briefly* → <em>');
    assert.equal(await main.locator('.md ol li').count(), 2, 'instructions: a numbered list of two');
    assert.equal(await page.locator('main img, main script, main [onerror]').count(), 0, 'raw HTML from Markdown must not render');
    assert.equal(await page.locator('a[href^="javascript:"]').count(), 0, 'no javascript: links');
    await expectContact(page);
    await expectVisible(page, page.getByRole('link', { name: 'Report a problem', exact: true }), 'the Report a problem link');
    await expectText(page, 'There are no recent cases for this device.');

    const cookies = await context.cookies();
    const session = cookies.find((c) => c.name === 'tagdesk_portal');
    assert.ok(session, `no tagdesk_portal cookie; cookies: ${cookies.map((c) => c.name).join(', ')}`);
    assert.equal(session.httpOnly, true, 'the portal session cookie is HttpOnly');
    assert.equal(session.sameSite, 'Lax', 'the portal session cookie is SameSite=Lax');

    await checkPage(page, 'device');
    await checkTouchTargets(page, 'the device page');
    const weight = await pageWeight(context, portalUrl);
    assert.ok(weight.total < 30 * 1024, `device page weighs ${weight.total} bytes (HTML ${weight.html} + CSS ${weight.css}); limit 30 KB`);
  },
  'walk',
);

step(
  'report, step 1: choose what the problem is about',
  async () => {
    const { page } = visitor;
    await clickAndLoad(page, page.getByRole('link', { name: 'Report a problem', exact: true }));
    await expectH1(page, 'Report a problem');
    await expectVisible(page, page.getByRole('radio', { name: 'Machine fault' }), 'the template choice "Machine fault"');
    await expectVisible(page, page.getByRole('radio', { name: /describe it freely/ }), 'the free description choice');
    await expectContact(page);
    await checkPage(page, 'report-choose');
    await checkTouchTargets(page, 'the report chooser');
    await page.getByRole('radio', { name: 'Machine fault' }).check();
    await clickAndLoad(page, page.getByRole('button', { name: 'Continue', exact: true }));
    await expectText(page, 'Kind of problem: Machine fault');
  },
  'walk',
);

step(
  'report, step 2: the form with custom fields is accessible',
  async () => {
    const { page } = visitor;
    await field(page, 'Error code on the display');
    await expectText(page, 'The code on the screen, for example E42.');
    await expectVisible(page, page.getByRole('group', { name: /How often does it happen\?/ }), 'the single-choice group');
    await expectVisible(page, page.getByRole('checkbox', { name: /The device is still running/ }), 'the checkbox field');
    await field(page, 'Description');
    await field(page, 'Photos (optional)');
    await field(page, 'Name');
    await field(page, 'Email');
    await field(page, 'Phone');
    await expectContact(page);
    await checkPage(page, 'report-form');
    await checkTouchTargets(page, 'the report form');
  },
  'walk',
);

step(
  'report: a validation error keeps what was typed and links the error to its field',
  async () => {
    const { page } = visitor;
    await (await field(page, 'Error code on the display')).fill('E42');
    await page.getByRole('radio', { name: 'Sometimes' }).check();
    await page.getByRole('checkbox', { name: /The device is still running/ }).check();
    await (await field(page, 'Description')).fill('The press stops half-way and shows E42.');
    await (await field(page, 'Photos (optional)')).setInputFiles({ name: 'display.jpg', mimeType: 'image/jpeg', buffer: photo.jpeg });
    await (await field(page, 'Name')).fill('Ana Example');
    // Neither email nor phone: the contact rule needs one of them.
    const res = await clickAndLoad(page, page.getByRole('button', { name: 'Send report', exact: true }));
    assert.equal(res.status(), 422, `a form with errors answers 422\n${await describePage(page)}`);
    await expectVisible(page, page.getByRole('alert').filter({ hasText: 'Please check the form' }), 'the error summary');
    // Everything typed is still there (photos excepted, with a note).
    assert.equal(await (await field(page, 'Error code on the display')).inputValue(), 'E42');
    assert.equal(await page.getByRole('radio', { name: 'Sometimes' }).isChecked(), true, 'the chosen option is kept');
    assert.equal(await page.getByRole('checkbox', { name: /The device is still running/ }).isChecked(), true, 'the checkbox is kept');
    assert.equal(await (await field(page, 'Description')).inputValue(), 'The press stops half-way and shows E42.');
    assert.equal(await (await field(page, 'Name')).inputValue(), 'Ana Example');
    await expectText(page, /Please add your photos again/);
    // The summary links to an invalid field that names its error.
    const summaryLinks = page.getByRole('alert').locator('a[href^="#"]');
    assert.ok((await summaryLinks.count()) > 0, 'the error summary links to the fields');
    const target = (await summaryLinks.first().getAttribute('href')).slice(1);
    const invalid = page.locator(`[id="${target}"]`);
    assert.equal(await invalid.count(), 1, `the summary links to #${target}, which must exist`);
    assert.equal(await invalid.getAttribute('aria-invalid'), 'true', `#${target} is marked aria-invalid`);
    const describedBy = (await invalid.getAttribute('aria-describedby')) || '';
    const errorId = describedBy.split(/\s+/).find((id) => id.endsWith('-error'));
    assert.ok(errorId, `#${target} aria-describedby="${describedBy}" should name its error`);
    assert.match(await page.locator(`[id="${errorId}"]`).innerText(), /email|phone/i);
    await checkPage(page, 'report-errors');
    await checkTouchTargets(page, 'the report form with errors');
  },
  'walk',
);

step(
  'report: sent with a photo → confirmation with the case number and the private status link',
  async () => {
    const { page } = visitor;
    await (await field(page, 'Email')).fill('ana@example.com');
    await (await field(page, 'Photos (optional)')).setInputFiles({ name: 'display.jpg', mimeType: 'image/jpeg', buffer: photo.jpeg });
    const res = await clickAndLoad(page, page.getByRole('button', { name: 'Send report', exact: true }));
    assert.equal(res.status(), 200, `after sending: HTTP ${res.status()}\n${await describePage(page)}`);
    await expectH1(page, 'we received your report');
    const text = await page.locator('main').innerText();
    const m = text.match(/#(\d+)/);
    assert.ok(m, `no case number "#N" on the confirmation:\n${text}`);
    caseNumber = Number(m[1]);
    const link = page.locator('main a[href*="/c/"]');
    assert.equal(await link.count(), 1, 'one private status link');
    followUrl = await link.getAttribute('href');
    assert.match(followUrl, new RegExp(`^${escapeRegExp(baseUrl)}/c/[0-9A-Z]{26}$`), 'the status link');
    await expectContact(page);
    await checkPage(page, 'done');
    await checkTouchTargets(page, 'the confirmation');
  },
  'walk',
);

step(
  'API: the case came from the portal with fields, contact and template',
  async () => {
    const list = items(await api('GET', `/cases?device_id=${ids.device1}`));
    const found = list.find((c) => c.number === caseNumber);
    assert.ok(found, `case #${caseNumber} not in GET /cases?device_id=…: ${JSON.stringify(list).slice(0, 500)}`);
    ids.case = found.id;
    const c = await api('GET', `/cases/${found.id}`);
    assert.equal(c.origin, 'portal');
    assert.equal(c.deployment_id, ids.deployment);
    assert.equal(c.device_id, ids.device1);
    assert.equal(c.template_id, ids.template);
    assert.equal(c.reporter.name, 'Ana Example');
    assert.equal(c.reporter.email, 'ana@example.com');
    assert.match(c.description, /stops half-way/);
    const byLabel = Object.fromEntries(c.fields.map((f) => [f.label, f]));
    assert.equal(byLabel['Error code on the display']?.value, 'E42');
    assert.equal(byLabel['How often does it happen?']?.value, 'Sometimes');
    assert.equal(byLabel['The device is still running']?.value, true);
  },
  'walk',
);

step(
  'follow-up page in a browser without cookies: status only, public comments only',
  async () => {
    const reader = await phone({ locale: 'en-GB' });
    const { page } = reader;
    await open(page, followUrl, 200);
    await expectH1(page, `Case #${caseNumber}`);
    await expectText(page, 'Machine fault');
    await expectVisible(page, page.locator('main .badge').filter({ hasText: 'Open' }), 'the status "Open"');
    await expectText(page, 'There are no updates yet.');
    await expectContact(page);
    await checkPage(page, 'follow');
    await checkTouchTargets(page, 'the follow-up page');

    await api('POST', `/cases/${ids.case}/comments`, { body: 'A technician comes on Monday.', public: true });
    await api('POST', `/cases/${ids.case}/comments`, { body: 'Internal: customer is on a premium contract.', public: false });
    await open(page, followUrl, 200);
    await expectText(page, 'A technician comes on Monday.');
    const body = await page.locator('body').innerText();
    for (const secret of ['premium contract', 'ana@example.com', 'Ana Example', 'stops half-way', 'main fuse', 'E42', 'Press P1']) {
      assert.ok(!body.includes(secret), `the follow-up page must not show "${secret}"`);
    }
    await checkPage(page, 'follow-updated');
    await reader.context.close();
  },
  'walk',
);

step(
  'device page lists the case; "I have the same problem" adds a note',
  async () => {
    const { page } = visitor;
    await open(page, portalUrl, 200);
    const item = page.locator(`#case-${caseNumber}`);
    await expectVisible(page, item, `case #${caseNumber} in the device's case list`);
    assert.match(await item.innerText(), /Machine fault/);
    assert.match(await item.innerText(), /Open/);
    const itemText = await item.innerText();
    assert.ok(!itemText.includes('ana@example.com') && !itemText.includes('stops half-way'), 'the case list shows no reporter data or description');
    await item.getByText('I have the same problem / more information').click();
    await (await field(page, 'Your information')).fill('Same here: it also stopped at 14:05.');
    await (await field(page, 'Your name (optional)')).fill('Ben Visitor');
    await checkTouchTargets(page, 'the device page with the note form open');
    await portalScreenshot(page, 'device-note-form');
    await clickAndLoad(page, page.getByRole('button', { name: `Add to case #${caseNumber}`, exact: true }));
    await expectText(page, `Thank you. Your information was added to case #${caseNumber}.`);
    await checkPage(page, 'device-note-added');
    const events = items(await api('GET', `/cases/${ids.case}/events`));
    assert.ok(
      events.some((e) => (e.body || '').includes('it also stopped at 14:05')),
      `the note is not in the case's timeline: ${JSON.stringify(events.map((e) => [e.kind, e.body]))}`,
    );
  },
  'walk',
);

step(
  'staff sees the photo — without its GPS EXIF; a portal visitor cannot fetch it',
  async () => {
    const { page, context } = await signInStaff();
    await open(page, `${baseUrl}/cases/${ids.case}`, 200);
    const img = page.locator('img[src^="/attachments/"]');
    assert.equal(await img.count(), 1, `one photo on the staff case page\n${await describePage(page)}`);
    const src = await img.getAttribute('src');
    const res = await context.request.get(baseUrl + src);
    assert.equal(res.status(), 200);
    const bytes = await res.body();
    assert.ok(bytes[0] === 0xff && bytes[1] === 0xd8, 'the stored photo is a JPEG');
    assert.ok(!bytes.includes(Buffer.from('Exif\0\0', 'latin1')), 'the stored photo must carry no EXIF (GPS) block');
    const asVisitor = await visitor.context.request.get(baseUrl + src, { maxRedirects: 0 });
    assert.ok(asVisitor.status() !== 200, `a portal session fetched a staff attachment (HTTP ${asVisitor.status()})`);
  },
  'walk',
);

// --- Language -----------------------------------------------------------------------------------

step('German: Accept-Language de → German PIN page; the switcher leads to English and is remembered', async () => {
  const german = await phone({ locale: 'de-DE' });
  const { page } = german;
  await open(page, portalUrl, 200);
  assert.equal(await htmlLang(page), 'de');
  await expectH1(page, 'Standort-PIN eingeben');
  await field(page, 'PIN (4 Ziffern)');
  await expectContact(page);
  await checkPage(page, 'pin-de');
  await checkTouchTargets(page, 'the German PIN page');
  const nav = page.getByRole('navigation');
  const english = nav.getByRole('link', { name: 'English' });
  await expectVisible(page, english, 'the language switcher link "English"');
  assert.equal(await english.getAttribute('hreflang'), 'en');
  await clickAndLoad(page, english);
  assert.equal(await htmlLang(page), 'en');
  await expectH1(page, 'Enter the site PIN');
  await open(page, portalUrl, 200);
  assert.equal(await htmlLang(page), 'en', 'the chosen language is remembered over Accept-Language');
  await german.context.close();
});

// --- Error pages ---------------------------------------------------------------------------------

step('unknown label → 404 page, nothing about other labels', async () => {
  const { page, context } = await phone();
  await open(page, `${baseUrl}/d/ZZZZZZZZZZZZZ`, 404);
  await expectH1(page, 'This label is not known');
  const text = await page.locator('body').innerText();
  assert.ok(!text.includes('Harbour Plant') && !text.includes('Press P1'), 'the unknown-label page names no deployment or device');
  await checkPage(page, 'unknown');
  await open(page, `${baseUrl}/d/not-a-token!`, 404);
  await expectH1(page, 'This label is not known');
  await context.close();
});

step('unknown page under a label and unknown status link → 404 pages', async () => {
  const { page, context } = await phone();
  await open(page, `${portalUrl}/nothing-here`, 404);
  await expectH1(page, 'This page does not exist');
  await expectContact(page);
  await checkPage(page, 'not-found');
  await open(page, `${baseUrl}/c/${'Z'.repeat(26)}`, 404);
  await expectH1(page, 'This status link is not known');
  await checkPage(page, 'follow-unknown');
  await context.close();
});

step('expired form (no CSRF cookie) → 403 page', async () => {
  const { page, context } = await phone();
  await open(page, portalUrl, 200);
  await context.clearCookies();
  const res = await enterPin(page, PIN);
  assert.equal(res.status(), 403);
  await expectH1(page, 'This form has expired');
  await expectContact(page);
  await checkPage(page, 'form-expired');
  await context.close();
});

step('replaced label (staff: Replace label) → 410 page with the contact details', async () => {
  const sp = (await signInStaff()).page;
  await open(sp, `${baseUrl}/devices/${ids.device2}`, 200);
  await clickAndLoad(sp, sp.getByRole('button', { name: 'Replace label', exact: true }));
  await expectText(sp, /Portal link replaced/);
  const newUrl = (await api('GET', `/devices/${ids.device2}`)).portal_url;
  assert.notEqual(newUrl, oldPortalUrl2, 'the device has a new portal link');

  const { page, context } = await phone();
  await open(page, oldPortalUrl2, 410);
  await expectH1(page, 'This label was replaced');
  await expectContact(page);
  await checkPage(page, 'replaced');
  // Case-insensitive: the old label in lower case is just as replaced; the new one works.
  await open(page, oldPortalUrl2.replace(/\/d\/(.+)$/, (_, t) => `/d/${t.toLowerCase()}`), 410);
  await open(page, newUrl, 200);
  await expectH1(page, 'Enter the site PIN');
  await context.close();
});

// --- Reflow, zoom -------------------------------------------------------------------------------

/** Opens the PIN, device (note form open), report and follow-up pages at `width` CSS px; lists what scrolls. */
async function reflowProblems(width) {
  assert.ok(visitor && followUrl, 'needs the visitor with a portal session and a case (the visitor\'s story)');
  const state = await visitor.context.storageState();
  const problems = [];
  const check = async (page, name) => {
    const problem = await horizontalScroll(page, name, width);
    if (problem) problems.push(problem);
  };
  const size = { width, height: 640 };
  const fresh = await phone({ viewport: size, screen: size });
  await open(fresh.page, portalUrl, 200);
  await check(fresh.page, 'the PIN page');
  await portalScreenshot(fresh.page, `pin-${width}`);
  await fresh.context.close();

  const signedIn = await phone({ viewport: size, screen: size, storageState: state });
  const { page } = signedIn;
  await open(page, portalUrl, 200);
  await expectH1(page, 'Press P1');
  if (await page.locator('details').count()) await page.locator('details').first().evaluate((d) => (d.open = true));
  await check(page, 'the device page (note form open)');
  await portalScreenshot(page, `device-${width}`);
  await open(page, `${portalUrl}/report`, 200);
  await check(page, 'the report chooser');
  await open(page, `${portalUrl}/report?template=1`, 200);
  await check(page, 'the report form');
  await portalScreenshot(page, `report-form-${width}`);
  await open(page, followUrl, 200);
  await check(page, 'the follow-up page');
  await signedIn.context.close();
  return problems;
}

step('320 px wide, and 200 % zoom on this phone (195 CSS px): no sideways scrolling', async () => {
  // 200 % zoom halves the CSS width: the 390 px phone becomes 195 px.
  const problems = [...(await reflowProblems(320)), ...(await reflowProblems(195))];
  if (problems.length) assert.fail(`horizontal scrolling:\n  ${problems.join('\n  ')}`);
});

step('200 % zoom on a 320 px phone (160 CSS px): no sideways scrolling', async () => {
  const problems = await reflowProblems(160);
  if (problems.length) assert.fail(`horizontal scrolling:\n  ${problems.join('\n  ')}`);
});

// --- Lock-out (last but one: it locks 127.0.0.1 out of PIN attempts for a while) ------------------

step('six wrong PINs from one browser → lock-out page; even the right PIN waits', async () => {
  const { page, context } = await phone();
  await open(page, portalUrl, 200);
  const statuses = [];
  for (const pin of ['0000', '1111', '2222', '3333', '5555', '6666']) {
    const res = await enterPin(page, pin);
    statuses.push(res.status());
  }
  assert.equal(statuses[0], 401, `first wrong PIN: ${statuses}`);
  assert.equal(statuses[5], 429, `sixth wrong PIN is refused with 429: ${statuses}`);
  await expectText(page, /Too many wrong PINs\. Please wait \d+ minutes? and try again\./);
  const pin = await field(page, 'PIN (4 digits)');
  assert.equal(await pin.getAttribute('aria-invalid'), 'true');
  await expectContact(page);
  await checkPage(page, 'pin-locked');
  const res = await enterPin(page, PIN);
  assert.equal(res.status(), 429, 'while locked out, even the right PIN is not evaluated');
  await expectText(page, /Too many wrong PINs/);
  // The visitor who entered the PIN before keeps access.
  await open(visitor.page, portalUrl, 200);
  await expectH1(visitor.page, 'Press P1');
  await context.close();
});

// --- Disabled portal (last: it ends every portal session) ------------------------------------------

step('portal disabled via the API → neutral page with the contact details, sessions ended', async () => {
  await api('PUT', `/deployments/${ids.deployment}/portal`, { ...portalSettings, enabled: false });
  const { page } = visitor;
  await open(page, portalUrl, 200);
  await expectH1(page, 'The service portal is not available');
  await expectContact(page);
  assert.equal(await page.getByRole('button', { name: 'Continue' }).count(), 0, 'no PIN form on the disabled page');
  await checkPage(page, 'disabled');
  const report = await open(page, `${portalUrl}/report`);
  assert.ok(report.status() !== 200 || (await page.getByRole('button', { name: 'Send report' }).count()) === 0, 'no report form while disabled');
  // Switched on again (same PIN): the session from before is over, the PIN page comes back.
  await api('PUT', `/deployments/${ids.deployment}/portal`, portalSettings);
  await open(page, portalUrl, 200);
  await expectH1(page, 'Enter the site PIN');
});

step('no page errors, no dialogs (no script ran), no HTTP 5xx', async () => {
  assert.deepEqual(pageErrors, [], `uncaught errors in the browser:\n${pageErrors.join('\n')}`);
  assert.deepEqual(dialogs, [], `dialogs opened (injected script?):\n${dialogs.join('\n')}`);
  assert.deepEqual(serverErrors, [], `server answered with 5xx:\n${serverErrors.join('\n')}`);
});
