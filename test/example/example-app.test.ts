/**
 * The example app, driven in-process with supertest the way Express tests its
 * own examples. Mail goes through real SMTP to the app's dev inbox; tests
 * deliver it with `idp.outbox.deliverDue()` instead of waiting for the worker.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import nodemailer from 'nodemailer';
import supertest from 'supertest';
import { createExampleApp, type DevMail, type ExampleApp, loadConfigFromEnv } from '../../example-app/app.js';
import type { ExampleConfig } from '../../example-app/config.js';
import { csrfFromPage } from '../support/app.js';
import { openMongo } from '../support/mongo.js';

const SEED_FILE = fileURLToPath(new URL('../../example-app/seed.json', import.meta.url));
const ADMIN = { email: 'admin@example.com', password: 'Ledger-velvet-canyon-42' };
const ALICE = { email: 'alice@example.com', password: 'tulip-harbor-lantern-7' };
const BOB = { email: 'bob@example.com', password: 'marble-kettle-orchard-19' };
const NEW_PASSWORD = 'quiet-meadow-compass-88';

type Agent = ReturnType<typeof supertest.agent>;

function testConfig(extra: Partial<ExampleConfig> = {}): ExampleConfig {
  return {
    host: '127.0.0.1',
    port: 0,
    baseUrl: 'http://127.0.0.1:3000',
    seedFile: SEED_FILE,
    secret: 'example-test-secret-0123456789-abcdefghijklmnop',
    sessionSecret: 'example-test-session-secret-0123456789',
    quiet: true,
    outboxWorker: false,
    ...extra,
  };
}

/** The value of the hidden `_csrf` field of a page. */
function csrfField(page: string): string {
  const token = csrfFromPage(page);
  assert.ok(token, 'the page has a _csrf field');
  return token;
}

/** Signs in through the HTML form, as a browser would. */
async function signInWithForm(agent: Agent, user: { email: string; password: string }, returnTo?: string) {
  const page = await agent.get(`/auth/signin${returnTo ? `?returnTo=${returnTo}` : ''}`).expect(200);
  return agent
    .post('/auth/signin')
    .type('form')
    .send({
      _csrf: csrfField(page.text),
      email: user.email,
      password: user.password,
      ...(returnTo ? { returnTo } : {}),
    });
}

/** Signs in through JSON: `GET /auth/csrf`, then `POST /auth/signin`. */
async function signInWithJson(agent: Agent, user: { email: string; password: string }) {
  const csrf = await agent.get('/auth/csrf').set('Accept', 'application/json').expect(200);
  return agent
    .post('/auth/signin')
    .set('x-csrf-token', (csrf.body as { csrfToken: string }).csrfToken)
    .send({ email: user.email, password: user.password });
}

function unescapeHtml(text: string): string {
  return text
    .replaceAll('&quot;', '"')
    .replaceAll('&#39;', "'")
    .replaceAll('&lt;', '<')
    .replaceAll('&gt;', '>')
    .replaceAll('&amp;', '&');
}

