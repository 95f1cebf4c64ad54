import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { createExampleApp, type ExampleApp } from '../../example-app/app.js';

/**
 * The whole journey in a real browser: headless Chromium (Debian's
 * /usr/bin/chromium) driven by playwright-core against the example app, with
 * mail over real SMTP to the app's in-process server. axe-core checks every
 * page; a screenshot of each step goes to test-results/e2e/ (and, with
 * UPDATE_SCREENSHOTS=1, the README's images to docs/images/).
 */

const root = resolve(import.meta.dirname, '../..');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SHOTS = join(root, 'test-results', 'e2e');
const README_IMAGES = join(root, 'docs', 'images');
const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

const ADMIN = { email: 'admin@example.com', password: 'Ledger-velvet-canyon-42' };
const ALICE = { email: 'alice@example.com', password: 'tulip-harbor-lantern-7' };
const NEW_PASSWORD = 'juniper-compass-meadow-88';

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: Array<{ target: string[] }>;
}

describe('the reset journey in a real browser', () => {
  let example: ExampleApp;
  let server: http.Server;
  let base: string;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const cspViolations: string[] = [];
  /** True while axe-core runs: its own probes may touch inline styles, which is not the page's doing. */
  let instrumenting = false;
  const axeChecked: string[] = [];
  let step = 0;

  before(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(`${CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium)`);
    }
    mkdirSync(SHOTS, { recursive: true });
    example = await createExampleApp({
      host: '127.0.0.1',
      port: 0,
      baseUrl: 'http://127.0.0.1',
      seedFile: join(root, 'example-app', 'seed.json'),
      quiet: true,
      outboxWorker: false,
    });
    server = http.createServer(example.app);
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
        '--disable-quic',
      ],
    });
    context = await browser.newContext({ locale: 'en-US', viewport: { width: 1024, height: 800 } });
    page = await context.newPage();
    page.on('console', (message) => {
      if (!instrumenting && /Content[- ]Security[- ]Policy/i.test(message.text())) {
        cspViolations.push(`${page.url()} (step ${step}): ${message.text().slice(0, 90)}`);
      }
    });
  });

  after(async () => {
    await browser?.close();
    await new Promise<void>((done) => (server ? server.close(() => done()) : done()));
    await example?.close();
    console.log(`      axe-core checked ${axeChecked.length} pages: ${[...new Set(axeChecked)].join(', ')}`);
  });

  /** Saves a screenshot of the current page, and runs axe-core on it. */
  async function checkpoint(name: string, target: Page = page, readmeImage?: string): Promise<void> {
    step += 1;
    const file = join(SHOTS, `${String(step).padStart(2, '0')}-${name}.png`);
    await target.screenshot({ path: file, fullPage: true, caret: 'initial', animations: 'allow' });
    if (readmeImage && process.env.UPDATE_SCREENSHOTS === '1') {
      mkdirSync(README_IMAGES, { recursive: true });
      await target.screenshot({
        path: join(README_IMAGES, readmeImage),
        fullPage: true,
        caret: 'initial',
        animations: 'allow',
      });
    }
    // page.evaluate is not subject to the page's CSP, so axe runs without weakening it.
    instrumenting = true;
    await target.evaluate(axeSource);
    const violations = await target.evaluate(async () => {
      const axe = (
        globalThis as unknown as { axe: { run: (options: object) => Promise<{ violations: unknown[] }> } }
      ).axe;
      const result = await axe.run({ resultTypes: ['violations'] });
      return result.violations;
    });
    // A round trip after axe, so that its console messages arrive while they are still ignored.
    await target.evaluate(() => 0);
    instrumenting = false;
    const serious = (violations as AxeViolation[]).filter(
      (violation) => violation.impact === 'serious' || violation.impact === 'critical',
    );
    axeChecked.push(new URL(target.url()).pathname);
    assert.deepEqual(
      serious.map(
        (violation) =>
          `${violation.id}: ${violation.help} (${violation.nodes.map((n) => n.target.join(' ')).join('; ')})`,
      ),
      [],
      `axe-core found serious or critical problems on ${target.url()}`,
    );
  }

  async function signIn(who: { email: string; password: string }) {
    await page.goto(`${base}/auth/signin`);
    await page.getByLabel('Email address').fill(who.email);
    await page.getByLabel('Password', { exact: true }).fill(who.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
  }

  async function latestCode(address: string): Promise<string> {
    await example.idp.outbox.deliverDue();
    const response = await fetch(`${base}/dev/mail.json`);
    const { messages } = (await response.json()) as {
      messages: Array<{ to: string[]; text: string; subject: string }>;
    };
    const mail = messages.find(
      (message) => JSON.stringify(message.to).includes(address) && /\d{6}/.test(message.text),
    );
    assert.ok(mail, `no code mail for ${address}`);
    assert.doesNotMatch(mail.subject, /\d{6}/);
    const code = /(\d{6})/.exec(mail.text)?.[1];
    assert.ok(code);
    return code;
  }

  it('the sign-in page has no reset link while the policy is none', async () => {
    await page.goto(`${base}/auth/signin`);
    await assert.rejects(
      page.getByRole('link', { name: "Can't access your account?" }).waitFor({ timeout: 500 }),
    );
    await checkpoint('signin-policy-none');
  });

  it('an administrator signs in, sets the policy to All on the blade and signs out', async () => {
    await signIn(ADMIN);
    await page.waitForURL(`${base}/`);
    await page.goto(`${base}/auth/admin/password-reset`);
    await page.getByRole('heading', { name: 'Password reset' }).waitFor();
    await checkpoint('admin-blade', page, 'admin-blade.png');
    const group = page.getByRole('group', { name: 'Self service password reset enabled' });
    await group.getByLabel('All', { exact: true }).check();
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Your changes have been saved.').waitFor();
    await checkpoint('admin-blade-saved');
    assert.equal((await example.idp.policy.get()).enabled, 'all');
    await page.goto(`${base}/`);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(/\/auth\/signin/);
  });

  it('alice resets her password with the code from her mail, then signs in with it', async () => {
    await page.goto(`${base}/auth/signin`);
    await checkpoint('signin', page, 'signin.png');
    await page.getByRole('link', { name: "Can't access your account?" }).click();
    await page.waitForURL(`${base}/auth/reset`);
    await checkpoint('reset-start');
    await page.getByLabel('Email address').fill(ALICE.email);
    await page.getByRole('button', { name: 'Send verification code' }).click();
    await page.waitForURL(`${base}/auth/reset/verify`);
    await checkpoint('reset-code', page, 'reset-code.png');
    const code = await latestCode(ALICE.email);
    await page.getByLabel('Verification code').fill(`${code.slice(0, 3)} ${code.slice(3)}`);
    await page.getByRole('button', { name: 'Verify code' }).click();
    await page.waitForURL(`${base}/auth/reset/password`);
    await checkpoint('reset-new-password');
    await page.getByLabel('New password', { exact: true }).fill(NEW_PASSWORD);
    await page.getByLabel('Confirm new password').fill(NEW_PASSWORD);
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.waitForURL(/\/auth\/signin\?notice=reset/);
    await page.getByText('Your password has been changed').waitFor();
    await checkpoint('reset-done');
    await page.getByLabel('Email address').fill(ALICE.email);
    await page.getByLabel('Password', { exact: true }).fill(NEW_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${base}/`);
    await page.getByText('Alice Pilot').first().waitFor();
    await checkpoint('home-signed-in');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(/\/auth\/signin/);
  });

  it('her old password no longer works', async () => {
    await signIn(ALICE);
    await page.getByRole('alert').waitFor();
    assert.match((await page.getByRole('alert').textContent()) ?? '', /incorrect/);
    await checkpoint('old-password-refused');
    assert.match(page.url(), /\/auth\/signin$/);
  });

  it('a wrong code is announced beside the field', async () => {
    await page.goto(`${base}/auth/reset`);
    await page.getByLabel('Email address').fill('bob@example.com');
    await page.getByRole('button', { name: 'Send verification code' }).click();
    await page.getByLabel('Verification code').fill('000000');
    await page.getByRole('button', { name: 'Verify code' }).click();
    const field = page.getByLabel('Verification code');
    assert.equal(await field.getAttribute('aria-invalid'), 'true');
    await checkpoint('reset-wrong-code');
  });

  it('serves the pages in Spanish to a Spanish browser', async () => {
    const spanish = await browser.newContext({ locale: 'es-ES' });
    const es = await spanish.newPage();
    es.on('console', (message) => {
      if (!instrumenting && /Content[- ]Security[- ]Policy/i.test(message.text()))
        cspViolations.push(message.text());
    });
    await es.goto(`${base}/auth/signin`);
    assert.equal(await es.locator('html').getAttribute('lang'), 'es');
    await es.getByRole('button', { name: 'Iniciar sesión' }).waitFor();
    await checkpoint('signin-es', es);
    await es.getByRole('link', { name: '¿No puede acceder a su cuenta?' }).click();
    await es.getByRole('button', { name: 'Enviar código de verificación' }).waitFor();
    await checkpoint('reset-start-es', es);
    await spanish.close();
  });

  it('works under the strict Content-Security-Policy without a single violation', () => {
    assert.deepEqual(cspViolations, []);
  });
});
