// Browser journeys for the Radix web interface: headless Debian Chromium driven by
// playwright-core, with axe-core accessibility checks on every public page in every language
// (including the national LIVC-R map: /{lang}/cartography with filters and its error state,
// the coverage history, the snapshot archive and the embeddable map for partner sites, and the
// four support request forms /{lang}/request/{livcr-setup,awareness-day,project-support,question}
// that the offer pages link to with a button).
//
// Before the server starts, an administrator is created with `radix user create-admin` in the
// same temporary data directory (and database); the server is then started with `serve --demo`,
// which adds a fictitious LIVC-R history and demonstration accounts (every page then shows the
// demo banner). Its outgoing mail goes to a small SMTP server on loopback run by this script
// (`--smtp-host 127.0.0.1 --smtp-tls none`), which keeps every message with its attachments.
// The journeys sign in (password, TOTP enrolment computed here from the shown secret, recovery
// code), use the administration screens (the advisor's portfolio is set there), and sign out.
//
// The "done means" journey then follows one LIVC-R declaration end to end, each role in its own
// browser context: the municipal demo account of Gent declares its cell ("Mijn LIVC-R", one
// refused founding date first), the advisor (second factor enrolled at first sign-in) accepts
// it, the public map, table and municipality page show it; the back office publishes a
// snapshot, then records "no LIVC-R" for Gent: the live map changes, the snapshot and the map
// of an earlier date do not. Keyboard access to the map and a 360 px viewport are checked too.
//
// The support journey follows requests from a municipality to the reminder of a follow-up
// action, one browser context per role. An anonymous visitor reaches the LIVC-R setup form from
// the offer page, sends it (naming the municipality in the text field) and sees the "check your
// email" page (the confirmation link is not followed); the question form sent empty shows its
// error summary (422). Then the whole path runs once per language (nl, fr, de, en), each run
// with a fresh request of its own: a demo municipal account (Gent, Liège, Eupen, then Eupen for
// Kelmis) sends a request from "my requests" at /{lang}/… and receives the acknowledgement
// with its reference; the advisor (signed in once, with a TOTP code computed from the secret of
// its enrolment) finds it in the team view /{lang}/support and the full list
// /{lang}/support/requests/unassigned, sees itself suggested (its portfolio holds the
// municipality) and assigns it, plans a meeting later today (change and cancel are offered);
// the requester's invitation (in the request's language) and the advisor's (in its account's)
// arrive with invitation.ics (METHOD:REQUEST, one UID, found again in the advisor's calendar
// feed); the advisor writes the report and a follow-up action due today, finds request,
// meeting, report and action in the municipality file /{lang}/support/municipalities/{nis};
// the member sees "meeting planned" and sends a message. The reminders of due actions are sent
// by a server task that runs at start and every 15 minutes, and nothing else triggers them: the
// script restarts the server on the same database and waits for one reminder per action.
//
// Usage (from the repository root, after `cargo build` and `npm ci` in tests/browser):
//   node tests/browser/journeys.mjs
//
// Environment:
//   RADIX_BIN        server binary (default: target/debug/radix)
//   CHROMIUM_PATH    browser executable (default: /usr/bin/chromium; never downloaded)
//   JOURNEYS_DATABASE_URL
//                    run on this (empty) database, e.g.
//                    postgres://postgres@127.0.0.1:5432/radix_journeys; it is given to both
//                    `radix user create-admin` and `radix serve` as RADIX_DATABASE_URL.
//                    Default: a fresh SQLite database in the temporary data directory (a
//                    RADIX_DATABASE_URL of the caller's environment is never used)
//   JOURNEYS_PART    `all` (default) or `signed-in`: the latter leaves out the sweep of the
//                    public pages in every language (the same queries on any database); every
//                    journey still runs, the declaration and the support path in four
//                    languages included
//   SCREENSHOT_DIR   when set, full-page screenshots of /nl/, /en/municipalities/21009,
//                    /nl/cartography, /nl/request/livcr-setup and, signed in, /nl/account and
//                    /nl/admin/accounts at 1280 px wide are written there
//
// The last line printed is always `N passed, M failed`; the exit code is 1 when anything failed.

import { AsyncLocalStorage } from 'node:async_hooks';
import { spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, mkdirSync, existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(HERE, '..', '..');
const RADIX_BIN = path.resolve(REPO, process.env.RADIX_BIN || 'target/debug/radix');
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const AXE_SOURCE_PATH = path.join(HERE, 'node_modules', 'axe-core', 'axe.min.js');
const SCREENSHOT_DIR = process.env.SCREENSHOT_DIR || '';

// The national map pages (565 linked areas and a 565-row table, in four languages, three
// variants each) make axe slow — about 10 s a page on two busy cores. The whole run takes about
// 5 minutes there (public pages of two languages side by side, then the journeys, the support
// path in four languages included); 9 minutes leave room.
const TOTAL_TIMEOUT_MS = 9 * 60 * 1000;
const CLI_TIMEOUT_MS = 60 * 1000;
const HEALTH_TIMEOUT_MS = 60 * 1000;
const NAV_TIMEOUT_MS = 20 * 1000;
// The server's mail worker delivers every 5 s; a reminder is queued when the server starts.
const MAIL_TIMEOUT_MS = 20 * 1000;
const REMINDER_TIMEOUT_MS = 30 * 1000;

// JOURNEYS_DATABASE_URL: run on that database (PostgreSQL) instead of a fresh SQLite file.
// JOURNEYS_PART=signed-in: leave out the sweep of the public pages in every language.
const DATABASE_URL = process.env.JOURNEYS_DATABASE_URL || '';
const PART = process.env.JOURNEYS_PART || 'all';
if (!['all', 'signed-in'].includes(PART)) {
  console.error(`JOURNEYS_PART is "${PART}": expected "all" or "signed-in"`);
  process.exit(2);
}

const LANGUAGES = ['nl', 'fr', 'de', 'en'];
const ADMIN = {
  email: 'admin@radix.test',
  name: "Anouk D'Hondt",
  password: 'Wolken boven de Schelde in maart',
  language: 'nl',
};
// Fictitious accounts added by `radix serve --demo` (src/demo/mod.rs); staff accounts enrol a
// second factor at their first sign-in, municipal accounts have none.
const DEMO_PASSWORD = 'Demonstratie zonder echte gegevens';
const DEMO = {
  gent: 'gent@demo.radix.invalid',
  advisor: 'advisor@demo.radix.invalid',
  backoffice: 'backoffice@demo.radix.invalid',
};
const GENT = '44021';
const CELL_NAME = 'LIVC-R Gent (browsertest)';
const INVITEE = {
  email: 'prevention@gent.be',
  name: 'Élodie Dupont-Van den Broeck',
  language: 'fr',
  role: 'municipal',
  municipalities: '44021',
};
const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

// Pages checked in every language. `status` is the expected HTTP status; `statuses` allows a set.
function pagesFor(lang) {
  return [
    { name: 'home', path: `/${lang}/`, status: 200 },
    { name: 'municipality 21009', path: `/${lang}/municipalities/21009`, status: 200 },
    { name: 'directory', path: `/${lang}/municipalities`, status: 200 },
    {
      name: 'directory with error state',
      path: `/${lang}/municipalities?date=2019-02-30&q=gent`,
      statuses: [200, 400, 422],
      expectSelector: '.error-summary',
    },
    { name: 'offer overview', path: `/${lang}/offer`, status: 200 },
    // Each offer page has a button to its request form.
    { name: 'offer livc-r', path: `/${lang}/offer/livc-r`, status: 200, expectSelector: `main a.button[href="/${lang}/request/livcr-setup"]` },
    {
      name: 'offer awareness-day',
      path: `/${lang}/offer/awareness-day`,
      status: 200,
      expectSelector: `main a.button[href="/${lang}/request/awareness-day"]`,
    },
    {
      name: 'offer project-support',
      path: `/${lang}/offer/project-support`,
      status: 200,
      expectSelector: `main a.button[href="/${lang}/request/project-support"]`,
    },
    // The request forms as an anonymous visitor sees them: the municipality named in a text
    // field, name, e-mail and organisation, then the fields of the kind (choices among at most
    // four options are radio buttons `{field}-{value}`, longer lists a select `#{field}`).
    {
      name: 'request form livcr-setup',
      path: `/${lang}/request/livcr-setup`,
      status: 200,
      expectSelector: ['input#municipalities[name=municipality_text]', '#name', '#email', '#organisation', '#situation-preparation', `#meeting_language-${lang}`, '#participants-police'],
    },
    {
      name: 'request form awareness-day',
      path: `/${lang}/request/awareness-day`,
      status: 200,
      expectSelector: ['input#municipalities[name=municipality_text]', '#audience-front-line', '#participants_count', '#place-online', `#session_language-${lang}`],
    },
    {
      name: 'request form project-support',
      path: `/${lang}/request/project-support`,
      status: 200,
      expectSelector: ['input#municipalities[name=municipality_text]', 'textarea#description', '#themes-youth', '#help-funding'],
    },
    {
      name: 'request form question',
      path: `/${lang}/request/question`,
      status: 200,
      expectSelector: ['input#municipalities[name=municipality_text]', 'select#category', 'textarea#message'],
    },
    { name: 'livc-r', path: `/${lang}/livc-r`, status: 200 },
    { name: 'contact', path: `/${lang}/contact`, status: 200 },
    { name: 'privacy', path: `/${lang}/privacy`, status: 200 },
    { name: 'accessibility', path: `/${lang}/accessibility`, status: 200 },
    { name: 'not found', path: `/${lang}/no-such-page`, status: 404 },
    { name: 'sign-in', path: `/${lang}/sign-in`, status: 200, expectSelector: '#email' },
    { name: 'password reset', path: `/${lang}/password-reset`, status: 200, expectSelector: '#email' },
    {
      name: 'national map',
      path: `/${lang}/cartography`,
      status: 200,
      expectSelector: ['svg a.map-link[aria-label]', 'ul.legend li', 'table.summary-table', 'table.status-table th[aria-sort] a'],
    },
    {
      name: 'national map on a date, one region',
      path: `/${lang}/cartography?date=2019-06-15&region=WAL`,
      status: 200,
      expectSelector: ['svg a.map-link[aria-label]', 'table.status-table tbody tr'],
    },
    {
      name: 'national map with error state',
      path: `/${lang}/cartography?date=2019-02-30`,
      status: 200,
      expectSelector: '.error-summary',
    },
    { name: 'coverage history', path: `/${lang}/cartography/history`, status: 200, expectSelector: ['main svg', 'main table tbody tr'] },
    { name: 'snapshot archive', path: `/${lang}/cartography/snapshots`, status: 200, expectSelector: 'main h1' },
    { name: 'embeddable map', path: `/${lang}/cartography/embed`, status: 200, expectSelector: ['main svg a.map-link', 'ul.legend li'] },
  ];
}

// Pages behind the sign-in, checked in every language once the administrator is signed in.
function signedInPagesFor(lang) {
  return [
    { name: 'account', path: `/${lang}/account`, status: 200, expectSelector: '#display_name' },
    { name: 'admin accounts', path: `/${lang}/admin/accounts`, status: 200, expectSelector: 'nav.admin-nav' },
    { name: 'admin audit', path: `/${lang}/admin/audit`, status: 200, expectSelector: 'nav.admin-nav' },
    { name: 'admin outbox', path: `/${lang}/admin/outbox`, status: 200, expectSelector: 'nav.admin-nav' },
    { name: 'admin jobs', path: `/${lang}/admin/jobs`, status: 200, expectSelector: 'nav.admin-nav' },
  ];
}

// ---------------------------------------------------------------------------------------------
// Bookkeeping

const results = []; // { name, ok, details: string[] }
const RUN_STARTED = Date.now();

function record(name, problems) {
  const ok = problems.length === 0;
  results.push({ name, ok, details: problems });
  const lines = [`${ok ? 'ok  ' : 'FAIL'} ${name}`];
  if (!ok) for (const p of problems) lines.push(`       - ${p}`);
  const slot = observed();
  if (slot.lines) slot.lines.push(...lines);
  else for (const line of lines) console.log(line);
}

async function check(name, fn) {
  let problems;
  try {
    problems = (await fn()) || [];
  } catch (err) {
    problems = [`exception: ${err && err.message ? err.message.split('\n')[0] : String(err)}`];
  }
  record(name, problems);
}

let finished = false;
function finish(extraFailure) {
  if (finished) return;
  finished = true;
  if (extraFailure) results.push({ name: 'run', ok: false, details: [extraFailure] });
  const failed = results.filter((r) => !r.ok);
  const passed = results.length - failed.length;
  console.log('');
  console.log('== Summary ==');
  if (failed.length === 0) {
    console.log(`All ${results.length} checks passed.`);
  } else {
    console.log(`${failed.length} of ${results.length} checks failed:`);
    for (const f of failed) {
      console.log(`  * ${f.name}`);
      for (const d of f.details) console.log(`      - ${d}`);
    }
    if (serverLog.length) {
      console.log('  Last server log lines:');
      for (const line of serverLog.slice(-15)) console.log(`      | ${line}`);
    }
  }
  console.log(`Ran ${Math.round((Date.now() - RUN_STARTED) / 1000)} s on ${DATABASE_URL ? 'PostgreSQL' : 'SQLite'}${PART === 'all' ? '' : ` (JOURNEYS_PART=${PART})`}.`);
  console.log(`${passed} passed, ${failed.length} failed`);
}

// ---------------------------------------------------------------------------------------------
// Server and browser lifecycle

let child = null;
let childExited = false;
let cliChild = null; // the short-lived `radix user create-admin` process, while it runs
const serverLog = [];
let context = null;
let actorBrowser = null; // a second browser: one fresh context per role in the "done means" journey
const tempDirs = [];

function killChild(signal = 'SIGTERM') {
  if (child && !childExited && child.pid) {
    try {
      process.kill(child.pid, signal);
    } catch {
      /* already gone */
    }
  }
  if (cliChild && cliChild.exitCode === null && cliChild.signalCode === null && cliChild.pid) {
    try {
      process.kill(cliChild.pid, signal);
    } catch {
      /* already gone */
    }
  }
}

function removeTempDirs() {
  for (const dir of tempDirs.splice(0)) {
    try {
      rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
    } catch {
      /* best effort */
    }
  }
}

async function stopChild() {
  if (!child || childExited) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  killChild('SIGTERM');
  const timer = new Promise((resolve) => setTimeout(resolve, 5000, 'timeout'));
  if ((await Promise.race([exited, timer])) === 'timeout') {
    killChild('SIGKILL');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 2000))]);
  }
}

async function closeBrowser() {
  if (actorBrowser) {
    const browser = actorBrowser;
    actorBrowser = null;
    await Promise.race([browser.close().catch(() => {}), new Promise((r) => setTimeout(r, 10000))]);
  }
  if (!context) return;
  const ctx = context;
  context = null;
  await Promise.race([ctx.close().catch(() => {}), new Promise((r) => setTimeout(r, 10000))]);
}

// Last resort: whatever happens, never leave the server behind.
process.on('exit', () => killChild('SIGKILL'));
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    killChild('SIGKILL');
    finish(`interrupted by ${sig}`);
    removeTempDirs();
    process.exit(1);
  });
}

const globalTimer = setTimeout(async () => {
  killChild('SIGKILL');
  finish(`global timeout of ${TOTAL_TIMEOUT_MS / 1000} s exceeded`);
  await Promise.race([closeBrowser(), new Promise((r) => setTimeout(r, 3000))]);
  removeTempDirs();
  process.exit(1);
}, TOTAL_TIMEOUT_MS);

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

// The developer's own RADIX_* settings never leak in: the database is a fresh SQLite file in
// the temporary data directory, or JOURNEYS_DATABASE_URL when set; mail goes to the sink.
function serverEnv() {
  const env = { ...process.env, RADIX_LOG_FORMAT: 'text', NO_COLOR: '1' };
  for (const key of Object.keys(env)) {
    if (/^RADIX_(DATABASE_URL|CONFIG|DEMO|BASE_URL|DATA_DIR|ADMIN_PASSWORD|SMTP_|MAIL_)/.test(key)) delete env[key];
  }
  if (DATABASE_URL) env.RADIX_DATABASE_URL = DATABASE_URL;
  return env;
}

