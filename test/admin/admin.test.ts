import assert from 'node:assert/strict';
import session from 'express-session';
import supertest from 'supertest';
import type { Store } from '../../lib/store/types.js';
import { agentWithCsrf, buildTestApp, type TestApp } from '../support/app.js';
import { backends } from '../support/backends.js';
import { ManualClock, SECOND } from '../support/clock.js';
import { SmtpCapture } from '../support/smtp.js';

const ADMIN = { email: 'admin@example.com', password: 'ops correct horse 42' };
const ALICE = { email: 'alice@example.com', password: 'pilot battery staple 7' };
const BOB = { email: 'bob@example.com', password: 'purple monkey dishwasher' };

type Agent = ReturnType<typeof supertest.agent>;

for (const backend of backends) {
  describe(`administration (${backend.name} store)`, () => {
    let smtp: SmtpCapture;
    let clock: ManualClock;
    let store: Store;
    let sessions: session.MemoryStore;
    let t: TestApp;

    before(async () => {
      smtp = await SmtpCapture.start();
    });
    after(async () => {
      await smtp.stop();
    });

    async function build(extra: Parameters<typeof buildTestApp>[0] = {}): Promise<TestApp> {
      const app = await buildTestApp({
        store,
        clock,
        sessionStore: sessions,
        mailer: smtp.mailer(),
        ...extra,
      });
      app.app.use('/auth/admin', app.idp.adminRouter());
      app.app.use(app.idp.errorHandler);
      return app;
    }

    beforeEach(async () => {
      smtp.clear();
      clock = new ManualClock();
      store = await backend.create(clock);
      sessions = new session.MemoryStore();
      t = await build();
      await t.idp.users.create({ ...ADMIN, roles: ['admin'] });
      await t.idp.users.create({ ...ALICE, groups: ['pilot'] });
      await t.idp.users.create({ ...BOB });
    });

    afterEach(async () => {
      await t.idp.close();
    });

    async function signedIn(who: { email: string; password: string }, app: TestApp = t) {
      const { agent, csrfToken } = await agentWithCsrf(app.app);
      await agent.post('/auth/signin').set('x-csrf-token', csrfToken).send(who).expect(200);
      const token = (await agent.get('/auth/csrf').set('Accept', 'application/json')).body
        .csrfToken as string;
      return { agent, csrfToken: token };
    }

    function put(agent: Agent, csrfToken: string, body: unknown) {
      return agent
        .put('/auth/admin/password-reset')
        .set('x-csrf-token', csrfToken)
        .send(body as object);
    }

    async function resetStatusFor(
      email: string,
      app: TestApp = t,
    ): Promise<'code' | 'not_enabled' | 'disabled'> {
      smtp.clear();
      const { agent, csrfToken } = await agentWithCsrf(app.app);
      const response = await agent.post('/auth/reset').set('x-csrf-token', csrfToken).send({ email });
      if (response.status === 403) return 'disabled';
      assert.equal(response.status, 202);
      await app.idp.outbox.deliverDue();
      const mail = smtp.to(email).at(-1);
      return mail && /\d{6}/.test(mail.text) ? 'code' : 'not_enabled';
    }

    describe('access', () => {
      it('answers 401 unauthenticated when signed out', async () => {
        const get = await supertest(t.app)
          .get('/auth/admin/password-reset')
          .set('Accept', 'application/json');
        assert.equal(get.status, 401);
        assert.equal(get.body.error.code, 'unauthenticated');
        const { agent, csrfToken } = await agentWithCsrf(t.app);
        const change = await put(agent, csrfToken, { enabled: 'all', groups: [] });
        assert.equal(change.status, 401);
      });

      it('sends a signed-out visitor of the blade page to sign in', async () => {
        const response = await supertest(t.app).get('/auth/admin/password-reset');
        assert.equal(response.status, 303);
        assert.equal(response.headers.location, '/auth/signin?returnTo=%2Fauth%2Fadmin%2Fpassword-reset');
      });

      it('answers 403 forbidden to a signed-in user who is not an administrator', async () => {
        const { agent, csrfToken } = await signedIn(ALICE);
        const get = await agent.get('/auth/admin/password-reset').set('Accept', 'application/json');
        assert.equal(get.status, 403);
        assert.equal(get.body.error.code, 'forbidden');
        assert.equal((await put(agent, csrfToken, { enabled: 'all' })).status, 403);
        assert.equal((await agent.get('/auth/admin/audit').set('Accept', 'application/json')).status, 403);
      });

      it('lets the host app decide who is an administrator', async () => {
        const custom = await buildTestApp({ store, clock, sessionStore: sessions });
        custom.app.use(
          '/auth/admin',
          custom.idp.adminRouter((_req, user) => user.groups.includes('pilot')),
        );
        custom.app.use(custom.idp.errorHandler);
        const { agent } = await signedIn(ALICE, custom);
        await agent.get('/auth/admin/password-reset').set('Accept', 'application/json').expect(200);
        await custom.idp.close();
      });

      it('needs the CSRF token for a change', async () => {
        const { agent } = await signedIn(ADMIN);
        const response = await agent.put('/auth/admin/password-reset').send({ enabled: 'all', groups: [] });
        assert.equal(response.status, 403);
        assert.equal(response.body.error.code, 'csrf_invalid');
      });
    });

    describe('policy API', () => {
      it('reads none by default', async () => {
        const { agent } = await signedIn(ADMIN);
        const response = await agent
          .get('/auth/admin/password-reset')
          .set('Accept', 'application/json')
          .expect(200);
        assert.deepEqual(response.body, { enabled: 'none', groups: [], updatedAt: null, updatedBy: null });
      });

      it('changes the policy, recording who and when, with one audit event', async () => {
        const { agent, csrfToken } = await signedIn(ADMIN);
        const response = await put(agent, csrfToken, { enabled: 'selected', groups: ['pilot'] }).expect(200);
        assert.deepEqual(response.body, {
          enabled: 'selected',
          groups: ['pilot'],
          updatedAt: clock.now().toISOString(),
          updatedBy: ADMIN.email,
        });
        const events = await store.audit.query({ type: 'policy.changed', limit: 10 });
        assert.equal(events.length, 1);
        assert.equal(events[0]?.actor, ADMIN.email);
        assert.deepEqual(events[0]?.data, {
          oldEnabled: 'none',
          oldGroups: [],
          newEnabled: 'selected',
          newGroups: ['pilot'],
        });
      });

      it('validates every field, naming it', async () => {
        const { agent, csrfToken } = await signedIn(ADMIN);
        const cases: Array<[unknown, string]> = [
          [{}, 'enabled'],
          [{ enabled: 'some' }, 'enabled'],
          [{ enabled: { $ne: null } }, 'enabled'],
          [{ enabled: ['all'] }, 'enabled'],
          [{ enabled: 'selected' }, 'groups'],
          [{ enabled: 'selected', groups: [] }, 'groups'],
          [{ enabled: 'selected', groups: 'pilot' }, 'groups'],
          [{ enabled: 'selected', groups: [{ $gt: '' }] }, 'groups'],
          [{ enabled: 'selected', groups: [42] }, 'groups'],
          [{ enabled: 'selected', groups: ['a\nb'] }, 'groups'],
          [{ enabled: 'selected', groups: ['x'.repeat(65)] }, 'groups'],
        ];
        for (const [body, field] of cases) {
          const response = await put(agent, csrfToken, body);
          assert.equal(response.status, 400, JSON.stringify(body));
          assert.equal(response.body.error.code, 'invalid_request');
          assert.equal(response.body.error.field, field, JSON.stringify(body));
        }
        assert.equal((await store.policy.getPasswordResetPolicy()).enabled, 'none');
        assert.equal((await store.audit.query({ type: 'policy.changed', limit: 10 })).length, 0);
      });

      it('none -> all -> selected changes who receives a code', async () => {
        const { agent, csrfToken } = await signedIn(ADMIN);
        assert.equal(await resetStatusFor(ALICE.email), 'disabled');
        await put(agent, csrfToken, { enabled: 'all', groups: [] }).expect(200);
        assert.equal(await resetStatusFor(ALICE.email), 'code');
        assert.equal(await resetStatusFor(BOB.email), 'code');
        await put(agent, csrfToken, { enabled: 'selected', groups: ['pilot'] }).expect(200);
        assert.equal(await resetStatusFor(ALICE.email), 'code');
        assert.equal(await resetStatusFor(BOB.email), 'not_enabled');
      });

      it('governs a reset on another app instance within 5 seconds', async () => {
        const other = await build();
        assert.equal(await resetStatusFor(BOB.email, other), 'disabled');
        const { agent, csrfToken } = await signedIn(ADMIN);
        await put(agent, csrfToken, { enabled: 'all', groups: [] }).expect(200);
        clock.advance(5 * SECOND);
        assert.equal(await resetStatusFor(BOB.email, other), 'code');
        await other.idp.close();
      });

      it('is also a programmatic API: idp.policy.get() and set()', async () => {
        const updated = await t.idp.policy.set({ enabled: 'all' }, { actor: 'script' });
        assert.equal(updated.enabled, 'all');
        assert.equal((await t.idp.policy.get()).updatedBy, 'script');
        await assert.rejects(t.idp.policy.set({ enabled: 'selected' }, { actor: 'script' }), /groups/);
      });
    });

    describe('the blade', () => {
      it('shows the heading, the radio group, Save, the last change and the counts', async () => {
        await t.idp.policy.set({ enabled: 'selected', groups: ['pilot'] }, { actor: 'ops@example.com' });
        const { agent } = await signedIn(ADMIN);
        const page = await agent.get('/auth/admin/password-reset').expect(200);
        assert.match(page.text, /<h1>Password reset<\/h1>/);
        assert.match(page.text, /<legend id="enabled-legend">Self service password reset enabled<\/legend>/);
        for (const [value, label] of [
          ['none', 'None'],
          ['selected', 'Selected'],
          ['all', 'All'],
        ]) {
          assert.match(page.text, new RegExp(`id="enabled-${value}" name="enabled" value="${value}"`));
          assert.match(page.text, new RegExp(`<label for="enabled-${value}">${label}</label>`));
        }
        assert.match(page.text, /value="selected" checked/);
        assert.match(page.text, /<button type="submit">Save<\/button>/);
        assert.match(page.text, /Last changed by ops@example\.com/);
        assert.match(page.text, /\(3 accounts\)/);
        assert.match(page.text, /\(1 account\)/);
        assert.match(page.text, /value="pilot"/);
      });

      it('saves a choice from the form and confirms it', async () => {
        const { agent, csrfToken } = await signedIn(ADMIN);
        const saved = await agent
          .post('/auth/admin/password-reset')
          .type('form')
          .send({ enabled: 'all', groups: '', _csrf: csrfToken });
        assert.equal(saved.status, 303);
        assert.equal(saved.headers.location, '/auth/admin/password-reset?saved=1');
        const page = await agent.get(saved.headers.location).expect(200);
        assert.match(page.text, /Your changes have been saved\./);
        assert.match(page.text, /value="all" checked/);
        assert.equal((await store.policy.getPasswordResetPolicy()).enabled, 'all');
      });

      it('shows a missing group for Selected beside the field', async () => {
        const { agent, csrfToken } = await signedIn(ADMIN);
        const response = await agent
          .post('/auth/admin/password-reset')
          .type('form')
          .send({ enabled: 'selected', groups: ' , ', _csrf: csrfToken });
        assert.equal(response.status, 400);
        assert.match(response.text, /id="groups-error"/);
        assert.match(response.text, /value="selected" checked/);
      });
    });

    describe('eligibility report', () => {
      it('counts all, covered, not covered, without email and per group', async () => {
        await store.users.create({
          id: 'no-email',
          email: null,
          username: 'carol',
          displayName: null,
          passwordHash: 'x',
          groups: ['pilot'],
          roles: [],
          emailVerified: false,
          language: null,
          now: clock.now(),
        });
        await t.idp.policy.set({ enabled: 'selected', groups: ['pilot', 'staff'] }, { actor: 'admin' });
        const { agent } = await signedIn(ADMIN);
        const response = await agent
          .get('/auth/admin/password-reset/eligibility')
          .set('Accept', 'application/json')
          .expect(200);
        assert.deepEqual(response.body, {
          policy: { enabled: 'selected', groups: ['pilot', 'staff'] },
          total: 4,
          covered: 1,
          notCovered: 3,
          withoutEmail: 1,
          groups: [
            { group: 'pilot', members: 2, covered: 1 },
            { group: 'staff', members: 0, covered: 0 },
          ],
          byChoice: { none: 0, selected: 1, all: 3 },
        });
      });
    });

    describe('audit log', () => {
      it('lists events newest first with filters and a cursor', async () => {
        const { agent } = await signedIn(ADMIN);
        for (let i = 0; i < 3; i += 1) {
          clock.advance(SECOND);
          await t.idp.policy.set({ enabled: i % 2 === 0 ? 'all' : 'none' }, { actor: `admin-${i}` });
        }
        const all = await agent
          .get('/auth/admin/audit?type=policy.changed&limit=2')
          .set('Accept', 'application/json');
        assert.equal(all.status, 200);
        assert.deepEqual(
          all.body.events.map((event: { actor: string }) => event.actor),
          ['admin-2', 'admin-1'],
        );
        assert.ok(all.body.nextCursor);
        const next = await agent
          .get(`/auth/admin/audit?type=policy.changed&limit=2&cursor=${all.body.nextCursor}`)
          .set('Accept', 'application/json');
        assert.deepEqual(
          next.body.events.map((event: { actor: string }) => event.actor),
          ['admin-0'],
        );
        assert.equal(next.body.nextCursor, null);
        const admin = await store.users.findByEmail(ADMIN.email);
        const mine = await agent
          .get(`/auth/admin/audit?userId=${admin?.id}&type=signin.success`)
          .set('Accept', 'application/json');
        assert.equal(mine.body.events.length, 1);
        const since = await agent
          .get(`/auth/admin/audit?since=${encodeURIComponent(clock.now().toISOString())}`)
          .set('Accept', 'application/json');
        assert.deepEqual(
          since.body.events.map((event: { type: string }) => event.type),
          ['policy.changed'],
        );
      });

      it('refuses a limit over 500, a bad date and a bad cursor', async () => {
        const { agent } = await signedIn(ADMIN);
        for (const query of ['limit=501', 'limit=0', 'since=yesterday', 'cursor=nope', 'type=a&type=b']) {
          const response = await agent.get(`/auth/admin/audit?${query}`).set('Accept', 'application/json');
          assert.equal(response.status, 400, query);
        }
      });

      it('shows the events as a page with the same filters', async () => {
        await t.idp.policy.set({ enabled: 'all' }, { actor: 'ops<script>' });
        const { agent } = await signedIn(ADMIN);
        const page = await agent.get('/auth/admin/audit?type=policy.changed').expect(200);
        assert.match(page.text, /<h1>Audit log<\/h1>/);
        assert.match(page.text, /<option value="policy.changed" selected>/);
        assert.match(page.text, /ops&lt;script&gt;/);
      });

      it('forgets events after the retention period (90 days by default)', async function () {
        if (!backend.ttlFollowsClock()) {
          console.log('      (skipped: a real MongoDB expires TTL documents on its own clock)');
          this.skip();
        }
        await t.idp.policy.set({ enabled: 'all' }, { actor: 'old' });
        clock.advance(91 * 24 * 3600 * SECOND);
        const events = await store.audit.query({ type: 'policy.changed', limit: 10 });
        assert.equal(events.length, 0);
      });
    });
  });
}