describe('example app (memory store, dev inbox)', () => {
  let example: ExampleApp;

  before(async () => {
    example = await createExampleApp(testConfig());
  });

  after(async () => {
    await example?.close();
  });

  it('answers GET /healthz with 200 {"status":"ok"} once created', async () => {
    const response = await supertest(example.app).get('/healthz').expect(200);
    assert.deepEqual(response.body, { status: 'ok' });
  });

  it('shows "Sign in" on the home page when signed out, with no session cookie', async () => {
    const response = await supertest(example.app).get('/').expect(200);
    assert.match(response.text, /<a class="sspr-button" href="\/auth\/signin">Sign in<\/a>/);
    assert.match(response.text, /href="\/auth\/reset"/);
    assert.match(response.text, /href="\/dev\/mail"/);
    assert.doesNotMatch(response.text, /<script/i);
    assert.equal(response.headers['set-cookie'], undefined);
    assert.match(String(response.headers['content-security-policy']), /script-src 'none'/);
  });

  it('seeds the demo accounts and the policy "none"', async () => {
    assert.equal(await example.idp.users.count(), 3);
    const admin = await example.idp.users.findByEmail(ADMIN.email);
    assert.equal(admin?.displayName, 'Ada Admin');
    assert.deepEqual(admin?.roles, ['admin']);
    const alice = await example.idp.users.findByEmail(ALICE.email);
    assert.equal(alice?.username, 'alice');
    assert.deepEqual(alice?.groups, ['pilot']);
    assert.equal((await example.idp.users.findByEmail(BOB.email))?.displayName, 'Bob Builder');
    assert.equal((await example.idp.policy.get()).enabled, 'none');
    assert.deepEqual(
      example.demoAccounts.map((account) => account.email),
      [ADMIN.email, ALICE.email, BOB.email],
    );
  });

  it('signs alice in through the form (303 to /) and then greets her; the sign-out form works', async () => {
    const agent = supertest.agent(example.app);
    const response = await signInWithForm(agent, ALICE);
    assert.equal(response.status, 303, response.text);
    assert.equal(response.headers.location, '/');

    const home = await agent.get('/').expect(200);
    assert.match(home.text, /Signed in as <strong>Alice Pilot<\/strong> \(alice@example\.com\)/);
    assert.doesNotMatch(home.text, />Sign in</);
    assert.doesNotMatch(home.text, /password-reset/, 'alice is not an admin');

    const signOut = await agent
      .post('/auth/signout')
      .type('form')
      .send({ _csrf: csrfField(home.text) });
    assert.equal(signOut.status, 303, signOut.text);
    assert.match(String(signOut.headers.location), /^\/auth\/signin/);
    const after = await agent.get('/').expect(200);
    assert.match(after.text, /You are not signed in/);
  });

  it('signs in through JSON (GET /auth/csrf, POST /auth/signin)', async () => {
    const agent = supertest.agent(example.app);
    const response = await signInWithJson(agent, BOB);
    assert.equal(response.status, 200, JSON.stringify(response.body));
    assert.equal(response.body.user.email, BOB.email);
    const session = await agent.get('/auth/session').set('Accept', 'application/json').expect(200);
    assert.equal(session.body.user.displayName, 'Bob Builder');
    const wrong = await signInWithJson(supertest.agent(example.app), {
      ...BOB,
      password: 'not-the-password-1',
    });
    assert.equal(wrong.status, 401);
    assert.equal(wrong.body.error.code, 'invalid_credentials');
  });

  it('protects /profile: 303 to the sign-in page when signed out, the account when signed in', async () => {
    const anonymous = await supertest(example.app).get('/profile').expect(303);
    assert.equal(anonymous.headers.location, '/auth/signin?returnTo=/profile');

    const agent = supertest.agent(example.app);
    const signIn = await signInWithForm(agent, ALICE, '/profile');
    assert.equal(signIn.status, 303, signIn.text);
    assert.equal(signIn.headers.location, '/profile');
    const profile = await agent.get('/profile').expect(200);
    for (const text of ['alice@example.com', '>alice<', 'Alice Pilot', 'pilot']) {
      assert.ok(profile.text.includes(text), `profile shows ${text}`);
    }
  });

  it('shows administrators the policy link, and the admin router lets only them in', async () => {
    const admin = supertest.agent(example.app);
    assert.equal((await signInWithJson(admin, ADMIN)).status, 200);
    const home = await admin.get('/').expect(200);
    assert.match(home.text, /Ada Admin/);
    assert.match(home.text, /href="\/auth\/admin\/password-reset"/);
    const policy = await admin
      .get('/auth/admin/password-reset')
      .set('Accept', 'application/json')
      .expect(200);
    assert.equal(policy.body.enabled, 'none');
    assert.doesNotMatch(
      (await supertest(example.app).get('/auth/signin')).text,
      /Can&#39;t access your account\?|Can't access your account\?/,
    );

    // The administrator turns reset on for the pilot group, as the startup message says.
    const csrf = await admin.get('/auth/csrf').set('Accept', 'application/json').expect(200);
    const changed = await admin
      .put('/auth/admin/password-reset')
      .set('x-csrf-token', csrf.body.csrfToken as string)
      .send({ enabled: 'selected', groups: ['pilot'] });
    assert.equal(changed.status, 200, JSON.stringify(changed.body));
    assert.equal((await example.idp.policy.get()).enabled, 'selected');
    assert.match(
      (await supertest(example.app).get('/auth/signin')).text,
      /Can&#39;t access your account\?|Can't access your account\?/,
    );
    await example.idp.policy.set({ enabled: 'none' }, { actor: 'test' });

    const bob = supertest.agent(example.app);
    assert.equal((await signInWithJson(bob, BOB)).status, 200);
    assert.doesNotMatch((await bob.get('/').expect(200)).text, /password-reset/);
    const forbidden = await bob.get('/auth/admin/password-reset').set('Accept', 'application/json');
    assert.equal(forbidden.status, 403);
  });

  it('runs the whole reset journey by hand with the dev inbox', async () => {
    await example.idp.policy.set({ enabled: 'all' }, { actor: 'test' });
    const agent = supertest.agent(example.app);

    const start = await agent.get('/auth/reset').expect(200);
    const started = await agent
      .post('/auth/reset')
      .type('form')
      .send({ _csrf: csrfField(start.text), email: ALICE.email });
    assert.equal(started.status, 303, started.text);
    assert.equal(started.headers.location, '/auth/reset/verify');

    assert.ok((await example.idp.outbox.deliverDue()) >= 1);
    const inbox = await supertest(example.app).get('/dev/mail.json').expect(200);
    const messages = inbox.body.messages as DevMail[];
    const mail = messages.find((message) => message.to.includes(ALICE.email));
    assert.ok(mail, 'a mail to alice');
    assert.match(mail.subject, /verification code/);
    const code = /:\s*(\d{6})\b/.exec(mail.text)?.[1];
    assert.ok(code, 'the mail carries a 6-digit code');

    const verifyPage = await agent.get('/auth/reset/verify').expect(200);
    const verified = await agent
      .post('/auth/reset/verify')
      .type('form')
      .send({ _csrf: csrfField(verifyPage.text), code });
    assert.equal(verified.status, 303, verified.text);
    assert.equal(verified.headers.location, '/auth/reset/password');

    const passwordPage = await agent.get('/auth/reset/password').expect(200);
    const done = await agent
      .post('/auth/reset/password')
      .type('form')
      .send({ _csrf: csrfField(passwordPage.text), password: NEW_PASSWORD, confirmPassword: NEW_PASSWORD });
    assert.equal(done.status, 303, done.text);
    assert.equal(done.headers.location, '/auth/signin?notice=reset');

    await example.idp.outbox.deliverDue();
    const after = (await supertest(example.app).get('/dev/mail.json').expect(200)).body.messages as DevMail[];
    assert.match(after[0]?.subject ?? '', /password was changed/);

    const fresh = supertest.agent(example.app);
    const signIn = await signInWithForm(fresh, { email: ALICE.email, password: NEW_PASSWORD });
    assert.equal(signIn.status, 303, signIn.text);
    assert.match((await fresh.get('/').expect(200)).text, /Alice Pilot/);
    assert.equal((await signInWithJson(supertest.agent(example.app), ALICE)).status, 401, 'the old password');
    await example.idp.policy.set({ enabled: 'none' }, { actor: 'test' });
  });

  it('shows mail HTML on /dev/mail only inside a sandboxed iframe srcdoc', async () => {
    const page = await supertest(example.app).get('/dev/mail').expect(200);
    const inbox = (await supertest(example.app).get('/dev/mail.json').expect(200)).body.messages as DevMail[];
    const withHtml = inbox.filter((message) => message.html !== null);
    assert.ok(withHtml.length > 0, 'the reset test left mail with HTML parts');

    const iframes = [...page.text.matchAll(/<iframe ([^>]*)><\/iframe>/g)];
    assert.equal(iframes.length, withHtml.length);
    for (const [index, iframe] of iframes.entries()) {
      const attributes = iframe[1] ?? '';
      assert.match(attributes, /(^| )sandbox=""( |$)/);
      const srcdoc = /srcdoc="([^"]*)"/.exec(attributes)?.[1];
      assert.ok(srcdoc !== undefined, 'the iframe has a srcdoc');
      assert.ok(srcdoc.includes('&lt;h1'), 'the HTML is attribute-escaped');
      assert.equal(unescapeHtml(srcdoc), withHtml[index]?.html);
    }
    const outsideSrcdoc = page.text.replace(/srcdoc="[^"]*"/g, '');
    assert.doesNotMatch(outsideSrcdoc, /<h1 style/);
    assert.doesNotMatch(outsideSrcdoc, /<table/);
    assert.doesNotMatch(page.text, /<script/i);
    assert.match(String(page.headers['content-security-policy']), /script-src 'none'/);
  });

  it('escapes hostile mail on /dev/mail', async () => {
    const inbox = example.inbox;
    assert.ok(inbox);
    const transport = nodemailer.createTransport({ ...inbox.address, secure: false, ignoreTLS: true });
    await transport.sendMail({
      from: 'x@example.com',
      to: 'victim@example.com',
      subject: '<img src=x onerror=alert(1)>',
      text: '</pre><script>alert(2)</script>',
      html: '<h1>hi</h1><script>alert(3)</script>"><svg onload=alert(4)>',
    });
    transport.close();
    const page = await supertest(example.app).get('/dev/mail').expect(200);
    const outsideSrcdoc = page.text.replace(/srcdoc="[^"]*"/g, '');
    assert.doesNotMatch(page.text, /<script/i);
    assert.doesNotMatch(page.text, /<img src=x/);
    assert.doesNotMatch(outsideSrcdoc, /<svg/);
    assert.match(page.text, /&lt;img src=x onerror=alert\(1\)&gt;/);
    assert.match(page.text, /&lt;\/pre&gt;&lt;script&gt;alert\(2\)/);
  });
});