// `radix --data-dir DIR user create-admin …`, bounded by CLI_TIMEOUT_MS (then killed by PID).
function createAdmin(dataDir) {
  return new Promise((resolve, reject) => {
    const env = { ...serverEnv(), RADIX_ADMIN_PASSWORD: ADMIN.password };
    const args = ['--data-dir', dataDir, 'user', 'create-admin', '--email', ADMIN.email, '--name', ADMIN.name, '--language', ADMIN.language];
    const output = [];
    cliChild = spawn(RADIX_BIN, args, { cwd: REPO, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const keep = (chunk) => output.push(chunk.toString());
    cliChild.stdout.on('data', keep);
    cliChild.stderr.on('data', keep);
    const timer = setTimeout(() => {
      try {
        process.kill(cliChild.pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
      reject(new Error(`radix user create-admin did not finish within ${CLI_TIMEOUT_MS / 1000} s`));
    }, CLI_TIMEOUT_MS);
    cliChild.on('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`radix user create-admin: ${err.message}`));
    });
    cliChild.on('exit', (code, signal) => {
      clearTimeout(timer);
      const text = output.join('').replace(/\x1b\[[0-9;]*m/g, '').trim();
      if (code === 0) resolve(text);
      else reject(new Error(`radix user create-admin exited with ${code ?? signal}: ${text.split('\n').slice(-3).join(' | ')}`));
    });
  });
}

// Where the server runs, kept for a restart on the same port, data and mail sink.
const serverSetup = { port: 0, dataDir: '', smtpPort: 0 };

async function startServer() {
  if (!existsSync(RADIX_BIN)) throw new Error(`${RADIX_BIN} not found: run cargo build first`);
  const port = await freePort();
  const dataDir = mkdtempSync(path.join(tmpdir(), 'radix-journeys-data-'));
  tempDirs.push(dataDir);
  const smtpPort = await startSmtpSink();
  Object.assign(serverSetup, { port, dataDir, smtpPort });

  // A failure here is recorded; the public pages are still checked and the signed-in
  // journeys then fail on their own.
  await check(`setup: radix user create-admin --email ${ADMIN.email}`, async () => {
    await createAdmin(dataDir);
    return [];
  });

  return launchServer();
}

// Stops the server and starts it again on the same port and database (loading the demo data
// again changes nothing); the browser contexts keep their sessions.
async function restartServer() {
  await stopChild();
  return launchServer();
}

async function launchServer() {
  const { port, dataDir, smtpPort } = serverSetup;
  // --demo: the fictitious LIVC-R history gives the map content, and the demo accounts (one
  // per role) drive the declaration journey. Loading it next to the real administrator is fine.
  const args = ['serve', '--demo', '--bind', `127.0.0.1:${port}`, '--data-dir', dataDir];
  args.push('--smtp-host', '127.0.0.1', '--smtp-port', String(smtpPort), '--smtp-tls', 'none', '--mail-from', 'Radix <radix@journeys.invalid>');
  childExited = false;
  child = spawn(RADIX_BIN, args, {
    cwd: REPO,
    env: serverEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const self = child;
  child.on('exit', () => {
    if (child === self) childExited = true;
  });
  child.on('error', (err) => {
    if (child === self) childExited = true;
    serverLog.push(`spawn error: ${err.message}`);
  });
  const keep = (chunk) => {
    for (const line of chunk.toString().split('\n')) {
      if (line.trim()) serverLog.push(line.replace(/\x1b\[[0-9;]*m/g, ''));
    }
    if (serverLog.length > 200) serverLog.splice(0, serverLog.length - 200);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);

  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + HEALTH_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (childExited) throw new Error(`radix serve exited early (code ${child.exitCode})`);
    try {
      const res = await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(2000) });
      if (res.ok) return base;
    } catch {
      /* not yet listening */
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`radix serve did not answer /healthz within ${HEALTH_TIMEOUT_MS / 1000} s`);
}

// ---------------------------------------------------------------------------------------------
// Per-page observation: console errors, page errors, CSP violations, dialogs

// What a page reported since its last navigation lives in an observation slot. The public pages
// of two languages are checked side by side on two pages (axe on the national map is CPU-bound:
// about 10 s a page), each page with its own slot; the code driving a page finds the slot through
// an AsyncLocalStorage, and everything else uses the main slot. `lines`, when set, collects the
// printed results of a language so that its block is printed in one piece.
function newSlot() {
  return { console: [], pageErrors: [], csp: [], dialogs: [], axeActive: false, lines: null };
}
const mainSlot = newSlot();
const slotOfPage = new WeakMap();
const slotStore = new AsyncLocalStorage();

function observed() {
  return slotStore.getStore() || mainSlot;
}

function resetObserved() {
  const o = observed();
  o.console = [];
  o.pageErrors = [];
  o.csp = [];
  o.dialogs = [];
}

function observe(page, slot = mainSlot) {
  slotOfPage.set(page, slot);
  page.on('console', (msg) => {
    if (msg.type() !== 'error') return;
    slot.console.push({ text: msg.text(), url: msg.location()?.url || '', duringAxe: slot.axeActive });
  });
  page.on('pageerror', (err) => slot.pageErrors.push(err.message.split('\n')[0]));
  page.on('dialog', (dialog) => {
    slot.dialogs.push(`${dialog.type()}: ${dialog.message()}`);
    dialog.dismiss().catch(() => {});
  });
}

// The CDP binding through which CSP_LISTENER reports, for a browser context.
async function listenForCsp(ctx) {
  await ctx.exposeBinding('__radixReportCsp', (source, v) => {
    const slot = (source.page && slotOfPage.get(source.page)) || mainSlot;
    slot.csp.push({ ...v, duringAxe: slot.axeActive });
  });
  await ctx.addInitScript({ content: CSP_LISTENER });
}

// Reported from the page through a CDP binding, so the listener works under the site's CSP.
const CSP_LISTENER = `
  document.addEventListener('securitypolicyviolation', (e) => {
    try {
      window.__radixReportCsp({
        directive: e.violatedDirective || e.effectiveDirective,
        blocked: e.blockedURI,
        source: e.sourceFile,
        line: e.lineNumber,
        sample: e.sample,
      });
    } catch (_) {}
  }, true);
`;

let axeSource = '';

async function runAxe(page) {
  const slot = observed();
  slot.axeActive = true;
  try {
    // Evaluated through the DevTools protocol, which the page's CSP (script-src 'self', no
    // inline scripts) does not govern: no bypassCSP needed, so real CSP violations stay visible.
    const hasAxe = await page.evaluate(() => typeof window.axe !== 'undefined');
    if (!hasAxe) await page.evaluate(`${axeSource}\n;void 0;`);
    return await page.evaluate(async (tags) => {
      const result = await window.axe.run(document, {
        runOnly: { type: 'tag', values: tags },
        resultTypes: ['violations'],
      });
      return result.violations.map((v) => ({
        id: v.id,
        impact: v.impact,
        help: v.help,
        nodes: v.nodes.length,
        targets: v.nodes.slice(0, 3).map((n) => n.target.join(' ')),
      }));
    }, AXE_TAGS);
  } finally {
    // Let any event queued by the injection arrive before the window closes.
    await page.waitForTimeout(50);
    slot.axeActive = false;
  }
}

function describeViolation(v) {
  return `axe ${v.id} [${v.impact}] ${v.help} (${v.nodes} node${v.nodes === 1 ? '' : 's'}: ${v.targets.join(' | ')})`;
}

// Problems noticed outside the axe injection window (console, page errors, CSP, dialogs).
function hygieneProblems({ allowDocumentStatus = false, pageUrl = '' } = {}) {
  const problems = [];
  const observations = observed();
  for (const c of observations.console) {
    if (c.duringAxe) continue;
    // Chromium logs a non-2xx main document as "Failed to load resource"; that is expected here.
    if (allowDocumentStatus && /Failed to load resource/.test(c.text) && c.url === pageUrl) continue;
    problems.push(`console error: ${c.text}${c.url ? ` (${c.url})` : ''}`);
  }
  for (const e of observations.pageErrors) problems.push(`page error: ${e}`);
  for (const v of observations.csp) {
    if (v.duringAxe) continue;
    problems.push(`CSP violation: ${v.directive} blocked ${v.blocked || '?'} at ${v.source || '?'}:${v.line || '?'}`);
  }
  for (const d of observations.dialogs) problems.push(`dialog opened: ${d}`);
  return problems;
}

async function goto(page, url) {
  resetObserved();
  const response = await page.goto(url, { waitUntil: 'load', timeout: NAV_TIMEOUT_MS });
  return response;
}

// ---------------------------------------------------------------------------------------------
// Checks

// Status, <html lang>, title, no redirect away from the requested path, an expected element,
// axe, and page hygiene: for the page currently shown, however it was reached.
async function auditShownPage(page, label, { url, response, loadError = null, lang, statuses, expectSelector, expectPath }) {
  await check(`${label}: status and lang`, async () => {
    if (loadError) return [`could not load ${url}: ${loadError}`];
    const problems = [];
    const status = response ? response.status() : 0;
    if (!statuses.includes(status)) problems.push(`${url}: HTTP ${status}, expected ${statuses.join(' or ')}`);
    const wantPath = expectPath || new URL(url).pathname;
    const shownPath = new URL(page.url()).pathname;
    if (shownPath !== wantPath) problems.push(`${url}: ended on ${page.url()}, expected path ${wantPath}`);
    const htmlLang = await page.evaluate(() => document.documentElement.lang);
    if (htmlLang !== lang) problems.push(`${url}: <html lang="${htmlLang}">, expected "${lang}"`);
    const title = await page.title();
    if (!title.trim()) problems.push(`${url}: empty <title>`);
    for (const selector of [].concat(expectSelector || [])) {
      if ((await page.locator(selector).count()) === 0) problems.push(`${url}: expected ${selector} on the page`);
    }
    return problems;
  });

  if (loadError) return;

  await check(`${label}: axe ${AXE_TAGS.join('/')}`, async () => {
    const violations = await runAxe(page);
    return violations.map((v) => `${url}: ${describeViolation(v)}`);
  });

  await check(`${label}: no console errors, page errors, CSP violations or dialogs`, async () => {
    // Give late console messages and CSP reports a moment to arrive.
    await page.waitForTimeout(100);
    const status = response ? response.status() : 0;
    return hygieneProblems({ allowDocumentStatus: status >= 400, pageUrl: url }).map((p) => `${url}: ${p}`);
  });
}

async function checkPage(page, base, lang, spec) {
  const url = `${base}${spec.path}`;
  const label = `[${lang}] ${spec.name} ${spec.path}`;
  let response = null;
  let loadError = null;
  try {
    response = await goto(page, url);
  } catch (err) {
    loadError = err.message.split('\n')[0];
  }
  await auditShownPage(page, label, {
    url,
    response,
    loadError,
    lang,
    statuses: spec.statuses || [spec.status],
    expectSelector: spec.expectSelector,
  });
}

// Clicks `selector` (a submit button) and waits for the page that finally loads: the
// document response after any redirects. Resets the observations first, like goto().
async function submitForm(page, selector) {
  // Fail at once, with the reason, when there is nothing to click.
  if ((await page.locator(selector).count()) === 0) throw new Error(`no ${selector} on ${page.url()}`);
  resetObserved();
  const finalDocument = page.waitForResponse(
    (r) => r.request().isNavigationRequest() && r.request().frame() === page.mainFrame() && (r.status() < 300 || r.status() >= 400),
    { timeout: NAV_TIMEOUT_MS },
  );
  // When the click itself fails, that is the error reported; the wait then times out unheard.
  finalDocument.catch(() => {});
  await page.click(selector);
  const response = await finalDocument;
  await page.waitForLoadState('load');
  return response;
}

// ---------------------------------------------------------------------------------------------
// TOTP (RFC 6238 over RFC 4226), computed here from the secret the enrolment page shows

function base32Decode(text) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  const clean = text.replace(/[\s=-]/g, '').toUpperCase();
  const bytes = [];
  let bits = 0;
  let value = 0;
  for (const ch of clean) {
    const index = alphabet.indexOf(ch);
    if (index < 0) throw new Error(`not base32: ${JSON.stringify(ch)} in the secret`);
    value = (value << 5) | index;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      bytes.push((value >>> bits) & 0xff);
    }
  }
  return Buffer.from(bytes);
}

function hotp(key, counter, digits = 6) {
  const message = Buffer.alloc(8);
  message.writeBigUInt64BE(BigInt(counter));
  const mac = createHmac('sha1', key).update(message).digest();
  const offset = mac[mac.length - 1] & 0x0f;
  const binary =
    ((mac[offset] & 0x7f) << 24) | (mac[offset + 1] << 16) | (mac[offset + 2] << 8) | mac[offset + 3];
  return String(binary % 10 ** digits).padStart(digits, '0');
}

function totp(key, unixSeconds = Date.now() / 1000, digits = 6) {
  return hotp(key, Math.floor(unixSeconds / 30), digits);
}

async function journeyLanguageSwitch(page, base) {
  await check('journey: language switch nl → fr on municipality 21009', async () => {
    await goto(page, `${base}/nl/municipalities/21009`);
    const link = page.locator('nav.language-switcher a[hreflang=fr]');
    if ((await link.count()) !== 1) return ['no single French link in nav.language-switcher'];
    await Promise.all([page.waitForURL((u) => u.pathname === '/fr/municipalities/21009', { timeout: NAV_TIMEOUT_MS }), link.click()]);
    await page.waitForLoadState('load');
    const problems = [];
    const { pathname } = new URL(page.url());
    if (pathname !== '/fr/municipalities/21009') problems.push(`URL is ${page.url()}, expected /fr/municipalities/21009`);
    const htmlLang = await page.evaluate(() => document.documentElement.lang);
    if (htmlLang !== 'fr') problems.push(`<html lang="${htmlLang}">, expected "fr"`);
    problems.push(...hygieneProblems());
    return problems;
  });
}

async function journeySearch(page, base) {
  await check('journey: home search "sint joost" finds 21014', async () => {
    await goto(page, `${base}/en/`);
    await page.fill('#home-q', 'sint joost');
    await Promise.all([
      page.waitForURL((u) => u.pathname === '/en/municipalities', { timeout: NAV_TIMEOUT_MS }),
      page.press('#home-q', 'Enter'),
    ]);
    await page.waitForLoadState('load');
    const problems = [];
    const u = new URL(page.url());
    if (u.searchParams.get('q') !== 'sint joost') problems.push(`search URL is ${page.url()}, expected q=sint joost`);
    const hits = await page.locator('table a[href="/en/municipalities/21014"]').count();
    if (hits < 1) {
      const rows = await page.locator('table tbody tr').count();
      problems.push(`${page.url()}: no link to /en/municipalities/21014 in the result table (${rows} rows)`);
    }
    problems.push(...hygieneProblems());
    return problems;
  });
}

async function journeyKeyboard(page, base) {
  await check('journey: keyboard Tab reaches skip link, Enter moves to #main', async () => {
    await goto(page, `${base}/nl/`);
    // Start from the document, not from wherever a previous page left the focus.
    await page.evaluate(() => document.activeElement && document.activeElement.blur());
    await page.keyboard.press('Tab');
    const problems = [];
    const first = await page.evaluate(() => {
      const el = document.activeElement;
      return {
        isSkip: !!el && el.matches('a.skip-link'),
        desc: el ? `${el.tagName.toLowerCase()}${el.className ? '.' + el.className : ''}` : 'none',
        visible: !!el && el.getBoundingClientRect().width > 1 && el.getBoundingClientRect().height > 1,
      };
    });
    if (!first.isSkip) {
      problems.push(`first Tab focused ${first.desc}, expected a.skip-link`);
      return problems;
    }
    if (!first.visible) problems.push('skip link is focused but not visible');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => location.hash === '#main', null, { timeout: 5000 }).catch(() => {});
    const after = await page.evaluate(() => ({
      hash: location.hash,
      focus: document.activeElement ? document.activeElement.id || document.activeElement.tagName.toLowerCase() : 'none',
      inMain: !!document.activeElement && !!document.activeElement.closest('#main'),
    }));
    if (after.hash !== '#main') problems.push(`hash is "${after.hash}" after Enter, expected "#main"`);
    if (!after.inMain) problems.push(`focus is on ${after.focus} after Enter, expected #main`);
    problems.push(...hygieneProblems());
    return problems;
  });
}

// ---------------------------------------------------------------------------------------------
// Signed-in journeys: sign-in, second factor, administration, sign-out

const SIGN_IN_BUTTON = 'main form[action$="/sign-in"] button[type=submit]';
const ENROL_BUTTON = 'main form[action$="/account/second-factor"] button[type=submit]';
const VERIFY_BUTTON = 'main form[action$="/sign-in/second-factor"] button[type=submit]';
const INVITE_BUTTON = 'main form[action$="/admin/accounts"] button[type=submit]';
const SIGN_OUT_BUTTON = 'form[action$="/sign-out"] button';

function errorText(err) {
  return err && err.message ? err.message.split('\n')[0] : String(err);
}

// Fills the sign-in form on /{lang}/sign-in and submits it; returns the final response.
async function submitSignIn(page, base, lang, email, password) {
  await goto(page, `${base}/${lang}/sign-in`);
  await page.fill('#email', email);
  await page.fill('#password', password);
  return submitForm(page, SIGN_IN_BUTTON);
}

async function journeyFailedSignIn(page, base) {
  // One failure per language: four in all, below the lock threshold of the account (five);
  // the successful sign-in that follows clears the account's counter.
  for (const lang of LANGUAGES) {
    const url = `${base}/${lang}/sign-in`;
    let response = null;
    let loadError = null;
    try {
      response = await submitSignIn(page, base, lang, ADMIN.email, 'Zonnig boven de Leie in mei');
    } catch (err) {
      loadError = errorText(err);
    }
    await auditShownPage(page, `[${lang}] sign-in after a wrong password`, {
      url,
      response,
      loadError,
      lang,
      statuses: [401],
      expectSelector: '.error-summary',
    });
    if (loadError) continue;
    await check(`[${lang}] sign-in after a wrong password: e-mail kept, password emptied`, async () => {
      const problems = [];
      const email = await page.inputValue('#email');
      const password = await page.inputValue('#password');
      if (email !== ADMIN.email) problems.push(`#email is "${email}", expected "${ADMIN.email}"`);
      if (password !== '') problems.push('#password still holds a value');
      return problems;
    });
  }
}

// Signs the administrator in, enrols the second factor with a TOTP code computed here, and
// returns the recovery codes shown (empty when the journey could not get that far).
async function journeySignInAndEnrol(page, base) {
  let response = null;
  let loadError = null;
  try {
    response = await submitSignIn(page, base, 'nl', ADMIN.email, ADMIN.password);
  } catch (err) {
    loadError = errorText(err);
  }
  let secret = '';
  await check('journey: administrator signs in on /nl/sign-in and is sent to second-factor enrolment', async () => {
    if (loadError) return [`sign-in failed: ${loadError}`];
    const problems = [];
    const { pathname } = new URL(page.url());
    if (pathname !== '/nl/account/second-factor') problems.push(`landed on ${page.url()}, expected /nl/account/second-factor`);
    if (response.status() !== 200) problems.push(`HTTP ${response.status()}, expected 200`);
    if ((await page.locator('main .qr svg').count()) !== 1) problems.push('no inline <svg> QR code inside .qr');
    const shown = page.locator('main p.secret');
    if ((await shown.count()) !== 1) {
      problems.push('no single p.secret with the secret as text');
    } else {
      const text = (await shown.textContent()).trim();
      if (!/^[A-Z2-7 ]{16,}=*$/.test(text)) problems.push(`p.secret "${text}" does not look like base32`);
      else secret = text;
    }
    problems.push(...hygieneProblems());
    return problems;
  });
  if (!secret) return [];
  await auditShownPage(page, '[nl] second-factor enrolment /nl/account/second-factor', {
    url: `${base}/nl/account/second-factor`,
    response,
    lang: 'nl',
    statuses: [200],
    expectSelector: '.qr svg',
  });

  for (const lang of LANGUAGES.filter((l) => l !== 'nl')) {
    await checkPage(page, base, lang, {
      name: 'second-factor enrolment',
      path: `/${lang}/account/second-factor`,
      status: 200,
      expectSelector: '.qr svg',
    });
    await check(`[${lang}] second-factor enrolment: the same secret is shown again`, async () => {
      const again = ((await page.locator('main p.secret').textContent()) || '').trim();
      return again === secret ? [] : [`p.secret is "${again}", was "${secret}" on /nl/account/second-factor`];
    });
  }

  const key = base32Decode(secret);
  await check('TOTP: RFC 6238 test vector (SHA-1, T=59) gives 94287082', async () => {
    const code = totp(Buffer.from('12345678901234567890'), 59, 8);
    return code === '94287082' ? [] : [`computed ${code}`];
  });

  // A wrong code first: the error state of the enrolment page.
  const now = Date.now() / 1000;
  const near = new Set([-2, -1, 0, 1, 2].map((step) => totp(key, now + step * 30)));
  const wrong = ['000000', '111111', '222222', '333333', '444444', '555555'].find((c) => !near.has(c));
  response = null;
  loadError = null;
  try {
    await goto(page, `${base}/nl/account/second-factor`);
    await page.fill('#code', wrong);
    response = await submitForm(page, ENROL_BUTTON);
  } catch (err) {
    loadError = errorText(err);
  }
  await auditShownPage(page, '[nl] second-factor enrolment with a wrong code', {
    url: `${base}/nl/account/second-factor`,
    response,
    loadError,
    lang: 'nl',
    statuses: [422],
    expectSelector: '.error-summary',
  });

  // The right code: the recovery codes are shown once.
  response = null;
  loadError = null;
  try {
    await goto(page, `${base}/nl/account/second-factor`);
    await page.fill('#code', totp(key));
    response = await submitForm(page, ENROL_BUTTON);
  } catch (err) {
    loadError = errorText(err);
  }
  let codes = [];
  await check('journey: current TOTP code confirms the enrolment and shows 10 recovery codes', async () => {
    if (loadError) return [`submitting the code failed: ${loadError}`];
    const problems = [];
    if (response.status() !== 200) problems.push(`HTTP ${response.status()}, expected 200`);
    codes = (await page.locator('main ul.codes li').allTextContents()).map((c) => c.trim());
    if (codes.length !== 10) problems.push(`${codes.length} recovery codes shown, expected 10`);
    if (new Set(codes).size !== codes.length) problems.push('recovery codes are not all different');
    // Ten characters without look-alikes (no 0/o, 1/l/i), written as two groups of five.
    const bad = codes.filter((c) => !/^[a-hjkmnp-z2-9]{5}-[a-hjkmnp-z2-9]{5}$/.test(c));
    if (bad.length) problems.push(`odd recovery codes: ${bad.join(', ')}`);
    problems.push(...hygieneProblems());
    return problems;
  });
  if (loadError) return [];
  await auditShownPage(page, '[nl] recovery codes after enrolment', {
    url: `${base}/nl/account/second-factor`,
    response,
    lang: 'nl',
    statuses: [200],
    expectSelector: 'ul.codes li',
  });

  // The recovery-codes page is the first page of the upgraded session: its header should offer
  // the account links, and its sign-out form should carry that session's CSRF token.
  await check('[nl] recovery codes: the header belongs to the new, fully signed-in session', async () => {
    const problems = [];
    const tokenSelector = 'form[action$="/sign-out"] input[name=csrf]';
    if ((await page.locator('nav.account-nav a[href="/nl/account"]').count()) !== 1) {
      problems.push('header has no "/nl/account" link (it is rendered for the partial session)');
    }
    const shownToken = await page.getAttribute(tokenSelector, 'value');
    await goto(page, `${base}/nl/account`);
    const sessionToken = await page.getAttribute(tokenSelector, 'value');
    if (shownToken !== sessionToken) {
      problems.push("the header's sign-out form carries the CSRF token of the partial session; signing out from this page is refused (403)");
    }
    return problems;
  });
  return codes;
}

async function fillInvite(page, email) {
  await page.fill('#email', email);
  await page.fill('#display_name', INVITEE.name);
  await page.selectOption('#language', INVITEE.language);
  await page.selectOption('#role', INVITEE.role);
  await page.fill('#municipalities', INVITEE.municipalities);
}

async function journeyInvite(page, base) {
  const url = `${base}/nl/admin/accounts`;
  let response = null;
  let loadError = null;
  try {
    await goto(page, url);
    // Let the server judge the address, not the browser.
    await page.$eval('#email', (e) => {
      e.type = 'text';
    });
    await fillInvite(page, 'not-an-email');
    response = await submitForm(page, INVITE_BUTTON);
  } catch (err) {
    loadError = errorText(err);
  }
  await auditShownPage(page, '[nl] invite with an invalid e-mail address', {
    url,
    response,
    loadError,
    lang: 'nl',
    statuses: [400, 422],
    expectSelector: '.error-summary',
  });
  if (!loadError) {
    await check('[nl] invite with an invalid e-mail address: the form keeps what was typed', async () => {
      const problems = [];
      const kept = {
        '#email': 'not-an-email',
        '#display_name': INVITEE.name,
        '#language': INVITEE.language,
        '#role': INVITEE.role,
        '#municipalities': INVITEE.municipalities,
      };
      for (const [sel, want] of Object.entries(kept)) {
        const got = await page.inputValue(sel);
        if (got !== want) problems.push(`${sel} is "${got}", expected "${want}"`);
      }
      return problems;
    });
  }

  response = null;
  loadError = null;
  try {
    await fillInvite(page, INVITEE.email);
    response = await submitForm(page, INVITE_BUTTON);
  } catch (err) {
    loadError = errorText(err);
  }
  await check(`journey: invite ${INVITEE.email} as municipal contact for ${INVITEE.municipalities}`, async () => {
    if (loadError) return [`submitting the invitation failed: ${loadError}`];
    const problems = [];
    if (response.status() !== 200) problems.push(`HTTP ${response.status()}, expected 200`);
    if ((await page.locator('main .success').count()) !== 1) problems.push('no .success notice');
    if ((await page.locator('main .error-summary').count()) !== 0) {
      problems.push(`error shown: ${(await page.locator('main .error-summary').textContent()).trim()}`);
    }
    const row = page.locator('main table tbody tr', { hasText: INVITEE.email });
    if ((await row.count()) !== 1) {
      problems.push(`no single row for ${INVITEE.email} in the account table`);
    } else {
      const text = await row.textContent();
      if (!text.includes(INVITEE.name)) problems.push(`the row does not show the name "${INVITEE.name}"`);
      if (!text.includes(INVITEE.municipalities)) problems.push(`the row does not show municipality ${INVITEE.municipalities}`);
    }
    problems.push(...hygieneProblems());
    return problems;
  });
  if (!loadError) {
    await auditShownPage(page, '[nl] accounts after a successful invitation', {
      url,
      response,
      lang: 'nl',
      statuses: [200],
      expectSelector: '.success',
    });
  }
}

// Returns the path of the invitation link found in the outbox message ('' when none).
async function journeyOutbox(page, base) {
  await checkPage(page, base, 'nl', { name: 'admin outbox after the invitation', path: '/nl/admin/outbox', status: 200 });
  let messagePath = '';
  await check(`journey: outbox lists the invitation to ${INVITEE.email}`, async () => {
    const row = page.locator('main table tbody tr').first();
    if ((await row.count()) === 0) return ['the outbox table has no rows'];
    const problems = [];
    const text = await row.textContent();
    if (!text.includes(INVITEE.email)) problems.push(`first row does not mention ${INVITEE.email}: ${text.trim()}`);
    const href = await row.locator('a').first().getAttribute('href');
    if (!href || !/^\/nl\/admin\/outbox\/[^/]+$/.test(href)) problems.push(`first row links to ${href}`);
    else messagePath = href;
    return problems;
  });
  if (!messagePath) return '';
  let invitationPath = '';
  for (const lang of LANGUAGES) {
    const p = messagePath.replace(/^\/nl\//, `/${lang}/`);
    await checkPage(page, base, lang, { name: 'outbox message', path: p, status: 200, expectSelector: 'pre.mail' });
    if (lang !== 'nl') continue;
    await check('[nl] outbox message: the invitation is in French and links to /fr/invitation/…', async () => {
      const body = (await page.locator('main pre.mail').textContent()) || '';
      const link = body.match(/https?:\/\/\S+?(\/fr\/invitation\/[A-Za-z0-9_-]+)/);
      const problems = [];
      if (!link) problems.push(`no /fr/invitation/ link in the message text: ${body.slice(0, 200)}`);
      else invitationPath = link[1];
      return problems;
    });
  }
  return invitationPath;
}

// Signs out with the header button of `from`; the home page of that page's language follows.
async function journeySignOut(page, base, from = '/nl/account') {
  const lang = from.split('/')[1];
  await check(`journey: sign out from ${from} with the header button`, async () => {
    await goto(page, `${base}${from}`);
    const problems = [];
    if (new URL(page.url()).pathname !== from) return [`could not open ${from} (ended on ${page.url()})`];
    if ((await page.locator(SIGN_OUT_BUTTON).count()) !== 1) return ['no single sign-out button in the header'];
    const response = await submitForm(page, SIGN_OUT_BUTTON);
    if (new URL(page.url()).pathname !== `/${lang}/`) problems.push(`after signing out the page is ${page.url()}, expected /${lang}/`);
    if (response.status() !== 200) problems.push(`home page answered HTTP ${response.status()}`);
    if ((await page.locator(`nav.account-nav a[href="/${lang}/sign-in"]`).count()) !== 1) {
      problems.push('header shows no sign-in link after signing out');
    }
    if ((await page.locator(SIGN_OUT_BUTTON).count()) !== 0) problems.push('sign-out button still shown after signing out');
    problems.push(...hygieneProblems());

    await goto(page, `${base}/${lang}/account`);
    const after = new URL(page.url());
    if (after.pathname !== `/${lang}/sign-in`) problems.push(`/${lang}/account now shows ${page.url()}, expected a redirect to /${lang}/sign-in`);
    return problems;
  });
}

// Signs in again: the second factor is now asked for; a recovery code gets the administrator in.
async function journeyRecoveryCode(page, base, codes) {
  let response = null;
  let loadError = null;
  try {
    response = await submitSignIn(page, base, 'nl', ADMIN.email, ADMIN.password);
  } catch (err) {
    loadError = errorText(err);
  }
  await auditShownPage(page, '[nl] second-factor step after signing in again', {
    url: `${base}/nl/sign-in`,
    response,
    loadError,
    lang: 'nl',
    statuses: [200],
    expectSelector: '#code',
    expectPath: '/nl/sign-in/second-factor',
  });
  if (loadError || new URL(page.url()).pathname !== '/nl/sign-in/second-factor') return;
  for (const lang of LANGUAGES.filter((l) => l !== 'nl')) {
    await checkPage(page, base, lang, {
      name: 'second-factor step',
      path: `/${lang}/sign-in/second-factor`,
      status: 200,
      expectSelector: '#code',
    });
  }

  response = null;
  loadError = null;
  try {
    await goto(page, `${base}/nl/sign-in/second-factor`);
    await page.fill('#code', 'zzzzzzzzzz');
    response = await submitForm(page, VERIFY_BUTTON);
  } catch (err) {
    loadError = errorText(err);
  }
  await auditShownPage(page, '[nl] second-factor step with a wrong code', {
    url: `${base}/nl/sign-in/second-factor`,
    response,
    loadError,
    lang: 'nl',
    statuses: [401],
    expectSelector: '.error-summary',
  });

  await check('journey: a recovery code completes the second sign-in', async () => {
    if (!codes.length) return ['no recovery codes were captured'];
    await goto(page, `${base}/nl/sign-in/second-factor`);
    await page.fill('#code', codes[0]);
    const res = await submitForm(page, VERIFY_BUTTON);
    const problems = [];
    if (new URL(page.url()).pathname !== '/nl/account') problems.push(`landed on ${page.url()} (HTTP ${res.status()}), expected /nl/account`);
    problems.push(...hygieneProblems());
    return problems;
  });
}

async function journeyInvitationPage(page, base, invitationPath) {
  if (!invitationPath) {
    record('[fr] invitation page', ['no invitation link was found in the outbox']);
    return;
  }
  await checkPage(page, base, 'fr', {
    name: 'invitation',
    path: invitationPath,
    status: 200,
    expectSelector: '#new_password',
  });
  await checkPage(page, base, 'fr', {
    name: 'invitation with an unknown token',
    path: '/fr/invitation/no-such-token',
    statuses: [404, 410],
  });
}

async function journeySignInKeyboardOrder(page, base) {
  await check('journey: keyboard Tab order on /nl/sign-in reaches #email, #password, submit', async () => {
    await goto(page, `${base}/nl/sign-in`);
    await page.evaluate(() => document.activeElement && document.activeElement.blur());
    const seen = [];
    for (let i = 0; i < 40; i += 1) {
      await page.keyboard.press('Tab');
      const step = await page.evaluate(() => {
        const el = document.activeElement;
        if (!el || el === document.body) return 'body';
        if (el.matches('a.skip-link')) return 'skip';
        if (el.id === 'email' || el.id === 'password') return `#${el.id}`;
        if (el.matches('main form[action$="/sign-in"] button[type=submit]')) return 'submit';
        return `${el.tagName.toLowerCase()}${el.getAttribute('href') ? `[href=${el.getAttribute('href')}]` : ''}`;
      });
      seen.push(step);
      if (step === 'submit') break;
    }
    const problems = [];
    if (seen[0] !== 'skip') problems.push(`first Tab focused ${seen[0]}, expected the skip link`);
    const at = (name) => seen.indexOf(name);
    const [email, password, submit] = [at('#email'), at('#password'), at('submit')];
    if (email < 0 || password < 0 || submit < 0) {
      problems.push(`not all reached in ${seen.length} Tabs: ${seen.join(' → ')}`);
    } else if (!(email < password && password < submit)) {
      problems.push(`order is ${seen.join(' → ')}`);
    }
    problems.push(...hygieneProblems());
    return problems;
  });
}

async function journeysSignedIn(page, base) {
  console.log('\n== Sign-in ==');
  await journeyFailedSignIn(page, base);
  const codes = await journeySignInAndEnrol(page, base);
  if (!codes.length) {
    record('journey: signed-in pages', ['skipped: the administrator could not sign in and enrol']);
    return;
  }

  console.log('\n== Administration ==');
  await journeyInvite(page, base);
  const invitationPath = await journeyOutbox(page, base);
  await journeyPortfolio(page, base);
  for (const lang of LANGUAGES) {
    for (const spec of signedInPagesFor(lang)) await checkPage(page, base, lang, spec);
  }
  await journeyNarrowViewport(page, base, ['/nl/account', '/nl/admin/accounts', '/nl/admin/audit']);
  await screenshots(page, base, [
    ['/nl/account', 'nl-account.png'],
    ['/nl/admin/accounts', 'nl-admin-accounts.png'],
  ]);

  console.log('\n== Sign-out and second sign-in ==');
  await journeySignOut(page, base);
  await journeyRecoveryCode(page, base, codes);
  await journeySignOut(page, base);
  await journeyInvitationPage(page, base, invitationPath);
}

// ---------------------------------------------------------------------------------------------
// "Done means": one LIVC-R declaration from the municipality to the public map and back, each
// role in its own browser context (a second browser; the persistent context keeps the
// administrator's history out of it).

async function newActorPage() {
  if (!actorBrowser) {
    actorBrowser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, timeout: 60 * 1000 });
  }
  const ctx = await actorBrowser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-GB' });
  ctx.setDefaultTimeout(NAV_TIMEOUT_MS);
  await listenForCsp(ctx);
  const page = await ctx.newPage();
  observe(page);
  return page;
}

// The trimmed text of the single element matching `selector`, or null (no waiting).
async function textOf(page, selector) {
  const el = page.locator(selector);
  if ((await el.count()) !== 1) return null;
  return ((await el.textContent()) || '').replace(/\s+/g, ' ').trim();
}

// The status-table row of a municipality on a /{lang}/cartography page.
function mapRow(lang, nis) {
  return `table.status-table tbody tr:has(th a[href="/${lang}/municipalities/${nis}"])`;
}

// The TOTP keys of the staff accounts enrolled during the run, by e-mail address: a later
// sign-in answers the second-factor step with a code computed from them.
const staffKeys = new Map();

// A first sign-in of a demo staff account: password, then the enrolment of the second factor
// with a code computed here from the secret shown. Returns true when the account is signed in.
async function signInStaffFirstTime(page, base, lang, email, who) {
  let signedIn = false;
  await check(`done: ${who} (${email}) signs in on /${lang}/sign-in and enrols a second factor`, async () => {
    await submitSignIn(page, base, lang, email, DEMO_PASSWORD);
    const { pathname } = new URL(page.url());
    if (!/^\/(nl|fr|de|en)\/account\/second-factor$/.test(pathname)) {
      return [`landed on ${page.url()}, expected the second-factor enrolment (/…/account/second-factor)`];
    }
    const secret = await textOf(page, 'main p.secret');
    if (!secret || !/^[A-Z2-7 ]{16,}=*$/.test(secret)) return [`no base32 secret in p.secret (got "${secret}")`];
    staffKeys.set(email, base32Decode(secret));
    await page.fill('#code', totp(base32Decode(secret)));
    const response = await submitForm(page, ENROL_BUTTON);
    const problems = [];
    if (response.status() !== 200) problems.push(`enrolment answered HTTP ${response.status()}, expected 200`);
    const codes = await page.locator('main ul.codes li').count();
    if (codes !== 10) problems.push(`${codes} recovery codes shown after the enrolment, expected 10`);
    signedIn = (await page.locator(SIGN_OUT_BUTTON).count()) === 1;
    if (!signedIn) problems.push('no sign-out button in the header: not signed in');
    problems.push(...hygieneProblems());
    return problems;
  });
  return signedIn;
}

// "Declare or update" starts from what the registry knows of the current cell (the demo history
// gives Gent a cell founded in 2018 whose rules were adopted in 2019): the journey states its own
// declaration completely — no rules date (it could not precede the new founding date), exactly
// two services, no contacts.
async function fillDeclaration(page, foundedOn) {
  await page.check('#situation-own');
  await page.fill('#cell_name', CELL_NAME);
  await page.fill('#founded_on', foundedOn);
  await page.uncheck('#rules_adopted');
  await page.fill('#rules_adopted_on', '');
  for (const box of await page.locator('#services input[type=checkbox]').all()) await box.uncheck();
  await page.check('#service-police');
  await page.check('#service-prevention');
  await page.selectOption('#meeting_frequency', 'quarterly');
  await page.fill('#coordinator_contact', '');
  await page.fill('#information_officer_contact', '');
  await page.uncheck('#contact_consent_box');
}

// a. Gent declares its cell. Returns the declaration id ('' when it could not be sent).
async function doneMunicipalDeclares(page, base) {
  const myPath = '/nl/livc-r/declarations';
  const myLink = `nav.account-nav a[href="${myPath}"]`;
  let response = null;
  let loadError = null;
  await check(`done: ${DEMO.gent} signs in without a second factor; the header offers "Mijn LIVC-R"`, async () => {
    await submitSignIn(page, base, 'nl', DEMO.gent, DEMO_PASSWORD);
    const problems = [];
    if (new URL(page.url()).pathname.startsWith('/nl/sign-in')) return [`still on ${page.url()} after signing in`];
    if ((await page.locator(SIGN_OUT_BUTTON).count()) !== 1) problems.push('no sign-out button in the header: not signed in');
    const text = await textOf(page, myLink);
    if (text === null) problems.push(`no single ${myLink} in the header`);
    else if (text !== 'Mijn LIVC-R') problems.push(`the account link reads "${text}", expected "Mijn LIVC-R"`);
    problems.push(...hygieneProblems());
    return problems;
  });
  try {
    response = await submitForm(page, myLink);
  } catch (err) {
    loadError = errorText(err);
  }
  await auditShownPage(page, `[nl] done: my LIVC-R ${myPath} (municipal)`, {
    url: `${base}${myPath}`,
    response,
    loadError,
    lang: 'nl',
    statuses: [200],
    expectSelector: `main form[action="/nl/livc-r/declarations/new"] input[name=nis][value="${GENT}"]`,
  });
  if (loadError) return '';

  // "Declare or update" for Gent.
  const startButton = `main section:has(input[name=nis][value="${GENT}"]) form[action="/nl/livc-r/declarations/new"] button[type=submit]`;
  let declId = '';
  response = null;
  loadError = null;
  try {
    response = await submitForm(page, startButton);
    const m = new URL(page.url()).pathname.match(/^\/nl\/livc-r\/declarations\/([^/]+)$/);
    if (m && m[1] !== 'new') declId = m[1];
  } catch (err) {
    loadError = errorText(err);
  }
  await check('done: "Declare or update" for Gent opens a declaration form /nl/livc-r/declarations/{id}', async () => {
    if (loadError) return [`pressing the button failed: ${loadError}`];
    const problems = [];
    if (!declId) problems.push(`landed on ${page.url()}, expected /nl/livc-r/declarations/{id}`);
    if (response.status() !== 200) problems.push(`HTTP ${response.status()}, expected 200`);
    if ((await page.locator('main form.declaration-form').count()) !== 1) problems.push('no form.declaration-form on the page');
    return problems;
  });
  if (!declId) return '';
  const formUrl = `${base}/nl/livc-r/declarations/${declId}`;
  await auditShownPage(page, `[nl] done: declaration form /nl/livc-r/declarations/${declId}`, {
    url: formUrl,
    response,
    lang: 'nl',
    statuses: [200],
    expectSelector: ['#situation-own', '#cell_name', '#founded_on', '#service-police', '#meeting_frequency', '#contact_consent_box'],
  });

  // A founding date before 2015 is refused: 422, the summary links to the field.
  const sendButton = 'main form.declaration-form button[name=action][value=send]';
  response = null;
  loadError = null;
  try {
    await fillDeclaration(page, '2014-05-04');
    response = await submitForm(page, sendButton);
  } catch (err) {
    loadError = errorText(err);
  }
  await auditShownPage(page, '[nl] done: declaration with a founding date in 2014', {
    url: formUrl,
    response,
    loadError,
    lang: 'nl',
    statuses: [422],
    expectSelector: ['.error-summary a[href="#founded_on"]', '#founded_on[aria-describedby~="founded-error"]'],
  });
  if (!loadError) {
    await check('[nl] done: the refused declaration keeps what was typed', async () => {
      const problems = [];
      if (!(await page.isChecked('#situation-own'))) problems.push('#situation-own is no longer checked');
      if ((await page.inputValue('#cell_name')) !== CELL_NAME) problems.push(`#cell_name is "${await page.inputValue('#cell_name')}"`);
      if ((await page.inputValue('#founded_on')) !== '2014-05-04') problems.push(`#founded_on is "${await page.inputValue('#founded_on')}"`);
      for (const box of ['#service-police', '#service-prevention']) {
        if (!(await page.isChecked(box))) problems.push(`${box} is no longer checked`);
      }
      if ((await page.inputValue('#meeting_frequency')) !== 'quarterly') problems.push(`#meeting_frequency is "${await page.inputValue('#meeting_frequency')}"`);
      return problems;
    });
  }

  // The valid declaration.
  response = null;
  loadError = null;
  try {
    await fillDeclaration(page, '2020-05-04');
    response = await submitForm(page, sendButton);
  } catch (err) {
    loadError = errorText(err);
  }
  let sent = false;
  await check(`done: sending the declaration redirects to /nl/livc-r/declarations/${declId} with a success message`, async () => {
    if (loadError) return [`sending failed: ${loadError}`];
    const problems = [];
    const { pathname } = new URL(page.url());
    if (pathname !== `/nl/livc-r/declarations/${declId}`) problems.push(`landed on ${page.url()}`);
    if (response.status() !== 200) problems.push(`HTTP ${response.status()}, expected 200`);
    if ((await page.locator('main .error-summary').count()) !== 0) {
      problems.push(`error shown: ${await textOf(page, 'main .error-summary')}`);
    }
    if ((await page.locator('main .success').count()) < 1) problems.push('no .success message');
    if ((await page.locator('main form.declaration-form').count()) !== 0) problems.push('the sent declaration is still shown as an editable form');
    if (!((await textOf(page, 'main')) || '').includes(CELL_NAME)) problems.push(`the page does not show the cell name "${CELL_NAME}"`);
    sent = pathname === `/nl/livc-r/declarations/${declId}` && response.status() === 200 && (await page.locator('main .success').count()) > 0;
    problems.push(...hygieneProblems());
    return problems;
  });
  if (!loadError) {
    await auditShownPage(page, `[nl] done: declaration sent /nl/livc-r/declarations/${declId}`, {
      url: formUrl,
      response,
      lang: 'nl',
      statuses: [200],
      expectSelector: 'main .success',
    });
  }
  await journeySignOut(page, base, myPath);
  return sent ? declId : '';
}

// b. The advisor accepts it.
async function doneAdvisorAccepts(page, base, declId) {
  if (!(await signInStaffFirstTime(page, base, 'nl', DEMO.advisor, 'advisor'))) return false;
  const reviewPath = `/nl/registry/declarations/${declId}`;
  await checkPage(page, base, 'nl', {
    name: 'done: registry queue (advisor)',
    path: '/nl/registry',
    status: 200,
    expectSelector: `main table a[href="${reviewPath}"]`,
  });
  let response = null;
  let loadError = null;
  try {
    response = await submitForm(page, `main a[href="${reviewPath}"]`);
  } catch (err) {
    loadError = errorText(err);
  }
  await auditShownPage(page, `[nl] done: review ${reviewPath}`, {
    url: `${base}${reviewPath}`,
    response,
    loadError,
    lang: 'nl',
    statuses: [200],
    expectSelector: ['#effective_on', 'main form button[name=decision][value=accept]'],
  });
  if (loadError) return false;
  let accepted = false;
  await check(`done: the advisor accepts declaration #${declId} with the prefilled date`, async () => {
    const problems = [];
    if (!((await textOf(page, 'main dl.facts')) || '').includes(CELL_NAME)) problems.push(`the review does not show "${CELL_NAME}"`);
    const effective = await page.inputValue('#effective_on');
    if (!/^\d{4}-\d{2}-\d{2}$/.test(effective)) problems.push(`#effective_on is "${effective}", expected a prefilled date`);
    const res = await submitForm(page, 'main form button[name=decision][value=accept]');
    if (new URL(page.url()).pathname !== '/nl/registry') {
      problems.push(`landed on ${page.url()} (HTTP ${res.status()}), expected /nl/registry`);
      const error = await textOf(page, 'main .error-summary');
      if (error) problems.push(`error shown: ${error}`);
      return problems;
    }
    accepted = true;
    if ((await page.locator(`main table a[href="${reviewPath}"]`).count()) !== 0) problems.push(`#${declId} is still in the table of pending declarations`);
    if ((await page.locator(`main ul a[href="${reviewPath}"]`).count()) !== 1) problems.push(`#${declId} is not in the list of recent decisions`);
    problems.push(...hygieneProblems());
    return problems;
  });
  await journeySignOut(page, base, '/nl/registry');
  return accepted;
}

// c. The public sees the accepted cell.
async function donePublicSeesCell(page, base) {
  await check(`done: public /nl/cartography shows "${CELL_NAME}" for Gent in the table and on the map`, async () => {
    const response = await goto(page, `${base}/nl/cartography`);
    const problems = [];
    if (response.status() !== 200) problems.push(`HTTP ${response.status()}`);
    if ((await page.locator(SIGN_OUT_BUTTON).count()) !== 0) problems.push('the public context is signed in');
    const row = await textOf(page, mapRow('nl', GENT));
    if (row === null) problems.push('no single table row for Gent (44021)');
    else if (!row.includes(CELL_NAME)) problems.push(`the Gent row reads "${row}"`);
    const labels = await page.locator('svg a.map-link[aria-label^="Gent:"]').evaluateAll((els) => els.map((e) => e.getAttribute('aria-label')));
    if (labels.length !== 1) problems.push(`${labels.length} map links with an aria-label starting with "Gent:", expected 1`);
    else if (!labels[0].includes(CELL_NAME)) problems.push(`the map link for Gent is labelled "${labels[0]}"`);
    problems.push(...hygieneProblems());
    return problems;
  });
  // The cell-name hint of the declaration form suggests names like "LIVC-R Gent"; the map then
  // should not name the cell as "LIVC-R LIVC-R Gent" (the map adds the abbreviation itself).
  await check('done: map link names on /nl/cartography do not repeat the abbreviation ("(LIVC-R LIVC-R …)")', async () => {
    const stutter = await page.locator('svg a.map-link').evaluateAll((els) =>
      els.map((e) => e.getAttribute('aria-label') || '').filter((l) => /\((LIVC-R|CSIL-R|LIVS-R) \1\b/.test(l)),
    );
    return stutter.length ? [`${stutter.length} map links are named like "${stutter.find((l) => l.startsWith('Gent:')) || stutter[0]}"`] : [];
  });
  await check(`done: public /nl/municipalities/${GENT} shows "${CELL_NAME}" in its LIVC-R section`, async () => {
    await goto(page, `${base}/nl/municipalities/${GENT}`);
    const section = await textOf(page, 'main section[aria-labelledby=livcr-heading]');
    const problems = [];
    if (section === null) problems.push('no single LIVC-R section (section[aria-labelledby=livcr-heading])');
    else if (!section.includes(CELL_NAME)) problems.push(`the LIVC-R section reads "${section.slice(0, 200)}"`);
    problems.push(...hygieneProblems());
    return problems;
  });
}

// The sort links of the status table: aria-sort follows the chosen column.
async function doneSortTable(page, base) {
  await check('done: /nl/cartography table sorted by status through its header link', async () => {
    await goto(page, `${base}/nl/cartography`);
    const link = 'table.status-table thead th[aria-sort] a[href*="sort=status"]';
    if ((await page.locator(link).count()) !== 1) return [`no single ${link}`];
    await submitForm(page, link);
    const problems = [];
    const u = new URL(page.url());
    if (u.searchParams.get('sort') !== 'status') problems.push(`URL is ${page.url()}, expected sort=status`);
    const sorts = await page.locator('table.status-table thead th[aria-sort]').evaluateAll((ths) => ths.map((th) => th.getAttribute('aria-sort')));
    const active = sorts.filter((s) => s === 'ascending' || s === 'descending');
    if (active.length !== 1) problems.push(`${active.length} sorted columns (aria-sort ascending/descending), expected 1`);
    // The sorted column's link now offers the other direction (sort=status&dir=desc).
    const statusTh = page.locator('table.status-table thead th[aria-sort]:has(a[href*="sort=status"])');
    const statusSort = (await statusTh.count()) === 1 ? await statusTh.getAttribute('aria-sort') : 'missing';
    if (statusSort !== 'ascending') problems.push(`the status column has aria-sort="${statusSort}", expected "ascending"`);
    problems.push(...hygieneProblems());
    return problems;
  });
}

// d. The back office publishes a snapshot, then records "no LIVC-R" for Gent.
async function doneBackofficeSnapshotAndObservation(staffPage, publicPage, base) {
  if (!(await signInStaffFirstTime(staffPage, base, 'fr', DEMO.backoffice, 'back office'))) return;
  const page = staffPage;
  await checkPage(page, base, 'fr', {
    name: 'done: snapshot form (back office)',
    path: '/fr/registry/snapshots',
    status: 200,
    expectSelector: ['#date', '#title', '#method'],
  });
  let response = null;
  let loadError = null;
  try {
    response = await submitForm(page, 'main form[action="/fr/registry/snapshots"] button[type=submit]');
  } catch (err) {
    loadError = errorText(err);
  }
  let snapshotUrl = '';
  let snapshotGentRow = '';
  await check('done: publishing the prefilled snapshot lands on /fr/cartography/snapshots/{id}', async () => {
    if (loadError) return [`publishing failed: ${loadError}`];
    const problems = [];
    if (!/^\/fr\/cartography\/snapshots\/[^/]+$/.test(new URL(page.url()).pathname)) {
      problems.push(`landed on ${page.url()} (HTTP ${response.status()})`);
      const error = await textOf(page, 'main .error-summary');
      if (error) problems.push(`error shown: ${error}`);
      return problems;
    }
    snapshotUrl = page.url();
    const row = await textOf(page, `main table tbody tr:has(th a[href="/fr/municipalities/${GENT}"])`);
    if (row === null) problems.push('no single row for Gent (44021) in the snapshot table');
    else if (!row.includes(CELL_NAME)) problems.push(`the Gent row of the snapshot reads "${row}"`);
    snapshotGentRow = row || '';
    problems.push(...hygieneProblems());
    return problems;
  });
  if (!snapshotUrl) return;
  await auditShownPage(page, `[fr] done: snapshot ${new URL(snapshotUrl).pathname}`, {
    url: snapshotUrl,
    response,
    lang: 'fr',
    statuses: [200],
    expectSelector: 'main table tbody tr',
  });

  const registryPath = `/fr/registry/municipalities/${GENT}`;
  await checkPage(page, base, 'fr', {
    name: 'done: municipality in the registry (back office)',
    path: registryPath,
    status: 200,
    expectSelector: ['#status', '#source', '#effective_on'],
  });
  // The form preselects the current cell, and "none" cannot be linked to a cell: a first
  // submission with only the status and the source may be refused (422) with a summary. That
  // error state is audited; the observation is then recorded with "no cell" chosen.
  const recordButton = `main form[action="${registryPath}"] button[type=submit]`;
  response = null;
  loadError = null;
  try {
    await page.selectOption('#status', 'none');
    await page.selectOption('#source', 'advisor');
    response = await submitForm(page, recordButton);
  } catch (err) {
    loadError = errorText(err);
  }
  if (!loadError && response.status() === 422) {
    await auditShownPage(page, `[fr] done: "none" observation with the current cell still selected ${registryPath}`, {
      url: `${base}${registryPath}`,
      response,
      lang: 'fr',
      statuses: [422],
      expectSelector: 'main .error-summary',
    });
    await check('[fr] done: the refused observation keeps the chosen status and source', async () => {
      const problems = [];
      const status = await page.inputValue('#status');
      const source = await page.inputValue('#source');
      if (status !== 'none') problems.push(`#status is "${status}" again, "none" was chosen`);
      if (source !== 'advisor') problems.push(`#source is "${source}" again, "advisor" was chosen`);
      return problems;
    });
    response = null;
    try {
      await page.selectOption('#status', 'none');
      await page.selectOption('#cell', '');
      await page.selectOption('#source', 'advisor');
      response = await submitForm(page, recordButton);
    } catch (err) {
      loadError = errorText(err);
    }
  }
  let recorded = false;
  await check(`done: the back office records "none" for Gent (${registryPath})`, async () => {
    if (loadError) return [`recording failed: ${loadError}`];
    const problems = [];
    if (response.status() !== 200) problems.push(`HTTP ${response.status()}, expected 200`);
    if (new URL(page.url()).pathname !== registryPath) problems.push(`landed on ${page.url()}`);
    const error = await textOf(page, 'main .error-summary');
    if (error) problems.push(`error shown: ${error}`);
    if ((await page.locator('main .success').count()) < 1) problems.push('no .success message');
    else recorded = true;
    problems.push(...hygieneProblems());
    return problems;
  });
  if (recorded) {
    await auditShownPage(page, `[fr] done: observation recorded ${registryPath}`, {
      url: `${base}${registryPath}`,
      response,
      lang: 'fr',
      statuses: [200],
      expectSelector: 'main .success',
    });
  }

  // The public: the live map changed; the snapshot and an earlier date did not.
  await check('done: public /fr/cartography now shows Gent with the legend\'s "none" label', async () => {
    const p = publicPage;
    await goto(p, `${base}/fr/cartography`);
    const problems = [];
    // The legend reads "<swatch> {label}: <strong>{count}</strong> ({share})": the label is the
    // text before the count.
    const noneLabel = await p.locator('ul.legend li:has(.swatch.status-none)').evaluateAll((lis) =>
      lis.map((li) => {
        let text = '';
        for (const node of li.childNodes) {
          if (node.nodeType === Node.ELEMENT_NODE && node.tagName === 'STRONG') break;
          if (node.nodeType === Node.TEXT_NODE) text += node.textContent;
        }
        return text.replace(/[\s\u00a0\u202f]*:[\s\u00a0\u202f]*$/, '').trim();
      }),
    );
    if (noneLabel.length !== 1 || !noneLabel[0]) return [`no single legend entry with .swatch.status-none (${JSON.stringify(noneLabel)})`];
    const label = noneLabel[0];
    const row = p.locator(mapRow('fr', GENT));
    if ((await row.count()) !== 1) return ['no single table row for Gent (44021)'];
    const text = ((await row.textContent()) || '').replace(/\s+/g, ' ').trim();
    if (!text.includes(label)) problems.push(`the Gent row reads "${text}", expected "${label}"`);
    if ((await row.locator('.swatch.status-none').count()) !== 1) problems.push('the Gent row has no .swatch.status-none');
    if (text.includes(CELL_NAME)) problems.push(`the Gent row still names "${CELL_NAME}"`);
    const aria = await p.locator(`svg a.map-link[href="/fr/municipalities/${GENT}"]`).evaluateAll((els) => els.map((e) => e.getAttribute('aria-label')));
    if (aria.length !== 1) problems.push(`${aria.length} map links to /fr/municipalities/${GENT}, expected 1`);
    else if (!aria[0].includes(label)) problems.push(`the map link for Gent is labelled "${aria[0]}", expected it to say "${label}"`);
    problems.push(...hygieneProblems());
    return problems;
  });
  await check('done: the published snapshot still shows the cell of Gent', async () => {
    const res = await goto(publicPage, snapshotUrl);
    const problems = [];
    if (res.status() !== 200) problems.push(`${snapshotUrl}: HTTP ${res.status()}`);
    const row = await textOf(publicPage, `main table tbody tr:has(th a[href="/fr/municipalities/${GENT}"])`);
    if (row === null) problems.push('no single row for Gent (44021) in the snapshot table');
    else if (!row.includes(CELL_NAME) || row !== snapshotGentRow) {
      problems.push(`the Gent row of the snapshot now reads "${row}", it read "${snapshotGentRow}" when published`);
    }
    problems.push(...hygieneProblems());
    return problems;
  });
  await check('done: public /fr/cartography?date=2021-01-01 still shows Gent with a cell', async () => {
    await goto(publicPage, `${base}/fr/cartography?date=2021-01-01`);
    const row = publicPage.locator(mapRow('fr', GENT));
    if ((await row.count()) !== 1) return ['no single table row for Gent (44021)'];
    const problems = [];
    const covered = await row.locator('.swatch.status-own, .swatch.status-joint').count();
    if (covered !== 1) problems.push(`the Gent row reads "${((await row.textContent()) || '').replace(/\s+/g, ' ').trim()}", expected an own or joint cell`);
    problems.push(...hygieneProblems());
    return problems;
  });
}

// e. Keyboard and a narrow screen on the map.
async function doneMapKeyboard(page, base) {
  await check('done: keyboard Tab from the skip link reaches a map link with an aria-label on /en/cartography', async () => {
    await goto(page, `${base}/en/cartography`);
    await page.evaluate(() => document.activeElement && document.activeElement.blur());
    const seen = [];
    let reached = null;
    for (let i = 0; i < 60; i += 1) {
      await page.keyboard.press('Tab');
      const step = await page.evaluate(() => {
        const el = document.activeElement;
        if (!el || el === document.body) return { desc: 'body' };
        const desc = `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''}${el.classList.length ? `.${[...el.classList].join('.')}` : ''}`;
        return { desc, mapLink: el.matches('a.map-link'), skip: el.matches('a.skip-link'), label: el.getAttribute('aria-label') || '' };
      });
      seen.push(step.desc);
      if (step.mapLink) {
        reached = step;
        break;
      }
    }
    const problems = [];
    if (seen[0] !== 'a.skip-link') problems.push(`first Tab focused ${seen[0]}, expected a.skip-link`);
    if (!reached) problems.push(`no a.map-link focused within 60 Tabs: ${seen.slice(0, 40).join(' → ')}`);
    else if (!reached.label.trim()) problems.push('the focused map link has no aria-label');
    problems.push(...hygieneProblems());
    return problems;
  });
  await journeyNarrowViewport(page, base, ['/en/cartography', '/en/cartography/history', '/en/cartography/embed']);
}

async function journeyDoneMeans(base) {
  console.log('\n== Done means: a LIVC-R declaration from Gent to the national map ==');
  let municipal = null;
  let staff = null;
  let pub = null;
  try {
    municipal = await newActorPage();
    const declId = await doneMunicipalDeclares(municipal, base);
    await municipal.context().close();
    municipal = null;
    if (!declId) {
      record('done: advisor, public and back-office steps', ['skipped: Gent could not send its declaration']);
      return;
    }
    staff = await newActorPage();
    const accepted = await doneAdvisorAccepts(staff, base, declId);
    pub = await newActorPage();
    if (accepted) await donePublicSeesCell(pub, base);
    else record('done: public map after the acceptance', ['skipped: the declaration was not accepted']);
    await doneSortTable(pub, base);
    await doneBackofficeSnapshotAndObservation(staff, pub, base);
    await doneMapKeyboard(pub, base);
  } finally {
    for (const p of [municipal, staff, pub]) if (p) await p.context().close().catch(() => {});
  }
}

// ---------------------------------------------------------------------------------------------
// Support requests: a visitor, then once per language a demo municipal account and the
// advisor (Front-Office), each in its own browser context.

const SUPPORT = {
  visitor: {
    lang: 'fr',
    municipality: 'Namur',
    name: 'Camille Lambert-Dubois',
    email: 'prevention@namur.be',
    organisation: 'Ville de Namur, service Prévention',
  },
};

// One run of the support path per language, each with a fresh request of its own: a demo
// municipal account asks for help for one of its municipalities (the page language is the one
// of the URL, whatever the account's own), the advisor handles it. Two runs use the account of
// Eupen, each for another of its municipalities, so that every municipality file holds one run.
// `names` are the municipality's names in the reference data (nl, fr, de); the texts are what
// the people type.
const SUPPORT_RUNS = [
  {
    lang: 'nl',
    member: 'gent@demo.radix.invalid',
    nis: '44021',
    names: ['Gent', 'Gand'],
    questions: 'Hoe stellen we een huishoudelijk reglement op? (browsertest nl)',
    report: 'Kennismaking met de dienst Preventie (browsertest nl): wettelijk kader en samenstelling van de cel overlopen.',
    action: 'Voorbeeld van huishoudelijk reglement bezorgen (browsertest nl)',
    participantOrganisation: 'Dienst Preventie',
    memberMessage: 'Dank u, de voorgestelde datum past ons (browsertest nl).',
  },
  {
    lang: 'fr',
    member: 'liege@demo.radix.invalid',
    nis: '62063',
    names: ['Luik', 'Liège', 'Lüttich'],
    questions: 'Comment rédiger un règlement d’ordre intérieur ? (browsertest fr)',
    report: 'Présentation au service Prévention (browsertest fr) : cadre légal et composition de la cellule passés en revue.',
    action: 'Envoyer un modèle de règlement d’ordre intérieur (browsertest fr)',
    participantOrganisation: 'Service Prévention',
    memberMessage: 'Merci, la date proposée nous convient (browsertest fr).',
  },
  {
    lang: 'de',
    member: 'eupen@demo.radix.invalid',
    nis: '63023',
    names: ['Eupen'],
    questions: 'Wie erstellen wir eine Geschäftsordnung? (browsertest de)',
    report: 'Kennenlernen mit dem Präventionsdienst (browsertest de): rechtlicher Rahmen und Zusammensetzung der Zelle besprochen.',
    action: 'Muster einer Geschäftsordnung zusenden (browsertest de)',
    participantOrganisation: 'Präventionsdienst',
    memberMessage: 'Danke, das vorgeschlagene Datum passt uns (browsertest de).',
  },
  {
    lang: 'en',
    member: 'eupen@demo.radix.invalid',
    nis: '63040',
    names: ['Kelmis', 'La Calamine'],
    questions: 'How do we draw up rules of procedure? (browsertest en)',
    report: 'Introduction with the prevention service (browsertest en): legal framework and membership of the cell reviewed.',
    action: 'Send a model of rules of procedure (browsertest en)',
    participantOrganisation: 'Prevention service',
    memberMessage: 'Thank you, the proposed date suits us (browsertest en).',
  },
];

// The demo staff who can be assigned a request, with the language of their account: emails to
// them are written in it. The advisor handles every run; the administrator gives it a portfolio
// of the three regions first, so that it is the suggested advisor of every request.
const ADVISOR_NAME = 'Demo Front-Office';
const ADVISOR_PORTFOLIO = 'VLG WAL BRU';
const STAFF_LANGUAGES = { 'Demo Front-Office': 'nl', 'Demo Back-Office': 'fr' };

// A single-line message of locales/{lang}/{file} ('' when not found): the pages are compared
// with the words the translators wrote, not with a copy of them here.
function ftl(lang, file, key) {
  try {
    const text = readFileSync(path.join(REPO, 'locales', lang, file), 'utf8');
    const line = text.split('\n').find((l) => l.startsWith(`${key} =`));
    return line ? line.slice(key.length + 2).trim() : '';
  } catch {
    return '';
  }
}

function squash(text) {
  return (text || '').replace(/[\s\u00a0\u202f]+/g, ' ').trim();
}


// A single-line message of locales/{lang}/{file} as a pattern: its placeables ({ $name }) match
// any text (captured in order). null when the message is not there.
function ftlPattern(lang, file, key) {
  const text = ftl(lang, file, key);
  if (!text) return null;
  const parts = text.split(/\{\s*\$[a-z_]+\s*\}/);
  return new RegExp(`^${parts.map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('(.+?)')}$`, 'u');
}

// Belgian civil time: the date (YYYY-MM-DD) and the minutes since midnight, now or at `ms`.
function brusselsClock(ms = Date.now()) {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-CA', {
      timeZone: 'Europe/Brussels',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    })
      .formatToParts(new Date(ms))
      .map((p) => [p.type, p.value]),
  );
  return { date: `${parts.year}-${parts.month}-${parts.day}`, minutes: Number(parts.hour) * 60 + Number(parts.minute) };
}

