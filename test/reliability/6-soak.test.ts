/**
 * Soak: 10,000 mixed requests at concurrency 32 against the memory store and
 * 2,000 through the MongoDB adapter on the wire test server. 32 virtual users
 * each loop over sign-ins (right and wrong), reset journeys (start, verify,
 * complete, sign in with the new password), session checks, admin reads and
 * resets of unknown addresses. Checked: no 5xx at all; every queued message
 * delivered exactly once (the outbox's enqueues against what SMTP received);
 * resident memory between the first and the last thousand requests grows by
 * less than 20% (medians of samples taken every 100 requests).
 *
 * argon2 runs with its default parameters (m=19456 KiB, t=2, p=1). The per-IP
 * limits are raised, since every request comes from 127.0.0.1.
 *
 * About RSS: without a forced GC, V8 lets the old generation grow to several
 * times the live heap before collecting when its heap limit is large (the
 * default is about 4 GB here, allowing up to 4x), so RSS swings by ±30%
 * with the GC cycle and the comparison depends on where the windows fall. The
 * reliability run therefore caps the heap (.mocharc.reliability.json:
 * --max-old-space-size=768, growth factor about 1.5), which makes RSS follow
 * the live heap; global.gc is used only when the process exposes it.
 */
import assert from 'node:assert/strict';
import v8 from 'node:v8';
import nodemailer from 'nodemailer';
import { nodemailerMailer } from '../../lib/mail/mailer.js';
import type { Store } from '../../lib/store/types.js';
import { backends } from '../support/backends.js';
import { ManualClock } from '../support/clock.js';
import { SmtpCapture } from '../support/smtp.js';
import { Browser } from './support/http.js';
import { adminBrowser } from './support/journeys.js';
import { ledger } from './support/ledger.js';
import {
  createUser,
  OPEN_RATE_LIMITS,
  type RunningApp,
  sectionStore,
  startApp,
  stopApp,
} from './support/world.js';

const TOTAL: Record<string, number> = {
  memory: Number(process.env.SSPR_SOAK_MEMORY ?? 10_000),
  mongodb: Number(process.env.SSPR_SOAK_MONGODB ?? 2_000),
};
const CONCURRENCY = 32;
const USERS_PER_WORKER = 8;
const ADMIN = { email: 'admin@soak.example', password: 'copper willow 77 lantern', roles: ['admin'] };

/** A small seeded PRNG (mulberry32), so that a run can be repeated. */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((x, y) => x - y);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

const MB = 1024 * 1024;
const lines: string[] = [];