describe('example app configuration', () => {
  it('loadConfigFromEnv applies the defaults', () => {
    const config = loadConfigFromEnv({});
    assert.equal(config.host, '127.0.0.1');
    assert.equal(config.port, 3000);
    assert.equal(config.baseUrl, 'http://127.0.0.1:3000');
    assert.equal(config.seedFile, 'example-app/seed.json');
    for (const key of ['mongodbUri', 'smtpUrl', 'trustProxy', 'secret', 'sessionSecret'] as const) {
      assert.equal(config[key], undefined, key);
    }
  });

  it('loadConfigFromEnv maps every variable', () => {
    const config = loadConfigFromEnv({
      MONGODB_URI: 'mongodb://db.example.com/app',
      MONGODB_DB: 'other',
      SMTP_URL: 'smtp://127.0.0.1:2525',
      PORT: '8080',
      HOST: '0.0.0.0',
      SEED_FILE: '/tmp/seed.json',
      RESET_CODE_TTL: '300',
      RESET_RESEND_AFTER: '30',
      TRUST_PROXY: 'loopback',
      SSPR_SECRET: 's'.repeat(32),
      SESSION_SECRET: 't'.repeat(32),
    });
    assert.equal(config.mongodbUri, 'mongodb://db.example.com/app');
    assert.equal(config.mongodbDb, 'other');
    assert.equal(config.smtpUrl, 'smtp://127.0.0.1:2525');
    assert.equal(config.port, 8080);
    assert.equal(config.host, '0.0.0.0');
    assert.equal(config.baseUrl, 'http://0.0.0.0:8080');
    assert.equal(config.seedFile, '/tmp/seed.json');
    assert.equal(config.resetCodeTtlSeconds, 300);
    assert.equal(config.resetResendAfterSeconds, 30);
    assert.equal(config.trustProxy, 'loopback');
    assert.equal(config.secret, 's'.repeat(32));
    assert.equal(config.sessionSecret, 't'.repeat(32));

    assert.equal(
      loadConfigFromEnv({ PORT: '4000', BASE_URL: 'https://id.example.com' }).baseUrl,
      'https://id.example.com',
    );
    assert.equal(loadConfigFromEnv({ HOST: 'localhost', PORT: '4000' }).baseUrl, 'http://localhost:4000');
    assert.equal(loadConfigFromEnv({ TRUST_PROXY: '2' }).trustProxy, 2);
    assert.equal(loadConfigFromEnv({ TRUST_PROXY: 'true' }).trustProxy, true);
    assert.equal(loadConfigFromEnv({ TRUST_PROXY: 'false' }).trustProxy, false);
    assert.equal(
      loadConfigFromEnv({ TRUST_PROXY: '10.0.0.0/8, loopback' }).trustProxy,
      '10.0.0.0/8, loopback',
    );
  });

  it('loadConfigFromEnv names a malformed variable', () => {
    assert.throws(() => loadConfigFromEnv({ PORT: 'eighty' }), /PORT must be a whole number/);
    assert.throws(() => loadConfigFromEnv({ PORT: '70000' }), /PORT must be a whole number/);
    assert.throws(() => loadConfigFromEnv({ RESET_CODE_TTL: '0' }), /RESET_CODE_TTL/);
    assert.throws(() => loadConfigFromEnv({ RESET_RESEND_AFTER: '1.5' }), /RESET_RESEND_AFTER/);
    assert.throws(() => loadConfigFromEnv({ BASE_URL: 'ftp://x' }), /BASE_URL/);
  });

  it('passes the reset timings and trust proxy to the app', async () => {
    const example = await createExampleApp(
      testConfig({
        seedFile: undefined,
        resetCodeTtlSeconds: 1200,
        resetResendAfterSeconds: 30,
        trustProxy: '1',
      }),
    );
    try {
      const reset = example.idp.options.reset;
      assert.equal(reset.codeTtlMs, 1_200_000);
      assert.ok(reset.flowTtlMs >= reset.codeTtlMs, 'the flow lasts at least as long as the code');
      assert.equal(reset.resendAfterMs, 30_000);
      assert.equal(example.app.get('trust proxy'), 1);
      assert.equal(await example.idp.users.count(), 0, 'no seed file, no accounts');
    } finally {
      await example.close();
    }
  });

  describe('seed file problems', () => {
    let dir: string;
    before(async () => {
      dir = await mkdtemp(path.join(tmpdir(), 'sspr-seed-'));
    });
    after(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    async function startWith(seed: unknown): Promise<unknown> {
      const file = path.join(dir, `seed-${randomBytes(4).toString('hex')}.json`);
      await writeFile(file, typeof seed === 'string' ? seed : JSON.stringify(seed));
      return createExampleApp(testConfig({ seedFile: file }));
    }

    it('fails with a message naming an invalid entry', async () => {
      await assert.rejects(
        startWith({
          users: [{ email: 'a@example.com', password: 'plenty-long-phrase-1' }, { email: 'b@example.com' }],
        }),
        (error: Error) => {
          assert.match(
            error.message,
            /^seed file .*seed-[0-9a-f]+\.json: users\[1\]\.password must be a non-empty string$/,
          );
          return true;
        },
      );
    });

    it('fails with a message naming a password the policy rejects', async () => {
      await assert.rejects(
        startWith({ users: [{ email: 'carol@example.com', password: 'carol123' }] }),
        (error: Error) => {
          assert.match(error.message, /users\[0\] \(carol@example\.com\): /);
          return true;
        },
      );
    });

    it('fails on unknown fields, bad policies, bad JSON and a missing file', async () => {
      await assert.rejects(
        startWith({
          users: [{ email: 'a@example.com', password: 'plenty-long-phrase-1', displayname: 'A' }],
        }),
        /users\[0\]\.displayname is not a known field/,
      );
      await assert.rejects(
        startWith({ users: [], passwordReset: { enabled: 'some', groups: [] } }),
        /passwordReset\.enabled must be "none", "selected" or "all"/,
      );
      await assert.rejects(startWith('{"users": ['), /is not valid JSON/);
      await assert.rejects(
        createExampleApp(testConfig({ seedFile: path.join(dir, 'missing.json') })),
        /missing\.json: cannot be read \(ENOENT\)/,
      );
    });
  });
});

describe('example app (MongoDB store, sessions via connect-mongo)', () => {
  let target: Awaited<ReturnType<typeof openMongo>>;
  const dbName = `sspr_example_${randomBytes(6).toString('hex')}`;

  before(async () => {
    target = await openMongo();
  });

  after(async () => {
    if (target?.kind === 'real') await target.client.db(dbName).dropDatabase();
    await target?.close();
  });

  function config(): ExampleConfig {
    return testConfig({ mongodbUri: target.uri, mongodbDb: dbName });
  }

  /**
   * connect-mongo saves a session with `updateOne({_id}, {$set: {_id, ...}}, {upsert: true})`.
   * MongoDB accepts a `$set` of `_id` to its unchanged value; the wire test server may not yet.
   */
  async function acceptsUnchangedIdSet(): Promise<boolean> {
    if (target.kind === 'real') return true;
    const probe = target.client.db(dbName).collection<{ _id: string; n?: number }>('probe');
    try {
      await probe.updateOne({ _id: 'p' }, { $set: { _id: 'p', n: 1 } }, { upsert: true });
      return true;
    } catch {
      return false;
    } finally {
      await probe.deleteMany({}).catch(() => {});
    }
  }

  it('starts, seeds into MongoDB once, and keeps the data across restarts', async () => {
    const example = await createExampleApp(config());
    try {
      assert.match(example.describe.store, /MongoDB/);
      assert.equal(example.describe.seeded, true);
      assert.equal(await target.client.db(dbName).collection('users').countDocuments(), 3);
      assert.equal((await example.idp.policy.get()).enabled, 'none');
      await supertest(example.app).get('/healthz').expect(200);
    } finally {
      await example.close();
    }

    const again = await createExampleApp(config());
    try {
      assert.equal(again.describe.seeded, false);
      assert.equal(await again.idp.users.count(), 3);
    } finally {
      await again.close();
    }
  });

  it('signs in with the session stored in MongoDB by connect-mongo', async function () {
    if (!(await acceptsUnchangedIdSet())) {
      // Known gap of test/support/mongo-wire (see the example app's report); passes with MONGODB_URI.
      this.skip();
    }
    const example = await createExampleApp(config());
    try {
      const agent = supertest.agent(example.app);
      const signIn = await signInWithForm(agent, BOB);
      assert.equal(signIn.status, 303, signIn.text);
      assert.match((await agent.get('/').expect(200)).text, /Bob Builder/);
      const sessions = await target.client.db(dbName).collection('sessions').countDocuments();
      assert.ok(sessions >= 1, 'the session is stored in MongoDB');
    } finally {
      await example.close();
    }
  });
});