function hhmm(minutes) {
  return `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
}

// The iCalendar UTC stamp (YYYYMMDDTHHMMSSZ) of a Belgian date and time.
function brusselsToUtcStamp(date, time) {
  const [y, mo, d] = date.split('-').map(Number);
  const [h, mi] = time.split(':').map(Number);
  for (const offset of [60, 120]) {
    const at = Date.UTC(y, mo - 1, d, h, mi) - offset * 60 * 1000;
    const local = brusselsClock(at);
    if (local.date === date && hhmm(local.minutes) === time) return new Date(at).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
  }
  return '';
}

// A meeting slot today in Belgium that has not begun yet: starting a few minutes from now, so
// that the meeting can still be changed or cancelled while the journey looks at it, and a
// follow-up action may be due today. In the last minutes of a day the journey waits for the
// next one (at most a few minutes).
const MEETING_LEAD_MINUTES = 4;
async function meetingSlotToday() {
  let now = brusselsClock();
  const latest = 23 * 60 + 58 - MEETING_LEAD_MINUTES;
  if (now.minutes > latest) {
    const wait = (24 * 60 - now.minutes + 1) * 60 * 1000;
    console.log(`(waiting ${Math.round(wait / 1000)} s for the next day in Belgium before planning a meeting today)`);
    await new Promise((r) => setTimeout(r, wait));
    now = brusselsClock();
  }
  const start = now.minutes + MEETING_LEAD_MINUTES + 1;
  const end = Math.min(start + 60, 23 * 60 + 59);
  return { date: now.date, start: hhmm(start), end: hhmm(end) };
}

// ---------------------------------------------------------------------------------------------
// A mail server on loopback that keeps what the platform sends (the server is started with
// --smtp-host 127.0.0.1 --smtp-tls none): the emails are read as they arrive, attachments
// included.

const mailbox = []; // { to: string[], subject, text, html, attachments: [{ name, type, text }] }
let smtpSink = null;
const smtpSockets = new Set();

function headerParam(value, name) {
  if (!value) return '';
  const m = value.match(new RegExp(`;\\s*${name}\\*?=\\s*(?:"([^"]*)"|([^;\\s]*))`, 'i'));
  return m ? decodeWords(m[1] ?? m[2] ?? '') : '';
}

