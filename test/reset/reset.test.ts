import assert from 'node:assert/strict';
import session from 'express-session';
import supertest from 'supertest';
import type { Random } from '../../lib/random.js';
import { cryptoRandom } from '../../lib/random.js';
import type { Store } from '../../lib/store/types.js';
import { agentWithCsrf, buildTestApp, csrfFromPage, type TestApp } from '../support/app.js';
import { backends } from '../support/backends.js';
import { HOUR, ManualClock, MINUTE, SECOND } from '../support/clock.js';
import { SmtpCapture } from '../support/smtp.js';

const ALICE = { email: 'alice@example.com', password: 'correct horse battery staple' };
const BOB = { email: 'bob@example.com', password: 'another fine passphrase' };
const NEW_PASSWORD = 'a brand new passphrase 42';

type Agent = ReturnType<typeof supertest.agent>;

for (const backend of backends) {
  describe(`password reset (${backend.name} store)`, () => {
    let smtp: SmtpCapture;
    let clock: ManualClock;
    let store: Store;
    let t: TestApp;
    let sessions: session.MemoryStore;

    before(async () => {
      smtp = await SmtpCapture.start();
    });
    after(async () => {
      await smtp.stop();
    });

    async function build(extra: Parameters<typeof buildTestApp>[0] = {}): Promise<TestApp> {
      return buildTestApp({ store, clock, sessionStore: sessions, mailer: smtp.mailer(), ...extra });
    }

    beforeEach(async () => {
      smtp.clear();
      smtp.setFault(null);
      clock = new ManualClock();
      store = await backend.create(clock);
      sessions = new session.MemoryStore();
      t = await build();
      await t.idp.users.create({ ...ALICE, groups: ['pilot'] });
      await t.idp.users.create({ ...BOB });
      await t.idp.policy.set({ enabled: 'all' }, { actor: 'admin' });
    });

    afterEach(async () => {
      await t.idp.close();
    });

    function start(agent: Agent, csrfToken: string, email: string) {
      return agent.post('/auth/reset').set('x-csrf-token', csrfToken).send({ email });
    }

    async function deliver(app: TestApp = t) {
      return app.idp.outbox.deliverDue();
    }

    /** Starts a reset for `email` in a new browser session and returns its flow. */
    async function begin(email: string, app: TestApp = t) {
      const { agent, csrfToken } = await agentWithCsrf(app.app);
      const response = await start(agent, csrfToken, email);
      assert.equal(response.status, 202, JSON.stringify(response.body));
      return { agent, csrfToken, flowId: response.body.flowId as string, response };
    }

    function verify(agent: Agent, csrfToken: string, flowId: string, code: string) {
      return agent.post('/auth/reset/verify').set('x-csrf-token', csrfToken).send({ flowId, code });
    }

    function complete(agent: Agent, csrfToken: string, flowId: string, password = NEW_PASSWORD) {
      return agent.post('/auth/reset/password').set('x-csrf-token', csrfToken).send({ flowId, password });
    }

    async function signInStatus(password: string, email = ALICE.email): Promise<number> {
      const { agent, csrfToken } = await agentWithCsrf(t.app);
      return (await agent.post('/auth/signin').set('x-csrf-token', csrfToken).send({ email, password }))
        .status;
    }

    describe('the journey in JSON', () => {
      it('sends a code by mail, verifies it, sets the new password; the old one stops working', async () => {
        const { agent, csrfToken, flowId, response } = await begin(ALICE.email);
        assert.deepEqual(Object.keys(response.body).sort(), ['expiresAt', 'flowId', 'resendAfter']);
        assert.equal(new Date(response.body.expiresAt).getTime(), clock.now().getTime() + 15 * MINUTE);
        assert.equal(new Date(response.body.resendAfter).getTime(), clock.now().getTime() + MINUTE);
        assert.equal(smtp.messages.length, 0, 'mail is queued, never sent inside the request');
        assert.equal(await deliver(), 1);
        const code = smtp.codeFor(ALICE.email);
        assert.match(code, /^\d{6}$/);
        assert.deepEqual((await verify(agent, csrfToken, flowId, code).expect(200)).body, { verified: true });
        const done = await complete(agent, csrfToken, flowId).expect(200);
        assert.deepEqual(done.body, { reset: true });
        assert.equal(await signInStatus(NEW_PASSWORD), 200);
        assert.equal(await signInStatus(ALICE.password), 401);
      });

      it('sends a code mail with text and HTML parts, the company, the expiry, and no code in the subject', async () => {
        await begin(ALICE.email);
        await deliver();
        const mail = smtp.to(ALICE.email)[0];
        assert.ok(mail);
        const code = smtp.codeFor(ALICE.email);
        assert.doesNotMatch(mail.subject, /\d{6}/);
        assert.match(mail.subject, /Contoso/);
        assert.match(mail.text, /10 minutes/);
        assert.match(mail.html, new RegExp(code));
        assert.match(mail.html, /Contoso/);
        assert.deepEqual(mail.to, [ALICE.email]);
      });

      it('ignores spaces and dashes in the code', async () => {
        const { agent, csrfToken, flowId } = await begin(ALICE.email);
        await deliver();
        const code = smtp.codeFor(ALICE.email);
        await verify(agent, csrfToken, flowId, ` ${code.slice(0, 3)}- ${code.slice(3)} `).expect(200);
      });

      it('builds mail links from baseUrl, never from the Host header', async () => {
        const { agent, csrfToken } = await agentWithCsrf(t.app);
        await agent
          .post('/auth/reset')
          .set('Host', 'evil.example')
          .set('x-csrf-token', csrfToken)
          .send(ALICE);
        await deliver();
        const mail = smtp.to(ALICE.email)[0];
        assert.ok(mail);
        assert.match(mail.text, /https:\/\/app\.example\.com\/auth\/reset\/verify/);
        assert.doesNotMatch(mail.text + mail.html, /evil\.example/);
      });

      it('queues a "your password was changed" mail after the reset, and does not sign anyone in', async () => {
        const { agent, csrfToken, flowId } = await begin(ALICE.email);
        await deliver();
        await verify(agent, csrfToken, flowId, smtp.codeFor(ALICE.email)).expect(200);
        await complete(agent, csrfToken, flowId).expect(200);
        await agent.get('/auth/session').set('Accept', 'application/json').expect(401);
        await deliver();
        const changed = smtp.to(ALICE.email).at(-1);
        assert.match(changed?.subject ?? '', /password was changed/);
        const user = await store.users.findByEmail(ALICE.email);
        assert.equal(user?.emailVerified, true);
      });
    });

    describe('the journey as pages (post/redirect/get)', () => {
      it('walks Email address -> Verification code -> New password -> sign-in notice', async () => {
        const agent = supertest.agent(t.app);
        const first = await agent.get('/auth/reset').expect(200);
        assert.match(first.text, /<label for="email">Email address<\/label>/);
        assert.match(first.text, /<button type="submit">Send verification code<\/button>/);
        const csrfToken = csrfFromPage(first.text);
        const sent = await agent
          .post('/auth/reset')
          .type('form')
          .send({ email: ALICE.email, _csrf: csrfToken });
        assert.equal(sent.status, 303);
        assert.equal(sent.headers.location, '/auth/reset/verify');
        const codePage = await agent.get('/auth/reset/verify').expect(200);
        assert.match(codePage.text, /<label for="code">Verification code<\/label>/);
        assert.match(codePage.text, /autocomplete="one-time-code"/);
        assert.match(codePage.text, /inputmode="numeric"/);
        assert.match(codePage.text, />Verify code</);
        assert.match(codePage.text, />Send new code</);
        assert.match(codePage.text, />Change e-mail</);
        await deliver();
        const code = smtp.codeFor(ALICE.email);
        const verified = await agent
          .post('/auth/reset/verify')
          .type('form')
          .send({ code: `${code.slice(0, 3)} ${code.slice(3)}`, _csrf: csrfToken });
        assert.equal(verified.status, 303);
        assert.equal(verified.headers.location, '/auth/reset/password');
        const passwordPage = await agent.get('/auth/reset/password').expect(200);
        assert.match(passwordPage.text, /<label for="password">New password<\/label>/);
        assert.match(passwordPage.text, /<label for="confirmPassword">Confirm new password<\/label>/);
        assert.match(passwordPage.text, /autocomplete="new-password"/);
        assert.match(passwordPage.text, />Continue</);
        const done = await agent
          .post('/auth/reset/password')
          .type('form')
          .send({ password: NEW_PASSWORD, confirmPassword: NEW_PASSWORD, _csrf: csrfToken });
        assert.equal(done.status, 303);
        assert.equal(done.headers.location, '/auth/signin?notice=reset');
        const signIn = await agent.get(done.headers.location).expect(200);
        assert.match(signIn.text, /Your password has been changed/);
      });

      it('shows a wrong code on the code page with the tries left', async () => {
        const agent = supertest.agent(t.app);
        const page = await agent.get('/auth/reset');
        const csrfToken = csrfFromPage(page.text);
        await agent.post('/auth/reset').type('form').send({ email: ALICE.email, _csrf: csrfToken });
        const wrong = await agent
          .post('/auth/reset/verify')
          .type('form')
          .send({ code: '000000', _csrf: csrfToken });
        assert.equal(wrong.status, 400);
        assert.match(wrong.text, /id="code-error"/);
        assert.match(wrong.text, /aria-invalid="true"/);
      });

      it('refuses different passwords in the two fields', async () => {
        const agent = supertest.agent(t.app);
        const page = await agent.get('/auth/reset');
        const csrfToken = csrfFromPage(page.text);
        await agent.post('/auth/reset').type('form').send({ email: ALICE.email, _csrf: csrfToken });
        await deliver();
        await agent
          .post('/auth/reset/verify')
          .type('form')
          .send({ code: smtp.codeFor(ALICE.email), _csrf: csrfToken });
        const mismatch = await agent
          .post('/auth/reset/password')
          .type('form')
          .send({ password: NEW_PASSWORD, confirmPassword: `${NEW_PASSWORD}x`, _csrf: csrfToken });
        assert.equal(mismatch.status, 400);
        assert.match(mismatch.text, /The passwords do not match/);
      });
    });

    describe('no account enumeration', () => {
      it('answers eligible, ineligible and unknown addresses alike; only the eligible one gets a code', async () => {
        await t.idp.policy.set({ enabled: 'selected', groups: ['pilot'] }, { actor: 'admin' });
        const results = [];
        for (const email of [ALICE.email, BOB.email, 'nobody@example.com']) {
          const { agent, csrfToken } = await agentWithCsrf(t.app);
          results.push(await start(agent, csrfToken, email));
        }
        const [eligible, ineligible, unknown] = results;
        assert.ok(eligible && ineligible && unknown);
        const shape = (response: supertest.Response) => ({
          status: response.status,
          keys: Object.keys(response.body).sort(),
          flowIdLength: String(response.body.flowId).length,
          headers: Object.keys(response.headers)
            .filter((name) => name !== 'date' && name !== 'etag')
            .sort(),
          length: response.headers['content-length'],
          cookie: String(response.headers['set-cookie'] ?? '').replace(/=[^;]+/, '=…'),
          body: JSON.stringify({ ...response.body, flowId: '…' }),
        });
        assert.deepEqual(shape(ineligible), shape(eligible));
        assert.deepEqual(shape(unknown), shape(eligible));
        await deliver();
        assert.match(smtp.to(ALICE.email)[0]?.text ?? '', /\d{6}/);
        const notice = smtp.to(BOB.email)[0];
        assert.match(notice?.text ?? '', /not enabled for your account/);
        assert.doesNotMatch(notice?.text ?? '', /\d{6}/);
        assert.equal(smtp.to('nobody@example.com').length, 0);
      });

      it('answers 403 reset_disabled for every address alike while the policy is none', async () => {
        await t.idp.policy.set({ enabled: 'none' }, { actor: 'admin' });
        const bodies = [];
        for (const email of [ALICE.email, 'nobody@example.com']) {
          const { agent, csrfToken } = await agentWithCsrf(t.app);
          const response = await start(agent, csrfToken, email);
          assert.equal(response.status, 403);
          bodies.push(response.body);
        }
        assert.deepEqual(bodies[0], bodies[1]);
        assert.equal(bodies[0].error.code, 'reset_disabled');
        assert.equal(await deliver(), 0);
      });

      it('mails an unknown address only when notifyUnknownRecipients is on', async () => {
        const notifying = await build({ identity: { reset: { notifyUnknownRecipients: true } } });
        await begin('nobody@example.com', notifying);
        await deliver(notifying);
        const mail = smtp.to('nobody@example.com')[0];
        assert.match(mail?.text ?? '', /there is no account with this address/);
        await notifying.idp.close();
      });

      it('gives unknown addresses a decoy that counts tries, resends, and never verifies', async () => {
        const { agent, csrfToken, flowId } = await begin('nobody@example.com');
        const first = await verify(agent, csrfToken, flowId, '123456');
        assert.equal(first.status, 400);
        assert.equal(first.body.error.code, 'invalid_code');
        assert.equal(first.body.error.attemptsLeft, 4);
        clock.advance(MINUTE);
        await agent.post('/auth/reset/resend').set('x-csrf-token', csrfToken).send({ flowId }).expect(202);
        for (let i = 0; i < 3; i += 1) await verify(agent, csrfToken, flowId, String(100000 + i));
        const last = await verify(agent, csrfToken, flowId, '999999');
        assert.equal(last.status, 429);
        assert.equal(last.body.error.code, 'too_many_attempts');
      });

      it('limits code mails per address the same way for known and unknown addresses', async () => {
        const statuses: Record<string, number[]> = {};
        let limited: supertest.Response | null = null;
        for (const email of [ALICE.email, 'nobody@example.com']) {
          const list: number[] = [];
          for (let i = 0; i < 6; i += 1) {
            const { agent, csrfToken } = await agentWithCsrf(t.app);
            const response = await start(agent, csrfToken, email);
            list.push(response.status);
            if (response.status === 429) limited = response;
          }
          statuses[email] = list;
        }
        assert.deepEqual(statuses[ALICE.email], [202, 202, 202, 202, 202, 429]);
        assert.deepEqual(statuses['nobody@example.com'], statuses[ALICE.email]);
        assert.equal(limited?.body.error.code, 'rate_limited');
        assert.equal(limited?.headers['retry-after'], '3600');
        clock.advance(HOUR);
        await begin(ALICE.email);
      });
    });

    describe('codes', () => {
      it('makes 6-digit codes from the CSPRNG, keeping leading zeros', async () => {
        const calls: number[] = [];
        const random: Random = {
          bytes: (length) => cryptoRandom.bytes(length),
          int: (max) => {
            calls.push(max);
            return 42;
          },
        };
        const app = await build({ identity: { random } });
        await begin(ALICE.email, app);
        await deliver(app);
        assert.equal(smtp.codeFor(ALICE.email), '000042');
        assert.deepEqual(calls, [1_000_000]);
        await app.idp.close();
      });

      it('stores only an HMAC of the code, never the code', async () => {
        const { flowId } = await begin(ALICE.email);
        await deliver();
        const code = smtp.codeFor(ALICE.email);
        const flow = await store.resetFlows.get(flowId);
        assert.ok(flow?.codeHash);
        assert.doesNotMatch(JSON.stringify(flow), new RegExp(code));
      });

      it('refuses a code from one flow on another', async () => {
        const first = await begin(ALICE.email);
        await deliver();
        const firstCode = smtp.codeFor(ALICE.email);
        const second = await begin(BOB.email);
        const response = await verify(second.agent, second.csrfToken, second.flowId, firstCode);
        assert.equal(response.status, 400);
        assert.equal(response.body.error.code, 'invalid_code');
        await verify(first.agent, first.csrfToken, first.flowId, firstCode).expect(200);
      });

      it('refuses a flow from another browser session as not found', async () => {
        const { flowId } = await begin(ALICE.email);
        await deliver();
        const other = await agentWithCsrf(t.app);
        const response = await verify(other.agent, other.csrfToken, flowId, smtp.codeFor(ALICE.email));
        assert.equal(response.status, 404);
        assert.equal(response.body.error.code, 'flow_not_found');
      });

      it('never shows the code in a response, a redirect, a log line or an audit event', async () => {
        const agent = supertest.agent(t.app);
        const page = await agent.get('/auth/reset');
        const csrfToken = csrfFromPage(page.text);
        const responses = [
          await agent.post('/auth/reset').type('form').send({ email: ALICE.email, _csrf: csrfToken }),
        ];
        await deliver();
        const code = smtp.codeFor(ALICE.email);
        responses.push(await agent.get('/auth/reset/verify'));
        responses.push(await agent.post('/auth/reset/verify').type('form').send({ code, _csrf: csrfToken }));
        responses.push(
          await agent
            .post('/auth/reset/password')
            .type('form')
            .send({ password: NEW_PASSWORD, confirmPassword: NEW_PASSWORD, _csrf: csrfToken }),
        );
        for (const response of responses) {
          assert.doesNotMatch(response.text ?? '', new RegExp(code));
          assert.doesNotMatch(String(response.headers.location ?? ''), new RegExp(code));
        }
        const events = await store.audit.query({ limit: 500 });
        const everything = JSON.stringify(events) + t.logger.lines.join('\n');
        for (const secret of [code, NEW_PASSWORD, ALICE.password])
          assert.ok(!everything.includes(secret), secret);
      });
    });

    describe('brute force', () => {
      it('kills a flow after 5 wrong codes, counting down the tries left', async () => {
        const { agent, csrfToken, flowId } = await begin(ALICE.email);
        await deliver();
        const left = [];
        for (let i = 0; i < 4; i += 1)
          left.push((await verify(agent, csrfToken, flowId, '000000')).body.error.attemptsLeft);
        assert.deepEqual(left, [4, 3, 2, 1]);
        const fifth = await verify(agent, csrfToken, flowId, '000000');
        assert.equal(fifth.status, 429);
        const right = await verify(agent, csrfToken, flowId, smtp.codeFor(ALICE.email));
        assert.equal(right.status, 429);
        assert.equal(right.body.error.code, 'too_many_attempts');
      });

      it('never counts past the cap under 50 parallel wrong codes', async () => {
        const { agent, csrfToken, flowId } = await begin(ALICE.email);
        const responses = await Promise.all(
          Array.from({ length: 50 }, () => verify(agent, csrfToken, flowId, '000000')),
        );
        assert.ok(responses.every((response) => response.status === 400 || response.status === 429));
        assert.equal((await store.resetFlows.get(flowId))?.attempts, 5);
        assert.ok(responses.filter((response) => response.status === 400).length <= 4);
      });

      it('caps wrong codes per account across new flows', async () => {
        for (let flow = 0; flow < 3; flow += 1) {
          const { agent, csrfToken, flowId } = await begin(ALICE.email);
          for (let i = 0; i < 5; i += 1) await verify(agent, csrfToken, flowId, '000000');
          clock.advance(MINUTE);
        }
        smtp.clear();
        const { agent, csrfToken, flowId } = await begin(ALICE.email);
        await deliver();
        const response = await verify(agent, csrfToken, flowId, smtp.codeFor(ALICE.email));
        assert.equal(response.status, 429);
        assert.equal(response.body.error.code, 'too_many_attempts');
      });

      it('resends only after 60 seconds, and the new code replaces the old one', async () => {
        const { agent, csrfToken, flowId } = await begin(ALICE.email);
        await deliver();
        const oldCode = smtp.codeFor(ALICE.email);
        const early = await agent.post('/auth/reset/resend').set('x-csrf-token', csrfToken).send({ flowId });
        assert.equal(early.status, 429);
        assert.equal(early.headers['retry-after'], '60');
        clock.advance(MINUTE);
        const resent = await agent.post('/auth/reset/resend').set('x-csrf-token', csrfToken).send({ flowId });
        assert.equal(resent.status, 202);
        assert.equal(new Date(resent.body.resendAfter).getTime(), clock.now().getTime() + MINUTE);
        await deliver();
        const newCode = smtp.codeFor(ALICE.email);
        if (newCode !== oldCode) assert.equal((await verify(agent, csrfToken, flowId, oldCode)).status, 400);
        await verify(agent, csrfToken, flowId, newCode).expect(200);
      });

      it('counts one mail of the hourly allowance for 10 parallel resend clicks', async () => {
        const { agent, csrfToken, flowId } = await begin(ALICE.email);
        clock.advance(MINUTE);
        const answers = await Promise.all(
          Array.from({ length: 10 }, () =>
            agent.post('/auth/reset/resend').set('x-csrf-token', csrfToken).send({ flowId }),
          ),
        );
        assert.equal(answers.filter((answer) => answer.status === 202).length, 1);
        const user = await store.users.findByEmail(ALICE.email);
        const counted = await store.counters.peek(`reset-mail:user:${user?.id}`, clock.now());
        assert.equal(counted.count, 2, 'the start and the one resend that went out');
      });

      it('is never blocked by a sign-in lockout, and a completed reset clears the lockout', async () => {
        for (let i = 0; i < 10; i += 1) await signInStatus('wrong password');
        assert.equal(await signInStatus(ALICE.password), 429);
        const { agent, csrfToken, flowId } = await begin(ALICE.email);
        await deliver();
        await verify(agent, csrfToken, flowId, smtp.codeFor(ALICE.email)).expect(200);
        await complete(agent, csrfToken, flowId).expect(200);
        assert.equal(await signInStatus(NEW_PASSWORD), 200);
      });
    });

    describe('lifetime and single use', () => {
      it('refuses a code after 10 minutes; a new code works', async () => {
        const { agent, csrfToken, flowId } = await begin(ALICE.email);
        await deliver();
        const code = smtp.codeFor(ALICE.email);
        clock.advance(10 * MINUTE);
        const late = await verify(agent, csrfToken, flowId, code);
        assert.equal(late.status, 400);
        assert.equal(late.body.error.expired, true);
        await agent.post('/auth/reset/resend').set('x-csrf-token', csrfToken).send({ flowId }).expect(202);
        await deliver();
        await verify(agent, csrfToken, flowId, smtp.codeFor(ALICE.email)).expect(200);
      });

      it('answers 410 flow_expired after 15 minutes', async () => {
        const { agent, csrfToken, flowId } = await begin(ALICE.email);
        clock.advance(15 * MINUTE);
        const response = await verify(agent, csrfToken, flowId, '123456');
        assert.equal(response.status, 410);
        assert.equal(response.body.error.code, 'flow_expired');
      });

      it('answers 403 not_verified for a password before the code', async () => {
        const { agent, csrfToken, flowId } = await begin(ALICE.email);
        const response = await complete(agent, csrfToken, flowId);
        assert.equal(response.status, 403);
        assert.equal(response.body.error.code, 'not_verified');
      });

      it('changes the password exactly once under 20 parallel completions', async () => {
        const { agent, csrfToken, flowId } = await begin(ALICE.email);
        await deliver();
        await verify(agent, csrfToken, flowId, smtp.codeFor(ALICE.email)).expect(200);
        const responses = await Promise.all(
          Array.from({ length: 20 }, (_, i) => complete(agent, csrfToken, flowId, `${NEW_PASSWORD} ${i}`)),
        );
        const winners = responses.filter((response) => response.status === 200);
        assert.equal(winners.length, 1);
        for (const response of responses) if (response.status !== 200) assert.equal(response.status, 410);
        assert.equal((await store.users.findByEmail(ALICE.email))?.credentialsVersion, 2);
        await complete(agent, csrfToken, flowId).expect(410);
      });

      it('kills every other open flow of the user when one completes', async () => {
        const other = await begin(ALICE.email);
        clock.advance(SECOND);
        const { agent, csrfToken, flowId } = await begin(ALICE.email);
        await deliver();
        await verify(agent, csrfToken, flowId, smtp.codeFor(ALICE.email)).expect(200);
        await complete(agent, csrfToken, flowId).expect(200);
        const response = await verify(other.agent, other.csrfToken, other.flowId, '123456');
        assert.equal(response.status, 410);
      });

      it('returns the reasons for a weak password and keeps the flow usable', async () => {
        const { agent, csrfToken, flowId } = await begin(ALICE.email);
        await deliver();
        await verify(agent, csrfToken, flowId, smtp.codeFor(ALICE.email)).expect(200);
        const weak = await complete(agent, csrfToken, flowId, 'password');
        assert.equal(weak.status, 400);
        assert.equal(weak.body.error.code, 'weak_password');
        assert.deepEqual(
          weak.body.error.reasons.map((reason: { code: string }) => reason.code),
          ['common'],
        );
        const own = await complete(agent, csrfToken, flowId, 'alice@example.com');
        assert.ok(
          own.body.error.reasons.some((reason: { code: string }) => reason.code === 'contains_context'),
        );
        await complete(agent, csrfToken, flowId).expect(200);
      });
    });

    describe('sessions', () => {
      it('signs out every existing session of the user', async () => {
        const { agent: signedIn, csrfToken } = await agentWithCsrf(t.app);
        await signedIn.post('/auth/signin').set('x-csrf-token', csrfToken).send(ALICE).expect(200);
        await signedIn.get('/private').expect(200);
        const flow = await begin(ALICE.email);
        await deliver();
        await verify(flow.agent, flow.csrfToken, flow.flowId, smtp.codeFor(ALICE.email)).expect(200);
        await complete(flow.agent, flow.csrfToken, flow.flowId).expect(200);
        await signedIn.get('/private').expect(401);
      });

      it('signs the user in after the reset when signInAfterReset is on', async () => {
        const signingIn = await build({ identity: { reset: { signInAfterReset: true } } });
        const { agent, csrfToken, flowId } = await begin(ALICE.email, signingIn);
        await deliver(signingIn);
        await verify(agent, csrfToken, flowId, smtp.codeFor(ALICE.email)).expect(200);
        await complete(agent, csrfToken, flowId).expect(200);
        const session = await agent.get('/auth/session').set('Accept', 'application/json').expect(200);
        assert.equal(session.body.user.email, ALICE.email);
        await signingIn.idp.close();
      });

      it('shares flows across two app instances on one store and one session store', async () => {
        const other = await build();
        const { agent, csrfToken, cookie } = await agentWithCsrf(t.app);
        const started = await start(agent, csrfToken, ALICE.email).expect(202);
        const flowId = started.body.flowId as string;
        await deliver(other);
        const code = smtp.codeFor(ALICE.email);
        await supertest(other.app)
          .post('/auth/reset/verify')
          .set('Cookie', cookie)
          .set('x-csrf-token', csrfToken)
          .send({ flowId, code })
          .expect(200);
        await supertest(other.app)
          .post('/auth/reset/password')
          .set('Cookie', cookie)
          .set('x-csrf-token', csrfToken)
          .send({ flowId, password: NEW_PASSWORD })
          .expect(200);
        assert.equal(await signInStatus(NEW_PASSWORD), 200);
        await other.idp.close();
      });
    });

    describe('bad input', () => {
      it('refuses addresses with CR/LF, commas or several recipients, and sends nothing', async () => {
        const { agent, csrfToken } = await agentWithCsrf(t.app);
        for (const email of [
          'alice@example.com\r\nBcc: evil@example.com',
          'alice@example.com,evil@example.com',
          'alice@example.com evil@example.com',
          'Alice <alice@example.com>',
          'alice@example.com;evil@example.com',
        ]) {
          const response = await start(agent, csrfToken, email);
          assert.equal(response.status, 400, email);
          assert.equal(response.body.error.code, 'invalid_request');
        }
        assert.equal(await deliver(), 0);
      });

      it('refuses operator objects and arrays in every field with 400 invalid_request', async () => {
        const { agent, csrfToken, flowId } = await begin(ALICE.email);
        const cases: Array<[string, Record<string, unknown>]> = [
          ['/auth/reset', { email: { $ne: null } }],
          ['/auth/reset', { email: [ALICE.email] }],
          ['/auth/reset/verify', { flowId: { $ne: null }, code: '123456' }],
          ['/auth/reset/verify', { flowId, code: { $gt: '' } }],
          ['/auth/reset/resend', { flowId: [flowId] }],
          ['/auth/reset/password', { flowId, password: { $ne: null } }],
        ];
        for (const [path, body] of cases) {
          const response = await agent.post(path).set('x-csrf-token', csrfToken).send(body);
          assert.equal(response.status, 400, `${path} ${JSON.stringify(body)}`);
          assert.equal(response.body.error.code, 'invalid_request');
        }
      });
    });

    describe('faults', () => {
      it('fails closed when the policy cannot be read: 503, no flow, no mail', async () => {
        const { agent, csrfToken } = await agentWithCsrf(t.app);
        clock.advance(10 * SECOND);
        const original = store.policy.getPasswordResetPolicy.bind(store.policy);
        store.policy.getPasswordResetPolicy = async () => {
          throw new Error('boom');
        };
        try {
          const response = await start(agent, csrfToken, ALICE.email);
          assert.equal(response.status, 503);
          assert.equal(response.body.error.code, 'unavailable');
          assert.doesNotMatch(response.text, /boom/);
        } finally {
          store.policy.getPasswordResetPolicy = original;
        }
        assert.equal(await deliver(), 0);
        assert.equal(await store.outbox.size(), 0);
      });

      it('keeps the code queued while SMTP is down and delivers it once when it is back', async () => {
        smtp.setFault('refuse');
        const { response } = await begin(ALICE.email);
        assert.equal(response.status, 202);
        assert.equal(await deliver(), 0);
        assert.equal(await store.outbox.size(), 1);
        smtp.setFault(null);
        assert.equal(await deliver(), 0, 'not before the backoff');
        clock.advance(5 * SECOND);
        assert.equal(await deliver(), 1);
        assert.equal(await deliver(), 0);
        assert.equal(smtp.to(ALICE.email).length, 1);
        assert.equal(await store.outbox.size(), 0);
      });

      it('records a permanent SMTP failure as mail.failed and stops retrying', async () => {
        smtp.setFault('reject-5xx');
        await begin(ALICE.email);
        await deliver();
        assert.equal(await store.outbox.size(), 0);
        const failed = await store.audit.query({ type: 'mail.failed', limit: 10 });
        assert.equal(failed.length, 1);
        assert.equal(failed[0]?.data.reason, 'smtp_550');
      });

      it('gives up after the last retry of a temporary failure and records it', async () => {
        smtp.setFault('reject-4xx');
        await begin(ALICE.email);
        for (let i = 0; i < 8; i += 1) {
          await deliver();
          clock.advance(10 * MINUTE);
        }
        assert.equal(await store.outbox.size(), 0);
        assert.equal((await store.audit.query({ type: 'mail.failed', limit: 10 })).length, 1);
      });

      it('delivers each message once when two instances run workers', async () => {
        const other = await build();
        for (const email of [ALICE.email, BOB.email]) await begin(email);
        const sent = await Promise.all([deliver(t), deliver(other)]);
        assert.equal(
          sent.reduce((a, b) => a + b, 0),
          2,
        );
        await Promise.all([deliver(t), deliver(other)]);
        assert.equal(smtp.messages.length, 2);
        await other.idp.close();
      });
    });

    describe('audit', () => {
      it('records started, code sent, code failed, blocked by policy and completed, with the IP', async () => {
        await t.idp.policy.set({ enabled: 'selected', groups: ['pilot'] }, { actor: 'admin' });
        await begin(BOB.email);
        const { agent, csrfToken, flowId } = await begin(ALICE.email);
        await deliver();
        await verify(agent, csrfToken, flowId, '000000');
        await verify(agent, csrfToken, flowId, smtp.codeFor(ALICE.email)).expect(200);
        await complete(agent, csrfToken, flowId).expect(200);
        const types = (await store.audit.query({ limit: 100 })).map((event) => event.type);
        for (const type of [
          'reset.started',
          'reset.code_sent',
          'reset.code_failed',
          'reset.blocked_by_policy',
          'reset.completed',
          'policy.changed',
        ]) {
          assert.ok(types.includes(type), type);
        }
        const completed = (await store.audit.query({ type: 'reset.completed', limit: 1 }))[0];
        assert.ok(completed?.userId);
        assert.match(completed?.ip ?? '', /127\.0\.0\.1/);
      });
    });
  });
}
