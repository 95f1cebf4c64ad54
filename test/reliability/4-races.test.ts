/**
 * Races at the HTTP level, on both stores: parallel completions of one
 * verified flow, parallel wrong codes, parallel resends, parallel policy
 * changes, and sign-ins with the old password racing a completion.
 *
 * The app raises the sign-in lockout threshold to 1,000 so that the racing
 * wrong sign-ins do not lock the account under test (the lockout has its own
 * tests), and the per-IP limits, since every request comes from 127.0.0.1.
 */
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import type { Store } from '../../lib/store/types.js';
import { backends } from '../support/backends.js';
import { ManualClock, MINUTE } from '../support/clock.js';
import { SmtpCapture } from '../support/smtp.js';
import {
  adminBrowser,
  complete,
  deliverCode,
  signIn,
  signInStatus,
  startReset,
  verifiedFlow,
  verify,
} from './support/journeys.js';
import { ledger } from './support/ledger.js';
import {
  createUser,
  OPEN_RATE_LIMITS,
  type RunningApp,
  sectionStore,
  startApp,
  stopApp,
} from './support/world.js';

const ADMIN = { email: 'admin@races.example', password: 'orchard lamplight 93', roles: ['admin'] };

const results = new Map<string, string[]>();

describe('reliability: races', () => {
  after(() => {
    const parts = [...results].map(([store, lines]) => `${store}: ${lines.join('; ')}`);
    ledger.summary(`races: ${parts.join(' | ')}`);
  });

  for (const backend of backends) {
    describe(`${backend.name} store`, () => {
      let smtp: SmtpCapture;
      let clock: ManualClock;
      let store: Store;
      let release: () => Promise<void>;
      let app: RunningApp;
      let seq = 0;
      const lines: string[] = [];
      results.set(backend.name, lines);

      before(async () => {
        smtp = await SmtpCapture.start();
        clock = new ManualClock();
        ({ store, release } = await sectionStore(backend, clock));
        app = await startApp({
          store,
          clock,
          mailer: smtp.mailer(),
          identity: { ...OPEN_RATE_LIMITS, lockout: { threshold: 1000 } },
        });
        await createUser(app, ADMIN);
        await app.idp.policy.set({ enabled: 'all' }, { actor: 'admin' });
      });

      after(async () => {
        ledger.harvestMail(smtp);
        await ledger.harvestAudit(store);
        await stopApp(app);
        await smtp.stop();
        await release();
      });

      async function newUser() {
        seq += 1;
        const user = { email: `racer${seq}@races.example`, password: `racing passphrase number ${seq}` };
        await createUser(app, user);
        return user;
      }

      function countBy(statuses: number[]): string {
        const counts = new Map<number, number>();
        for (const status of statuses) counts.set(status, (counts.get(status) ?? 0) + 1);
        return [...counts]
          .sort(([a], [b]) => a - b)
          .map(([status, count]) => `${count}x${status}`)
          .join(' + ');
      }

      for (const samePassword of [false, true]) {
        it(`20 parallel completions of one verified flow (${samePassword ? 'one password' : 'different passwords'}): exactly one 200, the password changes once`, async () => {
          const user = await newUser();
          const before = await store.users.findByEmail(user.email);
          const { browser, flowId } = await verifiedFlow(app, smtp, user.email);
          const passwords = Array.from({ length: 20 }, (_, i) =>
            samePassword ? `${user.password} renewed` : `${user.password} renewed ${i}`,
          );
          const replies = await Promise.all(passwords.map((password) => complete(browser, flowId, password)));
          const statuses = replies.map((reply) => reply.status);
          assert.equal(statuses.filter((status) => status === 200).length, 1, countBy(statuses));
          for (const reply of replies) if (reply.status !== 200) assert.equal(reply.status, 410, reply.text);
          const after = await store.users.findByEmail(user.email);
          assert.equal(after?.credentialsVersion, (before?.credentialsVersion ?? 0) + 1);
          const winner = passwords[statuses.indexOf(200)] as string;
          assert.equal(await signInStatus(app.port, user.email, winner), 200);
          assert.equal(await signInStatus(app.port, user.email, user.password), 401);
          if (!samePassword) {
            const loser = passwords.find((password) => password !== winner) as string;
            assert.equal(await signInStatus(app.port, user.email, loser), 401);
          }
          await app.idp.outbox.deliverDue();
          const notices = smtp.to(user.email).filter((mail) => /password was changed/i.test(mail.subject));
          assert.equal(notices.length, 1, 'one "password changed" mail');
          const events = await store.audit.query({
            type: 'reset.completed',
            userId: after?.id as string,
            limit: 50,
          });
          assert.equal(events.length, 1, 'one reset.completed event');
          lines.push(
            `20 parallel completions (${samePassword ? 'same' : 'different'} passwords): ${countBy(statuses)}, version +1`,
          );
        });
      }

      it('50 parallel wrong codes: the attempts never pass 5 and the flow dies', async () => {
        const user = await newUser();
        const { browser, flowId } = await startReset(app.port, user.email);
        const code = await deliverCode(app, smtp, user.email);
        const wrong = String((Number(code) + 1) % 1_000_000).padStart(6, '0');
        const replies = await Promise.all(Array.from({ length: 50 }, () => verify(browser, flowId, wrong)));
        const statuses = replies.map((reply) => reply.status);
        assert.ok(
          statuses.every((status) => status === 400 || status === 429),
          countBy(statuses),
        );
        assert.ok(statuses.filter((status) => status === 400).length <= 4, countBy(statuses));
        assert.equal((await store.resetFlows.get(flowId))?.attempts, 5);
        const right = await verify(browser, flowId, code);
        assert.equal(right.status, 429);
        assert.equal((right.json as { error: { code: string } }).error.code, 'too_many_attempts');
        lines.push(`50 parallel wrong codes: ${countBy(statuses)}, attempts 5`);
      });

      it('20 parallel resends after resendAfter: exactly one new code is mailed', async () => {
        const user = await newUser();
        const { browser, flowId } = await startReset(app.port, user.email);
        const first = await deliverCode(app, smtp, user.email);
        clock.advance(MINUTE);
        const replies = await Promise.all(
          Array.from({ length: 20 }, () => browser.post('/auth/reset/resend', { flowId })),
        );
        const statuses = replies.map((reply) => reply.status);
        assert.equal(statuses.filter((status) => status === 202).length, 1, countBy(statuses));
        for (const reply of replies) if (reply.status !== 202) assert.equal(reply.status, 429, reply.text);
        await app.idp.outbox.deliverDue();
        const codeMails = smtp.to(user.email).filter((mail) => !/password was changed/i.test(mail.subject));
        assert.equal(codeMails.length, 2, 'the first code and exactly one new one');
        assert.equal((await store.resetFlows.get(flowId))?.codesSent, 2);
        const second = await deliverCode(app, smtp, user.email);
        if (second !== first) assert.equal((await verify(browser, flowId, first)).status, 400);
        assert.equal((await verify(browser, flowId, second)).status, 200);
        lines.push(`20 parallel resends: ${countBy(statuses)}, 1 new code mailed`);
      });

      it('20 parallel policy changes through PUT: the final policy is one of them, one policy.changed per success', async () => {
        const admin = await adminBrowser(app.port, ADMIN.email, ADMIN.password);
        clock.advance(1000);
        const since = clock.now();
        const bodies = Array.from({ length: 20 }, (_, i) =>
          i % 3 === 0
            ? { enabled: 'selected', groups: [`group-${i}`] }
            : i % 3 === 1
              ? { enabled: 'all', groups: [] }
              : { enabled: 'none', groups: [] },
        );
        const replies = await Promise.all(
          bodies.map((body) => admin.json('PUT', '/auth/admin/password-reset', body)),
        );
        const statuses = replies.map((reply) => reply.status);
        const succeeded = statuses.filter((status) => status === 200).length;
        assert.equal(succeeded, 20, countBy(statuses));
        const key = (policy: { enabled: string; groups: string[] }) =>
          `${policy.enabled}:${policy.groups.join(',')}`;
        const submitted = bodies.map(key);
        const final = await store.policy.getPasswordResetPolicy();
        assert.ok(submitted.includes(key(final)), `final policy ${key(final)} was never submitted`);
        const events = await store.audit.query({ type: 'policy.changed', since, limit: 1000 });
        assert.equal(events.length, succeeded);
        const written = events
          .map((event) =>
            key({ enabled: String(event.data.newEnabled), groups: event.data.newGroups as string[] }),
          )
          .sort();
        assert.deepEqual(written, [...submitted].sort(), 'each event records one submitted policy');
        // Each change saw the policy some other change (or the start) left: the events chain.
        const olds = events.map((event) =>
          key({ enabled: String(event.data.oldEnabled), groups: event.data.oldGroups as string[] }),
        );
        for (const old of olds) assert.ok(old === 'all:' || submitted.includes(old), old);
        await app.idp.policy.set({ enabled: 'all' }, { actor: 'admin' });
        lines.push(
          `20 parallel policy PUTs: ${countBy(statuses)}, final = one submitted, ${succeeded} policy.changed`,
        );
      });

      it('sign-ins with the old password racing a completion: none succeeds after it, the sessions they made end', async () => {
        const user = await newUser();
        const newPassword = `${user.password} renewed`;
        const { browser, flowId } = await verifiedFlow(app, smtp, user.email);
        let completedAt = Number.POSITIVE_INFINITY;
        const completion = complete(browser, flowId, newPassword).then((reply) => {
          completedAt = performance.now();
          return reply;
        });
        // Four lanes of sign-ins with the old password, one after another, while the completion runs.
        const first: Array<Awaited<ReturnType<typeof signIn>> & { sentAt: number }> = [];
        const lane = async () => {
          while (completedAt === Number.POSITIVE_INFINITY && first.length < 200) {
            const sentAt = performance.now();
            first.push({ ...(await signIn(app.port, user.email, user.password)), sentAt });
          }
        };
        await Promise.all([completion, lane(), lane(), lane(), lane()]);
        const done = await completion;
        assert.equal(done.status, 200, done.text);
        const after = await Promise.all(
          Array.from({ length: 10 }, () => signInStatus(app.port, user.email, user.password)),
        );
        assert.deepEqual(after, Array(10).fill(401), 'old password after the completion answered');
        let succeeded = 0;
        for (const attempt of first) {
          assert.ok(attempt.reply.status === 200 || attempt.reply.status === 401, attempt.reply.text);
          if (attempt.reply.status !== 200) continue;
          succeeded += 1;
          assert.ok(attempt.sentAt < completedAt, 'a sign-in sent after the completion answered succeeded');
          // Its session carries the old credentials version: it is signed out now.
          assert.equal((await attempt.browser.get('/auth/session')).status, 401);
        }
        assert.equal(await signInStatus(app.port, user.email, user.password), 401);
        assert.equal(await signInStatus(app.port, user.email, newPassword), 200);
        lines.push(
          `${first.length + 10} old-password sign-ins racing a completion: ${succeeded} succeeded while it ran ` +
            `(their sessions ended with it), ${first.length - succeeded} failed, 0 succeeded after its 200`,
        );
      });
    });
  }
});