function quotedPrintable(text) {
  return Buffer.from(
    text.replace(/=\r?\n/g, '').replace(/=([0-9A-Fa-f]{2})/g, (_, hex) => String.fromCharCode(parseInt(hex, 16))),
    'latin1',
  ).toString('utf8');
}

// RFC 2047 encoded words (subjects, file names).
function decodeWords(text) {
  return text
    .replace(/(=\?[^?]+\?[bBqQ]\?[^?]*\?=)\s+(?==\?)/g, '$1')
    .replace(/=\?([^?]+)\?([bBqQ])\?([^?]*)\?=/g, (_, charset, enc, word) =>
      enc.toUpperCase() === 'B' ? Buffer.from(word, 'base64').toString('utf8') : quotedPrintable(word.replace(/_/g, ' ')),
    );
}

function decodeBody(body, encoding) {
  switch ((encoding || '').trim().toLowerCase()) {
    case 'base64':
      return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
    case 'quoted-printable':
      return quotedPrintable(body);
    default:
      return Buffer.from(body, 'latin1').toString('utf8');
  }
}

// The leaves of a MIME entity (read as latin1, so that bytes stay bytes until decoded).
function mimeLeaves(raw) {
  const at = raw.search(/\r?\n\r?\n/);
  const head = at < 0 ? raw : raw.slice(0, at);
  const body = at < 0 ? '' : raw.slice(at).replace(/^\r?\n\r?\n/, '');
  const headers = {};
  for (const line of head.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const contentType = headers['content-type'] || 'text/plain';
  const type = contentType.split(';')[0].trim().toLowerCase();
  if (type.startsWith('multipart/')) {
    const boundary = headerParam(contentType, 'boundary');
    const parts = [];
    let current = null;
    for (const line of body.split(/\r?\n/)) {
      const trimmed = line.trimEnd();
      if (trimmed === `--${boundary}` || trimmed === `--${boundary}--`) {
        if (current) parts.push(current.join('\r\n'));
        current = trimmed === `--${boundary}` ? [] : null;
        if (!current) break;
      } else if (current) {
        current.push(line);
      }
    }
    return { headers, leaves: parts.flatMap((p) => mimeLeaves(p).leaves) };
  }
  const name = headerParam(headers['content-disposition'], 'filename') || headerParam(contentType, 'name');
  return { headers, leaves: [{ type, contentType, name, text: decodeBody(body, headers['content-transfer-encoding']) }] };
}

function parseMail(raw, to) {
  const { headers, leaves } = mimeLeaves(raw);
  const plain = leaves.find((l) => l.type === 'text/plain' && !l.name);
  const html = leaves.find((l) => l.type === 'text/html' && !l.name);
  return {
    to,
    subject: decodeWords(headers.subject || '').trim(),
    text: plain ? plain.text : '',
    html: html ? html.text : '',
    attachments: leaves.filter((l) => l.name).map((l) => ({ name: l.name, type: l.contentType, text: l.text })),
  };
}

function startSmtpSink() {
  return new Promise((resolve, reject) => {
    const server = createServer((socket) => {
      smtpSockets.add(socket);
      socket.on('close', () => smtpSockets.delete(socket));
      socket.on('error', () => {});
      socket.setEncoding('latin1');
      let buffer = '';
      let inData = false;
      let data = [];
      let rcpt = [];
      const reply = (line) => socket.write(`${line}\r\n`);
      reply('220 localhost journeys mail sink');
      socket.on('data', (chunk) => {
        buffer += chunk;
        for (let i = buffer.indexOf('\r\n'); i >= 0; i = buffer.indexOf('\r\n')) {
          const line = buffer.slice(0, i);
          buffer = buffer.slice(i + 2);
          if (inData) {
            if (line === '.') {
              inData = false;
              try {
                mailbox.push(parseMail(data.join('\r\n'), rcpt));
              } catch (err) {
                mailbox.push({ to: rcpt, subject: `(unreadable: ${errorText(err)})`, text: '', html: '', attachments: [] });
              }
              data = [];
              rcpt = [];
              reply('250 OK');
            } else {
              data.push(line.startsWith('.') ? line.slice(1) : line);
            }
            continue;
          }
          const verb = line.slice(0, 4).toUpperCase();
          if (verb === 'EHLO' || verb === 'HELO') reply('250 localhost');
          else if (verb === 'MAIL' || verb === 'RSET') {
            rcpt = [];
            data = [];
            reply('250 OK');
          } else if (verb === 'RCPT') {
            const m = line.match(/<([^>]*)>/);
            if (m) rcpt.push(m[1]);
            reply('250 OK');
          } else if (verb === 'DATA') {
            inData = true;
            reply('354 End data with <CR><LF>.<CR><LF>');
          } else if (verb === 'NOOP') reply('250 OK');
          else if (verb === 'QUIT') {
            reply('221 Bye');
            socket.end();
          } else reply('502 Command not implemented');
        }
      });
    });
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      smtpSink = server;
      resolve(server.address().port);
    });
  });
}

