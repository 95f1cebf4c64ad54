/**
 * Several instances: two app instances on one store and one session store,
 * as two processes behind a load balancer. On MongoDB each instance has its
 * own `mongoStore(db)` over the same database; the memory store is one
 * object, which is what "one store" means within a process.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import session from 'express-session';
import { mongoStore } from '../../lib/store/mongodb/index.js';
import type { Store } from '../../lib/store/types.js';
import { type Backend, backends, sharedMongo } from '../support/backends.js';
import { ManualClock, SECOND } from '../support/clock.js';
import { SmtpCapture } from '../support/smtp.js';
import { Browser } from './support/http.js';
import { adminBrowser, complete, deliverCode, signInStatus, startReset, verify } from './support/journeys.js';
import { ledger } from './support/ledger.js';
import { createUser, type RunningApp, sectionStore, startApp, stopApp } from './support/world.js';

const ADMIN = { email: 'admin@instances.example', password: 'granite sparrow 58', roles: ['admin'] };

/** Two stores over one backing store, and how to drop it. */
async function twoStores(
  backend: Backend,
  clock: ManualClock,
): Promise<{ stores: [Store, Store]; release(): Promise<void> }> {
  if (backend.name === 'memory') {
    const { store, release } = await sectionStore(backend, clock);
    return { stores: [store, store], release };
  }
  const target = await sharedMongo();
  target.server?.setClock(() => clock.now());
  const db = target.client.db(`sspr_instances_${randomBytes(6).toString('hex')}`);
  return { stores: [mongoStore(db), mongoStore(db)], release: async () => void (await db.dropDatabase()) };
}

const results = new Map<string, string[]>();

describe('reliability: several instances', () => {
  after(() => {
    const parts = [...results].map(([store, lines]) => `${store}: ${lines.join('; ')}`);
    ledger.summary(`several instances (2 apps, one store, one session store): ${parts.join(' | ')}`);
  });

  for (const backend of backends) {
    describe(`${backend.name} store`, () => {
      let smtp: SmtpCapture;
      let clock: ManualClock;
      let stores: [Store, Store];
      let release: () => Promise<void>;
      let a: RunningApp;
      let b: RunningApp;
      let seq = 0;
      const lines: string[] = [];
      results.set(backend.name, lines);

      before(async () => {
        smtp = await SmtpCapture.start();
        clock = new ManualClock();
        ({ stores, release } = await twoStores(backend, clock));
        const sessionStore = new session.MemoryStore();
        // Default per-IP limits are kept; the tests stay under them by moving the clock.
        a = await startApp({ store: stores[0], clock, sessionStore, mailer: smtp.mailer() });
        b = await startApp({ store: stores[1], clock, sessionStore, mailer: smtp.mailer() });
        await createUser(a, ADMIN);
        await a.idp.policy.set({ enabled: 'all' }, { actor: 'admin' });
      });

      after(async () => {
        ledger.harvestMail(smtp);
        await ledger.harvestAudit(stores[0]);
        await stopApp(a);
        await stopApp(b);
        await smtp.stop();
        await release();
      });

      beforeEach(() => {
        // A fresh minute for the per-IP limits of both instances.
        clock.advance(61 * SECOND);
      });

      async function newUser() {
        seq += 1;
        const user = {
          email: `member${seq}@instances.example`,
          password: `instance passphrase number ${seq}`,
        };
        await createUser(seq % 2 === 0 ? a : b, user);
        return user;
      }

      it('completes on one instance a flow started on the other', async () => {
        const user = await newUser();
        const { browser, flowId } = await startReset(a.port, user.email);
        const code = await deliverCode(b, smtp, user.email);
        browser.port = b.port;
        assert.equal((await verify(browser, flowId, code)).status, 200);
        assert.equal((await complete(browser, flowId, `${user.password} renewed`)).status, 200);
        assert.equal(await signInStatus(a.port, user.email, `${user.password} renewed`), 200);
        assert.equal(await signInStatus(b.port, user.email, user.password), 401);
        lines.push('flow started on A verified and completed on B');
      });

      it('shares the per-account mail cap: 5 code mails an hour across both instances', async () => {
        const user = await newUser();
        const statuses: number[] = [];
        for (let i = 0; i < 7; i += 1) {
          const browser = await new Browser(i % 2 === 0 ? a.port : b.port).open();
          statuses.push((await browser.post('/auth/reset', { email: user.email })).status);
        }
        assert.deepEqual(statuses, [202, 202, 202, 202, 202, 429, 429]);
        await Promise.all([a.idp.outbox.deliverDue(), b.idp.outbox.deliverDue()]);
        assert.equal(smtp.to(user.email).length, 5);
        lines.push('mail cap shared (starts 1-5 on A/B alternately 202, 6th and 7th 429, 5 mails)');
      });

      it('shares the sign-in lockout: 5 failures on each instance lock the name on both', async () => {
        const user = await newUser();
        for (let i = 0; i < 10; i += 1) {
          assert.equal(await signInStatus(i < 5 ? a.port : b.port, user.email, `wrong password ${i}`), 401);
        }
        assert.equal(await signInStatus(a.port, user.email, user.password), 429);
        assert.equal(await signInStatus(b.port, user.email, user.password), 429);
        lines.push('lockout shared (5 failures on A + 5 on B lock the name on both)');
      });

      it('lets a policy change made on one instance govern the other within 5 s of clock time', async () => {
        const admin = await adminBrowser(a.port, ADMIN.email, ADMIN.password);
        const startOn = async (app: RunningApp) => {
          const browser = await app.browser();
          seq += 1;
          return (await browser.post('/auth/reset', { email: `nobody${seq}@instances.example` })).status;
        };
        assert.equal(await startOn(b), 202, 'B has read the policy (all) and may cache it');
        const off = await admin.json('PUT', '/auth/admin/password-reset', { enabled: 'none' });
        assert.equal(off.status, 200);
        assert.equal(await startOn(a), 403, 'the instance that changed it at once');
        clock.advance(5 * SECOND);
        assert.equal(await startOn(b), 403, 'the other instance within 5 s');
        const on = await admin.json('PUT', '/auth/admin/password-reset', { enabled: 'all' });
        assert.equal(on.status, 200);
        clock.advance(5 * SECOND);
        assert.equal(await startOn(b), 202, 'and back on within 5 s');
        lines.push('policy changes on A (all -> none -> all) held on B within 5 s of clock time');
      });

      it('delivers each message once when both instances drain the outbox', async () => {
        const users = await Promise.all(Array.from({ length: 10 }, () => newUser()));
        for (const [i, user] of users.entries()) {
          const browser = await new Browser(i % 2 === 0 ? a.port : b.port).open();
          assert.equal((await browser.post('/auth/reset', { email: user.email })).status, 202);
        }
        await Promise.all([
          a.idp.outbox.deliverDue(),
          b.idp.outbox.deliverDue(),
          b.idp.outbox.deliverDue(),
          a.idp.outbox.deliverDue(),
        ]);
        await Promise.all([a.idp.outbox.deliverDue(), b.idp.outbox.deliverDue()]);
        for (const user of users) assert.equal(smtp.to(user.email).length, 1, user.email);
        assert.equal(await stores[0].outbox.size(), 0);
        lines.push(`${users.length} mails queued on both, drained by both at once, each delivered once`);
      });
    });
  }
});