describe('reliability: soak', () => {
  after(() => {
    const heapLimit = Math.round(v8.getHeapStatistics().heap_size_limit / MB);
    ledger.summary(
      `soak (argon2 defaults m=19456,t=2,p=1; concurrency ${CONCURRENCY}; V8 heap limit ${heapLimit} MB): ${lines.join(' | ')}`,
    );
  });

  for (const backend of backends) {
    describe(`${backend.name} store`, () => {
      let smtp: SmtpCapture;
      let clock: ManualClock;
      let store: Store;
      let app: RunningApp;
      let release: () => Promise<void>;
      let transport: ReturnType<typeof nodemailer.createTransport>;
      /** What the outbox accepted, as `to|subject`. */
      const enqueued: string[] = [];
      /** What SMTP received, as `to|subject`. */
      const delivered: string[] = [];
      const codes = new Map<string, string[]>();

      before(async () => {
        smtp = await SmtpCapture.start();
        clock = new ManualClock();
        const section = await sectionStore(backend, clock);
        release = section.release;
        const inner = section.store;
        // Record every message the outbox accepts.
        const outbox = inner.outbox;
        store = {
          ...inner,
          kind: inner.kind,
          init: () => inner.init(),
          outbox: {
            enqueue: async (message) => {
              await outbox.enqueue(message);
              enqueued.push(`${message.to}|${message.subject}`);
            },
            claim: (owner, options) => outbox.claim(owner, options),
            complete: (id, owner) => outbox.complete(id, owner),
            retry: (id, owner, options) => outbox.retry(id, owner, options),
            abandon: (id, owner) => outbox.abandon(id, owner),
            size: () => outbox.size(),
          },
        };
        // A pooled SMTP transport: one connection reused, as a production app would configure it.
        transport = nodemailer.createTransport({
          host: '127.0.0.1',
          port: smtp.port,
          secure: false,
          ignoreTLS: true,
          pool: true,
          maxConnections: 1,
          maxMessages: Number.POSITIVE_INFINITY,
        });
        const mailer = nodemailerMailer(transport, { from: '"Contoso" <no-reply@contoso.example>' });
        app = await startApp({ store, clock, mailer, identity: OPEN_RATE_LIMITS });
        await createUser(app, ADMIN);
        await app.idp.policy.set({ enabled: 'all' }, { actor: 'admin' });
      });

      after(async () => {
        await ledger.harvestAudit(store);
        await stopApp(app);
        transport.close();
        await smtp.stop();
        await release();
      });

      /** Moves what SMTP received into compact records (the capture keeps whole messages). */
      function collectMail(): void {
        for (const message of smtp.messages.splice(0)) {
          for (const to of message.to) {
            delivered.push(`${to}|${message.subject}`);
            const code = /:\s*(\d{6})\b/.exec(message.text)?.[1];
            if (code) {
              ledger.note('code', code);
              codes.set(to, [...(codes.get(to) ?? []), code]);
            }
          }
        }
      }

      it(`${TOTAL[backend.name]} mixed requests at concurrency ${CONCURRENCY}: no 5xx, every mail once, RSS steady`, async function () {
        const total = TOTAL[backend.name] as number;
        this.timeout(total * 30);
        const workers = Array.from({ length: CONCURRENCY }, (_, w) =>
          Array.from({ length: USERS_PER_WORKER }, (_, u) => ({
            email: `w${w}u${u}@soak.example`,
            password: `soak passphrase ${w} ${u} v0`,
            version: 0,
          })),
        );
        const everyone = workers.flat();
        for (let i = 0; i < everyone.length; i += 32) {
          await Promise.all(everyone.slice(i, i + 32).map((user) => createUser(app, user)));
        }
        const admin = await adminBrowser(app.port, ADMIN.email, ADMIN.password);

        // Every answer the server gives, counted where it is sent.
        let answered = 0;
        const statuses = new Map<number, number>();
        const fiveHundreds: string[] = [];
        const rss: Array<{ at: number; bytes: number }> = [];
        const gc = (globalThis as { gc?: () => void }).gc;
        app.server.server.on('request', (req, res) => {
          res.on('finish', () => {
            answered += 1;
            statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
            if (res.statusCode >= 500) fiveHundreds.push(`${req.method} ${req.url} ${res.statusCode}`);
            if (answered % 100 === 0) {
              gc?.();
              rss.push({ at: answered, bytes: process.memoryUsage().rss });
            }
          });
        });

        const done = { resets: 0, signIns: 0, wrong: 0, sessions: 0, adminReads: 0, decoys: 0, capped: 0 };

        /** Delivers due mail until a new code for `email` arrives (the worker waits for its mail). */
        async function nextCode(email: string, seen: number): Promise<string | null> {
          for (let attempt = 0; attempt < 200; attempt += 1) {
            await app.idp.outbox.deliverDue();
            collectMail();
            const list = codes.get(email) ?? [];
            if (list.length > seen) return list.at(-1) as string;
            await new Promise<void>((resolve) => setImmediate(resolve));
          }
          return null;
        }

        /**
         * One virtual user at a keyboard: a browser that keeps its session (and
         * sometimes a new visitor's browser), working through random tasks.
         */
        async function worker(w: number): Promise<void> {
          const random = prng(w + 1);
          const users = workers[w] as typeof everyone;
          let turn = 0;
          let home = await new Browser(app.port).open();
          while (answered < total) {
            const roll = random();
            const user = users[turn++ % users.length] as (typeof everyone)[number];
            // Now and then a new visitor instead of the returning one.
            const browser = random() < 0.1 ? await new Browser(app.port).open() : home;
            if (roll < 0.3) {
              const reply = await browser.post('/auth/signin', {
                email: user.email,
                password: user.password,
              });
              assert.ok([200, 429].includes(reply.status), `sign-in: ${reply.status} ${reply.text}`);
              if (reply.status === 200) {
                done.signIns += 1;
                await browser.refreshCsrf();
                assert.equal((await browser.get('/auth/session')).status, 200);
                if (random() < 0.3) {
                  assert.equal((await browser.post('/auth/signout', {})).status, 204);
                  if (browser === home) home = await new Browser(app.port).open();
                }
              }
            } else if (roll < 0.45) {
              const email =
                random() < 0.5 ? user.email : `stranger${Math.floor(random() * 1e9)}@soak.example`;
              const password = `not the password ${w}`;
              ledger.note('password', password);
              const reply = await browser.post('/auth/signin', { email, password });
              assert.ok([401, 429].includes(reply.status), `wrong sign-in: ${reply.status}`);
              done.wrong += 1;
            } else if (roll < 0.7) {
              const seen = (codes.get(user.email) ?? []).length;
              const started = await browser.post('/auth/reset', { email: user.email });
              if (started.status === 429) {
                done.capped += 1;
                continue;
              }
              assert.equal(started.status, 202, started.text);
              const flowId = (started.json as { flowId: string }).flowId;
              const code = await nextCode(user.email, seen);
              assert.ok(code, `no code mail for ${user.email}`);
              assert.equal((await browser.post('/auth/reset/verify', { flowId, code })).status, 200);
              const password = `soak passphrase ${w} ${user.email.length} v${user.version + 1}x`;
              ledger.note('password', password);
              const completed = await browser.post('/auth/reset/password', { flowId, password });
              assert.equal(completed.status, 200, completed.text);
              user.password = password;
              user.version += 1;
              done.resets += 1;
              const reply = await browser.post('/auth/signin', { email: user.email, password });
              assert.equal(reply.status, 200, `sign-in after reset: ${reply.text}`);
              await browser.refreshCsrf();
            } else if (roll < 0.85) {
              const reply = await browser.get('/auth/session');
              // 401 when signed out, or when a reset of that user has ended the session since.
              assert.ok([200, 401].includes(reply.status), `session: ${reply.status}`);
              done.sessions += 1;
            } else if (roll < 0.95) {
              assert.equal((await admin.get('/auth/admin/password-reset')).status, 200);
              assert.equal((await admin.get('/auth/admin/audit?limit=20')).status, 200);
              done.adminReads += 1;
            } else {
              const reply = await browser.post('/auth/reset', {
                email: `nobody${Math.floor(random() * 1e9)}@soak.example`,
              });
              assert.equal(reply.status, 202, reply.text);
              done.decoys += 1;
            }
          }
        }

        const started = Date.now();
        await Promise.all(Array.from({ length: CONCURRENCY }, (_, w) => worker(w)));
        const seconds = (Date.now() - started) / 1000;

        // Drain what is left and compare what was queued with what was delivered.
        for (let i = 0; i < 50 && (await store.outbox.size()) > 0; i += 1) await app.idp.outbox.deliverDue();
        collectMail();
        assert.equal(await store.outbox.size(), 0, 'the outbox is empty');
        assert.deepEqual(fiveHundreds, [], 'no 5xx');
        assert.equal(
          delivered.length,
          enqueued.length,
          `${enqueued.length} queued, ${delivered.length} delivered`,
        );
        assert.deepEqual(
          [...delivered].sort(),
          [...enqueued].sort(),
          'every queued message delivered exactly once',
        );
        assert.ok(done.resets >= 20, `only ${done.resets} resets completed`);

        const first = rss.filter((sample) => sample.at <= 1000).map((sample) => sample.bytes);
        const last = rss.filter((sample) => sample.at > total - 1000).map((sample) => sample.bytes);
        const growth = median(last) / median(first) - 1;
        assert.ok(first.length >= 5 && last.length >= 5, 'enough RSS samples');
        assert.ok(
          growth < 0.2,
          `RSS grew ${(growth * 100).toFixed(1)}% (${(median(first) / MB).toFixed(0)} -> ${(median(last) / MB).toFixed(0)} MB)`,
        );

        const histogram = [...statuses]
          .sort(([x], [y]) => x - y)
          .map(([status, count]) => `${count}x${status}`)
          .join(' ');
        lines.push(
          `${backend.name}: ${answered} requests in ${seconds.toFixed(0)} s (${histogram}); 0 5xx; ` +
            `${done.resets} resets completed, ${done.signIns} sign-ins, ${done.wrong} wrong sign-ins, ${done.capped} starts over the mail cap; ` +
            `${enqueued.length} mails queued = ${delivered.length} delivered, 0 lost, 0 twice; ` +
            `RSS median ${(median(first) / MB).toFixed(0)} MB (first 1,000) -> ${(median(last) / MB).toFixed(0)} MB (last 1,000), ` +
            `${growth >= 0 ? '+' : ''}${(growth * 100).toFixed(1)}%${gc ? ' (gc before each sample)' : ''}`,
        );
      });
    });
  }
});