function stopSmtpSink() {
  for (const socket of smtpSockets) socket.destroy();
  if (smtpSink) smtpSink.close();
  smtpSink = null;
}

// The first email to `address` that `match` accepts, waiting for it (the server's mail worker
// delivers every few seconds); null after `timeoutMs`.
async function waitForMail(address, match, timeoutMs = MAIL_TIMEOUT_MS) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = mailbox.find((m) => m.to.includes(address) && match(m));
    if (found || Date.now() > deadline) return found || null;
    await new Promise((r) => setTimeout(r, 200));
  }
}

function mailsTo(address) {
  return mailbox.filter((m) => m.to.includes(address)).map((m) => JSON.stringify(m.subject));
}

// The properties of an iCalendar text (lines unfolded): name → list of values.
function icsProperties(text) {
  const props = {};
  for (const line of text.replace(/\r?\n[ \t]/g, '').split(/\r?\n/)) {
    const m = line.match(/^([A-Z-]+)(?:;[^:]*)?:(.*)$/);
    if (m) (props[m[1]] ||= []).push(m[2]);
  }
  return props;
}

// A later sign-in of a staff account enrolled earlier in the run: password, then a TOTP code
// at the second-factor step. Falls back to the first sign-in (with enrolment) when the account
// was not enrolled yet. Returns true when the account is signed in.
async function signInStaffAgain(page, base, lang, email, who) {
  if (!staffKeys.has(email)) return signInStaffFirstTime(page, base, lang, email, who);
  let signedIn = false;
  await check(`support: ${who} (${email}) signs in again on /${lang}/sign-in with a TOTP code`, async () => {
    await submitSignIn(page, base, lang, email, DEMO_PASSWORD);
    const step = `/${lang}/sign-in/second-factor`;
    if (new URL(page.url()).pathname !== step) return [`landed on ${page.url()}, expected ${step}`];
    await page.fill('#code', totp(staffKeys.get(email)));
    const response = await submitForm(page, VERIFY_BUTTON);
    const problems = [];
    signedIn = (await page.locator(SIGN_OUT_BUTTON).count()) === 1 && !new URL(page.url()).pathname.includes('/sign-in');
    if (!signedIn) problems.push(`landed on ${page.url()} (HTTP ${response.status()}): not signed in`);
    problems.push(...hygieneProblems());
    return problems;
  });
  return signedIn;
}

// Problems of the labels of a form: every label[for] names a control, every visible control
// has a label.
async function labelProblems(page, formSelector) {
  return page.locator(formSelector).evaluateAll((forms) => {
    const problems = [];
    for (const form of forms) {
      for (const label of form.querySelectorAll('label[for]')) {
        const target = document.getElementById(label.htmlFor);
        if (!target || !target.matches('input, select, textarea')) {
          const ids = label.closest('.field') ? [...label.closest('.field').querySelectorAll('input, select, textarea')].map((c) => `#${c.id}`) : [];
          problems.push(
            `<label for="${label.htmlFor}"> ("${label.textContent.trim()}") names no form control${ids.length ? `; the control next to it is ${ids.join(', ')}` : ''}`,
          );
        }
      }
      for (const control of form.querySelectorAll('input:not([type=hidden]), select, textarea')) {
        if (control.closest('[aria-hidden=true]')) continue;
        if (!control.labels || control.labels.length === 0) problems.push(`${control.tagName.toLowerCase()}#${control.id} (name=${control.name}) has no <label>`);
      }
    }
    return problems;
  });
}

// a. An anonymous visitor: the offer page's button, the LIVC-R setup form, "check your email";
// then the question form sent empty.
async function supportVisitor(page, base) {
  const v = SUPPORT.visitor;
  const lang = v.lang;
  const formPath = `/${lang}/request/livcr-setup`;
  const sendButton = (p) => `main form[action="${p}"] button[type=submit]`;
  await check(`support: the button of /${lang}/offer/livc-r leads an anonymous visitor to ${formPath}`, async () => {
    await goto(page, `${base}/${lang}/offer/livc-r`);
    const link = `main a.button[href="${formPath}"]`;
    if ((await page.locator(link).count()) !== 1) return [`no single ${link} on /${lang}/offer/livc-r`];
    const response = await submitForm(page, link);
    const problems = [];
    if (new URL(page.url()).pathname !== formPath) problems.push(`landed on ${page.url()}`);
    if (response.status() !== 200) problems.push(`HTTP ${response.status()}, expected 200`);
    if ((await page.locator('main input#municipalities[name=municipality_text]').count()) !== 1) {
      problems.push('no text field #municipalities (name=municipality_text): not the form of a visitor');
    }
    if ((await page.locator(SIGN_OUT_BUTTON).count()) !== 0) problems.push('the visitor context is signed in');
    problems.push(...hygieneProblems());
    return problems;
  });
  await check(`[${lang}] support: the labels of ${formPath} name their fields`, async () => {
    if (new URL(page.url()).pathname !== formPath) await goto(page, `${base}${formPath}`);
    return labelProblems(page, `main form[action="${formPath}"]`);
  });

  let response = null;
  let loadError = null;
  try {
    if (new URL(page.url()).pathname !== formPath) await goto(page, `${base}${formPath}`);
    await page.fill('#municipalities', v.municipality);
    await page.fill('#name', v.name);
    await page.fill('#email', v.email);
    await page.fill('#organisation', v.organisation);
    await page.check('#situation-preparation');
    await page.check(`#meeting_language-${lang}`);
    await page.check('#participants-police');
    await page.check('#participants-prevention');
    response = await submitForm(page, sendButton(formPath));
  } catch (err) {
    loadError = errorText(err);
  }
  await check(`[${lang}] support: a visitor sends ${formPath} for "${v.municipality}" and is asked to confirm the address`, async () => {
    if (loadError) return [`sending failed: ${loadError}`];
    const problems = [];
    if (response.status() !== 200) problems.push(`HTTP ${response.status()}, expected 200`);
    const error = await textOf(page, 'main .error-summary');
    if (error) problems.push(`error shown: ${error}`);
    const shown = squash(await textOf(page, 'main .success'));
    const expected = squash(ftl(lang, 'support.ftl', 'support-check-email'));
    if (!shown) problems.push('no single .success message');
    else if (expected && !shown.includes(expected)) problems.push(`the message reads "${shown}", expected "${expected}"`);
    problems.push(...hygieneProblems());
    return problems;
  });
  if (!loadError) {
    // The answer is a redirect to its own page, so that reloading it sends nothing again.
    await auditShownPage(page, `[${lang}] support: "check your email" after sending ${formPath}`, {
      url: `${base}${formPath}`,
      response,
      lang,
      statuses: [200],
      expectSelector: 'main .success',
      expectPath: `/${lang}/request/sent`,
    });
  }

  // The question form sent empty: 422 and a summary whose links lead to the fields.
  const questionPath = '/nl/request/question';
  response = null;
  loadError = null;
  try {
    await goto(page, `${base}${questionPath}`);
    response = await submitForm(page, sendButton(questionPath));
  } catch (err) {
    loadError = errorText(err);
  }
  const fields = ['municipalities', 'name', 'email', 'category', 'message'];
  await auditShownPage(page, `[nl] support: ${questionPath} sent empty`, {
    url: `${base}${questionPath}`,
    response,
    loadError,
    lang: 'nl',
    statuses: [422],
    expectSelector: ['main .error-summary', ...fields.map((f) => `main .error-summary a[href="#${f}"]`)],
  });
  if (!loadError) {
    await check(`[nl] support: every link of the error summary on ${questionPath} leads to a field`, async () => {
      const hrefs = await page.locator('main .error-summary a[href^="#"]').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
      if (!hrefs.length) return ['the error summary has no links to fields'];
      const problems = [];
      for (const href of hrefs) {
        const target = await page.evaluate((id) => {
          const el = document.getElementById(id);
          return el ? el.tagName.toLowerCase() : null;
        }, href.slice(1));
        if (!target) problems.push(`${href} leads nowhere: no element with that id`);
        else if (!['input', 'select', 'textarea', 'fieldset'].includes(target)) problems.push(`${href} leads to a <${target}>, not to a field`);
      }
      return problems;
    });
  }

  // A municipality that does not exist: refused, and everything typed is kept.
  await check(`[nl] support: ${questionPath} with an unknown municipality is refused and keeps what was typed`, async () => {
    await goto(page, `${base}${questionPath}`);
    const typed = {
      '#municipalities': 'Nergenshuizen-aan-Zee',
      '#name': v.name,
      '#email': v.email,
      '#organisation': v.organisation,
      '#message': 'Bestaat er een modelreglement voor een LIVC-R? (browsertest)',
    };
    for (const [sel, text] of Object.entries(typed)) await page.fill(sel, text);
    await page.selectOption('#category', 'livcr');
    const res = await submitForm(page, sendButton(questionPath));
    const problems = [];
    if (res.status() !== 422) problems.push(`HTTP ${res.status()}, expected 422`);
    const links = await page.locator('main .error-summary a').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
    if (links.join(' ') !== '#municipalities') problems.push(`the error summary links to ${JSON.stringify(links)}, expected only #municipalities`);
    for (const [sel, text] of Object.entries(typed)) {
      const kept = await page.inputValue(sel).catch(() => null);
      if (kept !== text) problems.push(`${sel} is ${JSON.stringify(kept)} again, ${JSON.stringify(text)} was typed`);
    }
    if ((await page.inputValue('#category')) !== 'livcr') problems.push(`#category is "${await page.inputValue('#category')}" again, "livcr" was chosen`);
    const described = (await page.getAttribute('#municipalities', 'aria-describedby')) || '';
    if (!described.split(/\s+/).includes('municipality-error')) problems.push(`#municipalities has aria-describedby="${described}", without its error message`);
    problems.push(...hygieneProblems({ allowDocumentStatus: true, pageUrl: `${base}${questionPath}` }));
    return problems;
  });
  await journeyNarrowViewport(page, base, [formPath, questionPath]);
}

// b. A member of a demo municipality asks for help to set up an LIVC-R from "my requests" and
// receives the acknowledgement. Returns { id, reference }, or null when the request could not
// be sent.
async function supportMemberAsks(page, base, run) {
  const { lang } = run;
  const listPath = `/${lang}/my-requests`;
  const listLink = `nav.account-nav a[href="${listPath}"]`;
  const expectedLabel = ftl(lang, 'support.ftl', 'nav-my-requests');
  await check(`[${lang}] support: ${run.member} signs in on /${lang}/sign-in; the header offers "${expectedLabel}"`, async () => {
    await submitSignIn(page, base, lang, run.member, DEMO_PASSWORD);
    if (new URL(page.url()).pathname.startsWith(`/${lang}/sign-in`)) return [`still on ${page.url()} after signing in`];
    const problems = [];
    if (!expectedLabel) problems.push(`nav-my-requests not found in locales/${lang}/support.ftl`);
    const text = await textOf(page, listLink);
    if (text === null) problems.push(`no single ${listLink} in the header`);
    else if (text !== expectedLabel) problems.push(`the account link reads "${text}", expected "${expectedLabel}"`);
    problems.push(...hygieneProblems());
    return problems;
  });
  let response = null;
  let loadError = null;
  try {
    response = await submitForm(page, listLink);
  } catch (err) {
    loadError = errorText(err);
  }
  const formPath = `/${lang}/request/livcr-setup`;
  await auditShownPage(page, `[${lang}] support: ${listPath} (municipal, ${run.member})`, {
    url: `${base}${listPath}`,
    response,
    loadError,
    lang,
    statuses: [200],
    expectSelector: `main a[href="${formPath}"]`,
  });
  if (loadError) return null;

  response = null;
  try {
    response = await submitForm(page, `main a[href="${formPath}"]`);
  } catch (err) {
    loadError = errorText(err);
  }
  const box = `input[name=municipalities][value="${run.nis}"]`;
  await auditShownPage(page, `[${lang}] support: ${formPath} for a member of ${run.names[0]}`, {
    url: `${base}${formPath}`,
    response,
    loadError,
    lang,
    statuses: [200],
    expectSelector: [`fieldset#municipalities ${box}[type=checkbox]`, '#situation-preparation', `#meeting_language-${lang}`],
  });
  if (loadError) return null;
  await check(`[${lang}] support: ${formPath} offers the checkbox of ${run.names[0]} (checked) and asks no visitor details`, async () => {
    const problems = [];
    if ((await page.locator(box).count()) === 1 && !(await page.isChecked(box))) problems.push(`${box} is not checked by default`);
    for (const sel of ['input[name=municipality_text]', 'input#name', 'input#email']) {
      if ((await page.locator(sel).count()) !== 0) problems.push(`a signed-in member is asked for ${sel}`);
    }
    problems.push(...(await labelProblems(page, `main form[action="${formPath}"]`)));
    return problems;
  });

  let req = null;
  response = null;
  loadError = null;
  try {
    // An account with several municipalities asks for one of them.
    for (const other of await page.locator(`input[name=municipalities]:not([value="${run.nis}"])`).all()) await other.uncheck();
    await page.check(box);
    await page.check('#situation-preparation');
    await page.check(`#meeting_language-${lang}`);
    await page.check('#participants-police');
    await page.check('#participants-prevention');
    await page.fill('#questions', run.questions);
    response = await submitForm(page, `main form[action="${formPath}"] button[type=submit]`);
  } catch (err) {
    loadError = errorText(err);
  }
  await check(`[${lang}] support: the request of ${run.names[0]} is sent and shown at /${lang}/my-requests/{id}?sent=1 with a success notice`, async () => {
    if (loadError) return [`sending failed: ${loadError}`];
    const problems = [];
    const u = new URL(page.url());
    const m = u.pathname.match(new RegExp(`^/${lang}/my-requests/(\\d+)$`));
    if (!m || u.searchParams.get('sent') !== '1') problems.push(`landed on ${page.url()} (HTTP ${response.status()}), expected /${lang}/my-requests/{id}?sent=1`);
    const error = await textOf(page, 'main .error-summary');
    if (error) problems.push(`error shown: ${error}`);
    if ((await page.locator('main .success').count()) !== 1) problems.push('no single .success notice');
    const heading = squash(await textOf(page, 'main h1'));
    const reference = (heading.match(/(\S+)$/) || [])[1] || '';
    const facts = squash(await textOf(page, 'main dl.facts'));
    if (!run.names.some((n) => facts.includes(n))) problems.push(`the facts do not name ${run.names.join(' / ')}: "${facts.slice(0, 200)}"`);
    if (!facts.includes(run.questions)) problems.push('the facts do not show the question that was typed');
    if (m && reference) req = { id: m[1], reference };
    else if (m) problems.push(`no reference in the heading "${heading}"`);
    problems.push(...hygieneProblems());
    return problems;
  });
  if (!req) return null;
  await auditShownPage(page, `[${lang}] support: request sent /${lang}/my-requests/${req.id}?sent=1`, {
    url: `${base}/${lang}/my-requests/${req.id}`,
    response,
    lang,
    statuses: [200],
    expectSelector: ['main .success', 'main dl.facts', '#body'],
  });
  await checkPage(page, base, lang, {
    name: 'support: my requests with the new request',
    path: listPath,
    status: 200,
    expectSelector: `main table a[href="/${lang}/my-requests/${req.id}"]`,
  });
  const stateNew = ftl(lang, 'support.ftl', 'support-state-new');
  await check(`[${lang}] support: ${listPath} lists ${req.reference} as "${stateNew}"`, async () => {
    const row = await textOf(page, `main table tbody tr:has(a[href="/${lang}/my-requests/${req.id}"])`);
    if (row === null) return [`no single row for /${lang}/my-requests/${req.id}`];
    const problems = [];
    if (!row.includes(req.reference)) problems.push(`the row reads "${row}", without the reference ${req.reference}`);
    if (!stateNew) problems.push(`support-state-new not found in locales/${lang}/support.ftl`);
    else if (!row.includes(stateNew)) problems.push(`the row reads "${row}", expected the state "${stateNew}"`);
    return problems;
  });

  // The acknowledgement goes out in the language of the request (the page's), with the
  // reference and the link to follow the request.
  await check(`[${lang}] support: the acknowledgement of ${req.reference} reaches ${run.member} in "${lang}" with the reference and a link to /${lang}/my-requests/${req.id}`, async () => {
    const subject = ftlPattern(lang, 'email.ftl', 'email-support-received-subject');
    if (!subject) return [`email-support-received-subject not found in locales/${lang}/email.ftl`];
    const mail = await waitForMail(run.member, (m) => subject.test(m.subject) && m.subject.includes(req.reference));
    if (!mail) return [`no email matching ${subject} with ${req.reference} reached ${run.member} within ${MAIL_TIMEOUT_MS / 1000} s (received: ${mailsTo(run.member).join(', ') || 'nothing'})`];
    const problems = [];
    if (!mail.text.includes(req.reference)) problems.push('the text does not give the reference');
    if (!mail.text.includes(`/${lang}/my-requests/${req.id}`)) problems.push(`the text has no link to /${lang}/my-requests/${req.id}: ${mail.text.slice(0, 300)}`);
    if (!mail.html.includes(`lang="${lang}"`)) problems.push(`the HTML part is not marked lang="${lang}"`);
    return problems;
  });
  return req;
}

// The administrator gives the advisor a portfolio of the three regions (on the accounts page),
// so that it is suggested for every request of the support runs.
async function journeyPortfolio(page, base) {
  await check(`journey: the administrator sets the portfolio of ${ADVISOR_NAME} to "${ADVISOR_PORTFOLIO}" on /nl/admin/accounts`, async () => {
    await goto(page, `${base}/nl/admin/accounts`);
    const row = page.locator('main table tbody tr', { hasText: DEMO.advisor });
    if ((await row.count()) !== 1) return [`no single row for ${DEMO.advisor} in the account table`];
    const form = row.locator('form[action$="/portfolio"]');
    if ((await form.count()) !== 1) return [`the row of ${DEMO.advisor} has no portfolio form`];
    const input = form.locator('input[name=portfolio]');
    const id = await input.getAttribute('id');
    await input.fill(ADVISOR_PORTFOLIO);
    const response = await submitForm(page, `main form[action$="/portfolio"]:has(#${id}) button[type=submit]`);
    const problems = [];
    if (response.status() !== 200) problems.push(`HTTP ${response.status()}, expected 200`);
    const error = await textOf(page, 'main .error-summary');
    if (error) problems.push(`error shown: ${error}`);
    const saved = ftl('nl', 'admin.ftl', 'admin-portfolio-saved');
    const notice = squash(await textOf(page, 'main .success'));
    if (!notice) problems.push('no single .success notice');
    else if (saved && !notice.includes(saved)) problems.push(`the notice reads "${notice}", expected "${saved}"`);
    const kept = (await page.inputValue(`#${id}`).catch(() => '')).split(/[\s,;]+/).filter(Boolean).sort().join(' ');
    const want = ADVISOR_PORTFOLIO.split(' ').sort().join(' ');
    if (kept !== want) problems.push(`the portfolio field now reads "${kept}", expected "${want}"`);
    problems.push(...hygieneProblems());
    return problems;
  });
}

// c. The advisor (signed in already) handles the request in the run's language: team view,
// the full list of unassigned requests, the suggested advisor and the assignment, a meeting
// today with its invitation (.ics), its report and a follow-up action due today, the
// municipality file, calendar feeds. Returns what the reminder check needs, or null.
async function supportAdvisorHandles(page, base, run, req) {
  const { lang } = run;
  const requestPath = `/${lang}/support/${req.id}`;
  const listPath = `/${lang}/support/requests/unassigned`;
  await checkPage(page, base, lang, {
    name: 'support: team view (advisor)',
    path: `/${lang}/support`,
    status: 200,
    expectSelector: [
      `nav.account-nav a[href="/${lang}/support"]`,
      'main section[aria-labelledby=by-state] li',
      'main section[aria-labelledby=by-region] li',
      'main section[aria-labelledby=by-kind] li',
      'main table:has(caption#unassigned-list-caption)',
    ],
  });
  await check(`[${lang}] support: the team view lists ${req.reference} as unassigned (or links to the full list) and counts it`, async () => {
    const problems = [];
    // The team view shows the newest rows of each list; a longer list links to all of them.
    const inTable = await page.locator(`main table:has(caption#unassigned-list-caption) a[href="${requestPath}"]`).count();
    const more = await page.locator(`main a[href="${listPath}"]`).count();
    if (inTable !== 1 && more !== 1) problems.push(`${req.reference} is not in the table of unassigned requests, and there is no link to ${listPath}`);
    const newLabel = ftl(lang, 'support.ftl', 'support-state-new');
    const counts = await page.locator('main section[aria-labelledby=by-state] li').allTextContents();
    const line = counts.map(squash).find((c) => c.startsWith(`${newLabel}:`));
    if (!line) problems.push(`no count for "${newLabel}" in ${JSON.stringify(counts.map(squash))}`);
    else if (!(Number(line.split(':').pop()) >= 1)) problems.push(`the count reads "${line}", expected at least 1`);
    for (const title of ['support-upcoming-title', 'support-my-actions-title', 'support-overdue-title', 'support-unassigned-title']) {
      const text = ftl(lang, 'support.ftl', title) || ftl(lang, 'meetings.ftl', title);
      if (!text) problems.push(`${title} not found in locales/${lang}/support.ftl or meetings.ftl`);
      else if ((await page.locator('main h2', { hasText: text }).count()) !== 1) problems.push(`no heading "${text}"`);
    }
    return problems;
  });
  await checkPage(page, base, lang, {
    name: 'support: full list of unassigned requests',
    path: listPath,
    status: 200,
    expectSelector: [`main table:has(caption#unassigned-list-caption) a[href="${requestPath}"]`, `main a[href="/${lang}/support#unassigned"]`],
  });

  let response = null;
  let loadError = null;
  try {
    response = await submitForm(page, `main table:has(caption#unassigned-list-caption) a[href="${requestPath}"]`);
  } catch (err) {
    loadError = errorText(err);
  }
  await auditShownPage(page, `[${lang}] support: request ${requestPath} (advisor)`, {
    url: `${base}${requestPath}`,
    response,
    loadError,
    lang,
    statuses: [200],
    expectSelector: ['#advisor', 'main button[name=action][value=assign]', `main a[href="${requestPath}/meeting"]`],
  });
  if (loadError) return null;

  // The suggestion: the advisor, whose portfolio holds the municipality; each candidate says
  // why (the language reason only for staff who speak the request's language).
  let suggestedValue = '';
  await check(`[${lang}] support: ${requestPath} suggests ${ADVISOR_NAME} (portfolio) and preselects it`, async () => {
    const suggested = ftl(lang, 'support.ftl', 'support-suggested');
    const portfolio = ftl(lang, 'support.ftl', 'support-reason-portfolio');
    const speaks = ftl(lang, 'support.ftl', 'support-reason-language');
    if (!suggested || !portfolio || !speaks) return [`support-suggested / support-reason-* not found in locales/${lang}/support.ftl`];
    const options = await page.locator('#advisor option').evaluateAll((os) => os.map((o) => ({ value: o.value, label: o.textContent, selected: o.selected })));
    const problems = [];
    const marked = options.filter((o) => squash(o.label).includes(` — ${suggested}`));
    if (marked.length !== 1) return [`${marked.length} options marked "${suggested}", expected 1: ${options.map((o) => squash(o.label)).join(' | ')}`];
    const [pick] = marked;
    const label = squash(pick.label);
    if (!label.startsWith(ADVISOR_NAME)) problems.push(`the suggestion is "${label}", expected ${ADVISOR_NAME}`);
    if (!label.includes(portfolio)) problems.push(`the suggestion "${label}" does not give the reason "${portfolio}"`);
    if (!pick.selected) problems.push(`the suggestion "${label}" is not preselected`);
    for (const o of options) {
      const text = squash(o.label);
      const name = Object.keys(STAFF_LANGUAGES).find((n) => text.startsWith(n));
      if (!name) continue;
      const shouldSpeak = STAFF_LANGUAGES[name] === lang;
      if (text.includes(speaks) !== shouldSpeak) problems.push(`"${text}" ${shouldSpeak ? 'does not say' : 'says'} "${speaks}" (account language ${STAFF_LANGUAGES[name]})`);
    }
    suggestedValue = pick.value;
    return problems;
  });
  if (!suggestedValue) return null;

  let assigned = false;
  await check(`[${lang}] support: the advisor assigns ${req.reference} to the suggested advisor (itself)`, async () => {
    await page.selectOption('#advisor', suggestedValue);
    const res = await submitForm(page, 'main button[name=action][value=assign]');
    const problems = [];
    if (res.status() !== 200) problems.push(`HTTP ${res.status()}, expected 200`);
    if (new URL(page.url()).pathname !== requestPath) problems.push(`landed on ${page.url()}`);
    const error = await textOf(page, 'main .error-summary');
    if (error) problems.push(`error shown: ${error}`);
    if ((await page.locator('main .success').count()) !== 1) problems.push('no single .success notice');
    const facts = squash(await page.locator('main').textContent());
    if (!facts.includes(ADVISOR_NAME)) problems.push('the page does not name the assigned advisor');
    const state = ftl(lang, 'support.ftl', 'support-state-assigned');
    if (state && !facts.includes(state)) problems.push(`the state does not read "${state}"`);
    assigned = (await page.locator('main .success').count()) === 1;
    problems.push(...hygieneProblems());
    return problems;
  });
  if (!assigned) return null;

  const planPath = `${requestPath}/meeting`;
  response = null;
  try {
    response = await submitForm(page, `main a[href="${planPath}"]`);
  } catch (err) {
    loadError = errorText(err);
  }
  await auditShownPage(page, `[${lang}] support: plan a meeting ${planPath}`, {
    url: `${base}${planPath}`,
    response,
    loadError,
    lang,
    statuses: [200],
    expectSelector: ['#kind', '#date', '#start', '#end', '#place', 'input[name=staff]'],
  });
  if (loadError) return null;

  const slot = await meetingSlotToday();
  let meetingPath = '';
  await check(`[${lang}] support: a meeting today (${slot.date}) ${slot.start}–${slot.end} is planned and opens at /${lang}/support/meetings/{id}`, async () => {
    await page.fill('#date', slot.date);
    await page.fill('#start', slot.start);
    await page.fill('#end', slot.end);
    if ((await page.locator('input[name=staff]:checked').count()) === 0) await page.locator('input[name=staff]').first().check();
    const place = await page.inputValue('#place');
    const res = await submitForm(page, `main form[action="${planPath}"] button[type=submit]`);
    response = res;
    const problems = [];
    const m = new URL(page.url()).pathname.match(new RegExp(`^/${lang}/support/meetings/(\\d+)$`));
    if (!m) {
      problems.push(`landed on ${page.url()} (HTTP ${res.status()}), expected /${lang}/support/meetings/{id} (place ${place})`);
      const error = await textOf(page, 'main .error-summary');
      if (error) problems.push(`error shown: ${error}`);
      return problems;
    }
    meetingPath = m[0];
    if (res.status() !== 200) problems.push(`HTTP ${res.status()}, expected 200`);
    const staff = squash(await page.locator('main dl.facts').textContent());
    if (!staff.includes(ADVISOR_NAME)) problems.push(`the meeting facts do not name the advisor: "${staff}"`);
    if ((await page.locator(`main .breadcrumb a[href="${requestPath}"]`).count()) !== 1) problems.push(`no breadcrumb link back to ${requestPath}`);
    problems.push(...hygieneProblems());
    return problems;
  });
  if (!meetingPath) return null;
  const meetingId = meetingPath.split('/').pop();
  const meetingControls = async () => {
    const counts = {};
    for (const step of ['change', 'cancel']) counts[step] = await page.locator(`main a[href="${meetingPath}/${step}"]`).count();
    return counts;
  };
  await check(`[${lang}] support: ${meetingPath} offers to change and to cancel the meeting before it takes place`, async () => {
    const problems = [];
    for (const [step, count] of Object.entries(await meetingControls())) {
      if (count !== 1) problems.push(`${count} links to ${meetingPath}/${step}, expected 1`);
    }
    return problems;
  });
  await auditShownPage(page, `[${lang}] support: meeting ${meetingPath} just planned`, {
    url: `${base}${meetingPath}`,
    response,
    lang,
    statuses: [200],
    expectSelector: ['#participant_role_0', '#participant_organisation_0', '#topic-legal-framework', '#report', '#description', '#due_on'],
  });

  // The invitation: to the requester in the language of the request, to the advisor in the
  // language of its account, each with the same invitation.ics (METHOD:REQUEST, one UID).
  let uid = '';
  const start = brusselsToUtcStamp(slot.date, slot.start);
  const invitations = [
    { to: run.member, lang, who: 'the requester' },
    { to: DEMO.advisor, lang: STAFF_LANGUAGES[ADVISOR_NAME], who: 'the advisor' },
  ];
  for (const inv of invitations) {
    await check(`[${lang}] support: the invitation to ${inv.to} (${inv.who}) is in "${inv.lang}" with invitation.ics (METHOD:REQUEST, the meeting's UID, DTSTART ${start})`, async () => {
      const subject = ftlPattern(inv.lang, 'email.ftl', 'email-support-invitation-subject');
      if (!subject) return [`email-support-invitation-subject not found in locales/${inv.lang}/email.ftl`];
      const mail = await waitForMail(inv.to, (m) => subject.test(m.subject) && m.subject.includes(req.reference));
      if (!mail) return [`no email matching ${subject} with ${req.reference} reached ${inv.to} within ${MAIL_TIMEOUT_MS / 1000} s (received: ${mailsTo(inv.to).join(', ') || 'nothing'})`];
      const problems = [];
      if (!mail.subject.includes(slot.start)) problems.push(`the subject "${mail.subject}" does not give the start ${slot.start}`);
      if (!mail.html.includes(`lang="${inv.lang}"`)) problems.push(`the HTML part is not marked lang="${inv.lang}"`);
      const ics = mail.attachments.find((a) => a.name === 'invitation.ics');
      if (!ics) return [...problems, `no invitation.ics attached (attachments: ${mail.attachments.map((a) => a.name).join(', ') || 'none'})`];
      if (!/^text\/calendar/i.test(ics.type) || !/method=REQUEST/i.test(ics.type)) problems.push(`invitation.ics has the type "${ics.type}", expected text/calendar; method=REQUEST`);
      const props = icsProperties(ics.text);
      if ((props.METHOD || []).join() !== 'REQUEST') problems.push(`METHOD is ${JSON.stringify(props.METHOD)}, expected REQUEST`);
      if ((props.UID || []).length !== 1 || !props.UID[0]) problems.push(`UID is ${JSON.stringify(props.UID)}, expected one`);
      else if (uid && props.UID[0] !== uid) problems.push(`UID ${props.UID[0]} differs from the other invitation's ${uid}`);
      else uid = props.UID[0];
      if ((props.DTSTART || []).join() !== start) problems.push(`DTSTART is ${JSON.stringify(props.DTSTART)}, expected ${start}`);
      return problems;
    });
  }

  await check(`[${lang}] support: the report of ${meetingPath} is saved and shown again`, async () => {
    await page.selectOption('#participant_role_0', 'prevention');
    await page.fill('#participant_organisation_0', run.participantOrganisation);
    await page.check('#topic-legal-framework');
    await page.fill('#report', run.report);
    const res = await submitForm(page, 'main button[name=action][value=report]');
    const problems = [];
    if (res.status() !== 200) problems.push(`HTTP ${res.status()}, expected 200`);
    const error = await textOf(page, 'main .error-summary');
    if (error) problems.push(`error shown: ${error}`);
    const saved = ftl(lang, 'support.ftl', 'support-report-saved') || ftl(lang, 'meetings.ftl', 'support-report-saved');
    const notice = squash(await textOf(page, 'main .success'));
    if (!notice) problems.push('no single .success notice');
    else if (saved && !notice.includes(squash(saved))) problems.push(`the notice reads "${notice}", expected "${saved}"`);
    if ((await page.inputValue('#report')) !== run.report) problems.push('#report does not show the saved text');
    if (!(await page.isChecked('#topic-legal-framework'))) problems.push('#topic-legal-framework is no longer checked');
    if ((await page.inputValue('#participant_role_0')) !== 'prevention') problems.push(`#participant_role_0 is "${await page.inputValue('#participant_role_0')}"`);
    if ((await page.inputValue('#participant_organisation_0')) !== run.participantOrganisation) problems.push('#participant_organisation_0 does not show the saved organisation');
    for (const [step, count] of Object.entries(await meetingControls())) {
      if (count !== 0) problems.push(`a meeting with a report still links to ${meetingPath}/${step}`);
    }
    problems.push(...hygieneProblems());
    return problems;
  });
  let actionAdded = false;
  await check(`[${lang}] support: a follow-up action for ${ADVISOR_NAME} due today (${slot.date}) is added to ${meetingPath}`, async () => {
    await page.fill('#description', run.action);
    const owners = await page.locator('#owner option').evaluateAll((os) => os.map((o) => ({ value: o.value, label: o.textContent })));
    const own = owners.find((o) => squash(o.label).startsWith(ADVISOR_NAME));
    if (!own) return [`no "${ADVISOR_NAME}" among the owners in #owner: ${owners.map((o) => squash(o.label)).join(' | ')}`];
    await page.selectOption('#owner', own.value);
    await page.fill('#due_on', slot.date);
    const res = await submitForm(page, 'main button[name=action][value=add_action]');
    response = res;
    const problems = [];
    if (res.status() !== 200) problems.push(`HTTP ${res.status()}, expected 200`);
    const error = await textOf(page, 'main .error-summary');
    if (error) problems.push(`error shown: ${error}`);
    if ((await page.locator('main .success').count()) !== 1) problems.push('no single .success notice');
    const listed = await page.locator('main ul.actions-list li', { hasText: run.action }).count();
    if (listed !== 1) problems.push(`the action is listed ${listed} times in ul.actions-list, expected once`);
    actionAdded = listed === 1;
    problems.push(...hygieneProblems());
    return problems;
  });
  await auditShownPage(page, `[${lang}] support: meeting ${meetingPath} with its report and an action`, {
    url: `${base}${meetingPath}`,
    response,
    lang,
    statuses: [200],
    expectSelector: ['main .success', 'main ul.actions-list li'],
  });

  const filePath = `/${lang}/support/municipalities/${run.nis}`;
  await checkPage(page, base, lang, {
    name: `support: municipality file of ${run.names[0]}`,
    path: filePath,
    status: 200,
    expectSelector: ['main section[aria-labelledby=file-requests]', 'main section[aria-labelledby=file-meetings]', 'main section[aria-labelledby=file-actions]'],
  });
  await check(`[${lang}] support: ${filePath} shows the request, the meeting with its report and the action`, async () => {
    const problems = [];
    if ((await page.locator(`main section[aria-labelledby=file-requests] a[href="${requestPath}"]`).count()) !== 1) problems.push(`no link to ${requestPath} among the requests`);
    const meetings = squash(await textOf(page, 'main section[aria-labelledby=file-meetings]'));
    if (!meetings.includes(run.report)) problems.push(`the meetings section does not show the report: "${meetings.slice(0, 200)}"`);
    if ((await page.locator(`main section[aria-labelledby=file-meetings] a[href="${meetingPath}"]`).count()) !== 1) problems.push(`no link to ${meetingPath}`);
    const actions = squash(await textOf(page, 'main section[aria-labelledby=file-actions]'));
    if (!actions.includes(run.action)) problems.push(`the actions section does not show the action: "${actions.slice(0, 200)}"`);
    return problems;
  });
  await check(`[${lang}] support: the team view now lists the meeting under "my meetings", the action under "my actions" and ${req.reference} under "mine"`, async () => {
    await goto(page, `${base}/${lang}/support`);
    const problems = [];
    const links = await page.locator(`main a[href="${meetingPath}"]`).allTextContents();
    if (!links.some((l) => l.includes(run.action))) problems.push(`no link to ${meetingPath} named after the action "${run.action}"`);
    if (links.filter((l) => !l.includes(run.action)).length !== 1) problems.push(`the upcoming meetings do not list ${meetingPath} once (links: ${JSON.stringify(links.map(squash))})`);
    const mine = await page.locator(`main table:has(caption#mine-list-caption) a[href="${requestPath}"]`).count();
    if (mine !== 1 && (await page.locator(`main a[href="/${lang}/support/requests/mine"]`).count()) !== 1) problems.push(`${req.reference} is not in the table of my requests`);
    if ((await page.locator(`main table:has(caption#unassigned-list-caption) a[href="${requestPath}"]`).count()) !== 0) problems.push(`${req.reference} is still in the table of unassigned requests`);
    problems.push(...hygieneProblems());
    return problems;
  });

  // Calendar feeds: the addresses are shown once; the personal feed holds the meeting, with
  // the UID of its invitation.
  const calendarPath = `/${lang}/support/calendar`;
  await checkPage(page, base, lang, {
    name: 'support: calendar feeds',
    path: calendarPath,
    status: 200,
    expectSelector: `main form[action="${calendarPath}"] button[type=submit]`,
  });
  let feeds = [];
  response = null;
  loadError = null;
  try {
    response = await submitForm(page, `main form[action="${calendarPath}"] button[type=submit]`);
  } catch (err) {
    loadError = errorText(err);
  }
  await check(`[${lang}] support: creating calendar feeds shows two feed addresses`, async () => {
    if (loadError) return [`pressing the button failed: ${loadError}`];
    const problems = [];
    if (response.status() !== 200) problems.push(`HTTP ${response.status()}, expected 200`);
    feeds = (await page.locator('main dl code').allTextContents()).map((t) => t.trim());
    if (feeds.length !== 2) problems.push(`${feeds.length} addresses shown, expected 2`);
    for (const f of feeds) if (!f.startsWith(`${base}/calendar/`)) problems.push(`the address ${f} is not under ${base}/calendar/`);
    problems.push(...hygieneProblems());
    return problems;
  });
  if (!loadError) {
    await auditShownPage(page, `[${lang}] support: calendar feed addresses ${calendarPath}`, {
      url: `${base}${calendarPath}`,
      response,
      lang,
      statuses: [200],
      expectSelector: 'main dl code',
    });
  }
  if (feeds.length) {
    await check(`[${lang}] support: the first feed ${feeds[0].replace(/\/[^/]+$/, '/…')} is iCalendar with the meeting (its invitation's UID, DTSTART ${start})`, async () => {
      const res = await page.request.get(feeds[0], { timeout: NAV_TIMEOUT_MS });
      const body = await res.text();
      const problems = [];
      if (res.status() !== 200) problems.push(`HTTP ${res.status()}, expected 200`);
      const type = res.headers()['content-type'] || '';
      if (!type.startsWith('text/calendar')) problems.push(`Content-Type is "${type}", expected text/calendar`);
      if (!body.includes('BEGIN:VCALENDAR')) problems.push(`no BEGIN:VCALENDAR in the body: ${body.slice(0, 120)}`);
      const unfolded = body.replace(/\r?\n[ \t]/g, '');
      const events = unfolded.split('BEGIN:VEVENT').slice(1);
      if (!events.length) problems.push('no BEGIN:VEVENT in the body: the planned meeting is missing');
      if (!uid) problems.push('no UID was read from the invitation');
      else {
        const event = events.find((e) => e.includes(`\nUID:${uid}`) || e.includes(`UID:${uid}\r`) || e.includes(`UID:${uid}\n`));
        if (!event) problems.push(`no event with the invitation's UID ${uid} in the feed`);
        else if (!event.includes(`DTSTART:${start}`)) problems.push(`the event ${uid} does not start at ${start}`);
      }
      return problems;
    });
  }
  await journeyNarrowViewport(page, base, [`/${lang}/support`, listPath, requestPath, meetingPath, filePath]);
  return actionAdded ? { meetingId, meetingPath, date: slot.date } : null;
}

// d. The member sees the meeting planned and writes to the team.
async function supportMemberFollowsUp(page, base, run, req) {
  const { lang } = run;
  const path_ = `/${lang}/my-requests/${req.id}`;
  const scheduled = ftl(lang, 'support.ftl', 'support-state-scheduled');
  await check(`[${lang}] support: ${path_} shows ${run.member} the state "${scheduled}"`, async () => {
    const res = await goto(page, `${base}${path_}`);
    const problems = [];
    if (res.status() !== 200) problems.push(`HTTP ${res.status()}, expected 200`);
    if (new URL(page.url()).pathname !== path_) return [`ended on ${page.url()}`];
    const state = squash(await textOf(page, 'main dl.facts dd strong'));
    if (!scheduled) problems.push(`support-state-scheduled not found in locales/${lang}/support.ftl`);
    else if (state !== scheduled) problems.push(`the state reads "${state}", expected "${scheduled}"`);
    problems.push(...hygieneProblems());
    return problems;
  });
  let response = null;
  let loadError = null;
  try {
    await page.fill('#body', run.memberMessage);
    response = await submitForm(page, 'main button[name=action][value=message]');
  } catch (err) {
    loadError = errorText(err);
  }
  await check(`[${lang}] support: ${run.member} sends a message on ${path_}`, async () => {
    if (loadError) return [`sending failed: ${loadError}`];
    const problems = [];
    if (response.status() !== 200) problems.push(`HTTP ${response.status()}, expected 200`);
    const error = await textOf(page, 'main .error-summary');
    if (error) problems.push(`error shown: ${error}`);
    if ((await page.locator('main .success').count()) !== 1) problems.push('no single .success notice');
    if ((await page.locator('main ol.thread li', { hasText: run.memberMessage }).count()) !== 1) problems.push('the message is not in the conversation');
    if ((await page.inputValue('#body').catch(() => '')) !== '') problems.push('#body still holds the sent message');
    problems.push(...hygieneProblems());
    return problems;
  });
  if (!loadError) {
    await auditShownPage(page, `[${lang}] support: ${path_} after a message`, {
      url: `${base}${path_}`,
      response,
      lang,
      statuses: [200],
      expectSelector: ['main .success', 'main ol.thread li'],
    });
  }
  await journeyNarrowViewport(page, base, [`/${lang}/my-requests`, path_]);
  await journeySignOut(page, base, `/${lang}/my-requests`);
}

// e. The reminders of the actions due today. The server sends them from a background task
// that runs when it starts and then every 15 minutes, and the platform offers no other way to
// trigger them: the journey restarts the server on the same database and waits for each
// reminder to reach the action's owner, in the language of its account.
async function supportReminders(base, handled) {
  if (!handled.length) {
    record('support: reminders of the actions due today', ['skipped: no run added an action']);
    return false;
  }
  // Nothing reminded of these actions before: the first run of the task found nothing due.
  const before = mailbox.length;
  let restarted = false;
  await check('support: the server restarts on the same database (its reminder task runs at start)', async () => {
    await restartServer();
    restarted = true;
    return [];
  });
  if (!restarted) return false;
  const ownerLang = STAFF_LANGUAGES[ADVISOR_NAME];
  for (const { run, meetingId } of handled) {
    const link = `/${ownerLang}/support/meetings/${meetingId}`;
    await check(`[${run.lang}] support: the reminder of "${run.action}" (due today) reaches ${DEMO.advisor} in "${ownerLang}" with a link to ${link}`, async () => {
      const subject = ftlPattern(ownerLang, 'email.ftl', 'email-support-action-due-subject');
      if (!subject) return [`email-support-action-due-subject not found in locales/${ownerLang}/email.ftl`];
      const mail = await waitForMail(DEMO.advisor, (m) => subject.test(m.subject) && m.subject.includes(run.action), REMINDER_TIMEOUT_MS);
      if (!mail) return [`no email matching ${subject} naming "${run.action}" reached ${DEMO.advisor} within ${REMINDER_TIMEOUT_MS / 1000} s (received: ${mailsTo(DEMO.advisor).join(', ') || 'nothing'})`];
      const problems = [];
      if (mailbox.indexOf(mail) < before) problems.push('the reminder was sent before the restart, while the action was not due');
      if (!mail.text.includes(link)) problems.push(`the text has no link to ${link}: ${mail.text.slice(0, 300)}`);
      if (!mail.html.includes(`lang="${ownerLang}"`)) problems.push(`the HTML part is not marked lang="${ownerLang}"`);
      const copies = mailbox.filter((m) => m.to.includes(DEMO.advisor) && subject.test(m.subject) && m.subject.includes(run.action)).length;
      if (copies !== 1) problems.push(`${copies} reminders for this action, expected 1`);
      return problems;
    });
  }
  return true;
}

async function journeySupport(base) {
  console.log('\n== Support requests: a visitor, then per language a municipality and the Front-Office ==');
  let visitor = null;
  let member = null;
  let advisor = null;
  try {
    visitor = await newActorPage();
    await supportVisitor(visitor, base);
    await visitor.context().close();
    visitor = null;

    advisor = await newActorPage();
    const advisorIn = await signInStaffAgain(advisor, base, 'nl', DEMO.advisor, 'advisor');
    const handled = [];
    for (const run of SUPPORT_RUNS) {
      console.log(`\n== Support path in ${run.lang}: ${run.member} for ${run.names[0]} (${run.nis}) ==`);
      member = await newActorPage();
      const req = await supportMemberAsks(member, base, run);
      if (!req) {
        record(`[${run.lang}] support: Front-Office steps`, [`skipped: ${run.member} could not send its request`]);
      } else if (!advisorIn) {
        record(`[${run.lang}] support: Front-Office steps`, ['skipped: the advisor could not sign in']);
      } else {
        const done = await supportAdvisorHandles(advisor, base, run, req);
        if (done) {
          handled.push({ run, ...done });
          await supportMemberFollowsUp(member, base, run, req);
        } else {
          record(`[${run.lang}] support: the member follows up its request`, ['skipped: no meeting with an action was planned']);
        }
      }
      await member.context().close();
      member = null;
    }

    console.log('\n== Support: reminders of the actions due today ==');
    if (await supportReminders(base, handled)) {
      // The advisor's session outlives the restart; it signs out from the team view.
      if (advisorIn) await journeySignOut(advisor, base, '/nl/support');
    }
    if (handled.length !== SUPPORT_RUNS.length) {
      record('support: the whole path in every language', [`only ${handled.map((h) => h.run.lang).join(', ') || 'no language'} of ${LANGUAGES.join(', ')} got as far as an action`]);
    }
  } finally {
    for (const p of [visitor, member, advisor]) if (p) await p.context().close().catch(() => {});
  }
}

async function journeyNarrowViewport(page, base, paths = LANGUAGES.flatMap((lang) => [`/${lang}/`, `/${lang}/municipalities/21009`])) {
  await page.setViewportSize({ width: 360, height: 740 });
  try {
    for (const p of paths) {
      await check(`viewport 360x740: no horizontal scroll on ${p}`, async () => {
        await goto(page, `${base}${p}`);
        if (new URL(page.url()).pathname !== new URL(`${base}${p}`).pathname) {
          return [`${base}${p}: ended on ${page.url()} instead`];
        }
        const m = await page.evaluate(() => {
          const wide = [];
          const limit = document.documentElement.clientWidth;
          for (const el of document.querySelectorAll('body *')) {
            const r = el.getBoundingClientRect();
            if (r.right > limit + 1 && wide.length < 3) {
              let cur = el.parentElement;
              let clipped = false;
              // An absolutely positioned element escapes a scroll box that is not positioned
              // (for example a .visually-hidden label in a scrolled table cell).
              const escapes = getComputedStyle(el).position === 'absolute';
              while (cur && cur !== document.body) {
                const cs = getComputedStyle(cur);
                const ov = cs.overflowX;
                if ((ov === 'auto' || ov === 'scroll' || ov === 'hidden') && (!escapes || cs.position !== 'static')) clipped = true;
                cur = cur.parentElement;
              }
              if (!clipped) wide.push(`${el.tagName.toLowerCase()}${el.className ? '.' + String(el.className).split(' ').join('.') : ''} (right ${Math.round(r.right)})`);
            }
          }
          // Text can overflow an element that itself fits: a long word that does not break.
          const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
          for (let node = walker.nextNode(); node && wide.length < 3; node = walker.nextNode()) {
            const range = document.createRange();
            range.selectNodeContents(node);
            const r = range.getBoundingClientRect();
            if (r.right <= limit + 1 || !node.textContent.trim()) continue;
            let cur = node.parentElement;
            let clipped = false;
            while (cur && cur !== document.body) {
              const ov = getComputedStyle(cur).overflowX;
              if (ov === 'auto' || ov === 'scroll' || ov === 'hidden') clipped = true;
              cur = cur.parentElement;
            }
            if (!clipped) wide.push(`text "${node.textContent.trim().slice(0, 40)}" in ${node.parentElement.tagName.toLowerCase()} (right ${Math.round(r.right)})`);
          }
          return { scrollWidth: document.documentElement.scrollWidth, wide };
        });
        if (m.scrollWidth > 361) {
          return [`${base}${p}: scrollWidth ${m.scrollWidth} > 361${m.wide.length ? `; too wide: ${m.wide.join(', ')}` : ''}`];
        }
        return hygieneProblems().map((x) => `${base}${p}: ${x}`);
      });
    }
  } finally {
    await page.setViewportSize({ width: 1280, height: 800 });
  }
}

async function screenshots(
  page,
  base,
  shots = [
    ['/nl/', 'nl-home.png'],
    ['/en/municipalities/21009', 'en-municipality-21009.png'],
    ['/nl/cartography', 'nl-cartography.png'],
    ['/nl/request/livcr-setup', 'nl-request-livcr-setup.png'],
  ],
) {
  if (!SCREENSHOT_DIR) return;
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await page.setViewportSize({ width: 1280, height: 800 });
  for (const [p, file] of shots) {
    await goto(page, `${base}${p}`);
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, file), fullPage: true });
    console.log(`screenshot ${p} → ${path.join(SCREENSHOT_DIR, file)}`);
  }
}

// ---------------------------------------------------------------------------------------------

async function main() {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found (apt-get install chromium); no browser is downloaded`);
  axeSource = readFileSync(AXE_SOURCE_PATH, 'utf8');

  const base = await startServer();
  console.log(`radix serve is up at ${base} (pid ${child.pid}) on ${DATABASE_URL ? DATABASE_URL.replace(/\/\/[^@/]*@/, '//…@') : 'SQLite'}, mail to 127.0.0.1:${serverSetup.smtpPort}`);

  const profileDir = mkdtempSync(path.join(tmpdir(), 'radix-journeys-chromium-'));
  tempDirs.push(profileDir);
  context = await chromium.launchPersistentContext(profileDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1280, height: 800 },
    locale: 'en-GB',
    timeout: 60 * 1000,
  });
  context.setDefaultTimeout(NAV_TIMEOUT_MS);
  await listenForCsp(context);
  const page = context.pages()[0] || (await context.newPage());
  observe(page);

  // The public pages of two languages at a time, on the main page and a second one.
  if (PART === 'all') await sweepPublicPages(page, base);
  else console.log(`\n(JOURNEYS_PART=${PART}: the public pages in every language are left out)`);

  console.log('\n== Journeys ==');
  await journeyLanguageSwitch(page, base);
  await journeySearch(page, base);
  await journeyKeyboard(page, base);
  await journeysSignedIn(page, base);
  await journeyDoneMeans(base);
  await journeySupport(base);
  console.log('\n== Keyboard and narrow viewport ==');
  await journeySignInKeyboardOrder(page, base);
  await journeyNarrowViewport(page, base);
  await screenshots(page, base);
}

async function sweepPublicPages(page, base) {
  const second = await context.newPage();
  observe(second, newSlot());
  const queue = [...LANGUAGES];
  await Promise.all(
    [page, second].map((p) =>
      slotStore.run(slotOfPage.get(p), async () => {
        for (let lang = queue.shift(); lang; lang = queue.shift()) {
          const slot = observed();
          slot.lines = [];
          try {
            for (const spec of pagesFor(lang)) await checkPage(p, base, lang, spec);
          } finally {
            const lines = slot.lines;
            slot.lines = null;
            console.log(`\n== Pages in ${lang} ==`);
            for (const line of lines) console.log(line);
          }
        }
      }),
    ),
  );
  await second.close();
}

let fatal = null;
try {
  await main();
} catch (err) {
  fatal = `aborted: ${err && err.message ? err.message.split('\n')[0] : String(err)}`;
}
clearTimeout(globalTimer);
await closeBrowser();
await stopChild();
stopSmtpSink();
removeTempDirs();
finish(fatal);
process.exit(results.some((r) => !r.ok) ? 1 : 0);
