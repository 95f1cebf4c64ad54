/**
 * SMTP faults: refused connections, 4xx and 5xx answers, and a server that
 * accepts the connection but never greets. The user's answer to
 * POST /auth/reset never changes (mail is queued, never sent inside the
 * request); queued mail is delivered exactly once after SMTP recovers; a
 * permanent failure or the last retry is recorded as `mail.failed`; and two
 * app instances draining one outbox never send a message twice.
 */
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import net from 'node:net';
import nodemailer from 'nodemailer';
import { nodemailerMailer } from '../../lib/mail/mailer.js';
import type { Store } from '../../lib/store/types.js';
import { backends } from '../support/backends.js';
import { ManualClock, MINUTE, SECOND } from '../support/clock.js';
import { SmtpCapture } from '../support/smtp.js';
import { ledger } from './support/ledger.js';
import {
  createUser,
  OPEN_RATE_LIMITS,
  type RunningApp,
  sectionStore,
  startApp,
  stopApp,
} from './support/world.js';

/**
 * A TCP front for the capture server: normally it passes connections
 * through; while `hanging`, it accepts them and never says a word (no SMTP
 * greeting), like a server that is up but stuck.
 */
class SmtpGate {
  hanging = false;
  port = 0;
  private readonly sockets = new Set<net.Socket>();
  private readonly server: net.Server;

  private constructor(private readonly upstreamPort: number) {
    this.server = net.createServer((socket) => this.accept(socket));
  }

  static async start(upstreamPort: number): Promise<SmtpGate> {
    const gate = new SmtpGate(upstreamPort);
    await new Promise<void>((resolve) => gate.server.listen(0, '127.0.0.1', resolve));
    gate.port = (gate.server.address() as AddressInfo).port;
    return gate;
  }

  private accept(socket: net.Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => {});
    if (this.hanging) return;
    const upstream = net.connect(this.upstreamPort, '127.0.0.1');
    this.sockets.add(upstream);
    upstream.on('close', () => {
      this.sockets.delete(upstream);
      socket.destroy();
    });
    upstream.on('error', () => socket.destroy());
    socket.on('close', () => upstream.destroy());
    socket.pipe(upstream).pipe(socket);
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

const FROM = '"Contoso" <no-reply@contoso.example>';
const ALICE = { email: 'alice@example.com', password: 'correct horse battery staple' };

type Fault = 'refuse' | 'reject-4xx' | 'reject-5xx' | 'no greeting';
const TEMPORARY: Fault[] = ['refuse', 'reject-4xx', 'no greeting'];

const totals = new Map<
  string,
  { answers: number; delivered: number; failedEvents: number; concurrent: number }
>();

describe('reliability: SMTP faults', () => {
  after(() => {
    const parts = [...totals].map(
      ([store, t]) =>
        `${store}: ${t.answers} POST /auth/reset answered 202 alike under every fault, ` +
        `${t.delivered} queued mails delivered exactly once after recovery, ${t.failedEvents} mail.failed events ` +
        `(5xx, last retry), ${t.concurrent} mails drained by 2 instances at once with 0 sent twice`,
    );
    ledger.summary(
      `smtp faults (refused, 4xx, 5xx, no greeting, 4xx to the last retry): ${parts.join('; ')}`,
    );
  });

  for (const backend of backends) {
    describe(`${backend.name} store`, () => {
      let smtp: SmtpCapture;
      let gate: SmtpGate;
      let clock: ManualClock;
      let store: Store;
      let release: () => Promise<void>;
      let app: RunningApp;
      const extra: RunningApp[] = [];
      const t = { answers: 0, delivered: 0, failedEvents: 0, concurrent: 0 };
      totals.set(backend.name, t);

      before(async () => {
        smtp = await SmtpCapture.start();
        gate = await SmtpGate.start(smtp.port);
      });

      after(async () => {
        ledger.harvestMail(smtp);
        await gate.stop();
        await smtp.stop();
      });

      /** Through the gate, with short timeouts so that a silent server fails fast. */
      function gatedMailer() {
        return nodemailerMailer(
          nodemailer.createTransport({
            host: '127.0.0.1',
            port: gate.port,
            secure: false,
            ignoreTLS: true,
            connectionTimeout: 300,
            greetingTimeout: 300,
            socketTimeout: 300,
          }),
          { from: FROM },
        );
      }

      async function instance(): Promise<RunningApp> {
        const started = await startApp({ store, clock, mailer: gatedMailer(), identity: OPEN_RATE_LIMITS });
        extra.push(started);
        return started;
      }

      beforeEach(async () => {
        smtp.clear();
        smtp.setFault(null);
        gate.hanging = false;
        clock = new ManualClock();
        ({ store, release } = await sectionStore(backend, clock));
        app = await instance();
        await createUser(app, ALICE);
        await app.idp.policy.set({ enabled: 'all' }, { actor: 'admin' });
      });

      afterEach(async () => {
        await ledger.harvestAudit(store);
        while (extra.length > 0) {
          const running = extra.pop();
          if (running) await stopApp(running);
        }
        await release();
      });

      function setFault(fault: Fault | null): void {
        gate.hanging = fault === 'no greeting';
        smtp.setFault(fault === 'no greeting' ? null : fault);
      }

      /** What a client can see of an answer, minus values that differ every time. */
      async function startShape(email: string) {
        const browser = await app.browser();
        const reply = await browser.post('/auth/reset', { email });
        const headers = Object.keys(reply.headers)
          .filter((name) => !['date', 'etag'].includes(name))
          .sort();
        return {
          status: reply.status,
          keys: Object.keys(reply.json as object).sort(),
          headers,
          cookie: (reply.headers['set-cookie'] ?? []).map((cookie) => cookie.replace(/=[^;]*/, '=…')),
        };
      }

      async function mailFailedEvents(): Promise<number> {
        return (await store.audit.query({ type: 'mail.failed', limit: 100 })).length;
      }

      it('answers POST /auth/reset the same whatever SMTP does', async () => {
        const healthy = await startShape(ALICE.email);
        assert.equal(healthy.status, 202);
        t.answers += 1;
        for (const fault of ['refuse', 'reject-4xx', 'reject-5xx', 'no greeting'] as const) {
          setFault(fault);
          const shape = await startShape(ALICE.email);
          assert.deepEqual(shape, healthy, fault);
          await app.idp.outbox.deliverDue();
          t.answers += 1;
        }
        assert.equal(smtp.messages.length, 0, 'no mail got through a faulty server');
      });

      for (const fault of TEMPORARY) {
        it(`keeps mail queued while SMTP fails (${fault}) and delivers it exactly once after it recovers`, async () => {
          setFault(fault);
          const browser = await app.browser();
          assert.equal((await browser.post('/auth/reset', { email: ALICE.email })).status, 202);
          assert.equal(await app.idp.outbox.deliverDue(), 0);
          assert.equal(await store.outbox.size(), 1, 'the mail stays queued');
          setFault(null);
          assert.equal(await app.idp.outbox.deliverDue(), 0, 'not before the backoff');
          clock.advance(5 * SECOND);
          assert.equal(await app.idp.outbox.deliverDue(), 1);
          assert.equal(await app.idp.outbox.deliverDue(), 0);
          clock.advance(MINUTE);
          assert.equal(await app.idp.outbox.deliverDue(), 0);
          assert.equal(smtp.to(ALICE.email).length, 1, 'delivered exactly once');
          assert.equal(await store.outbox.size(), 0);
          assert.equal(await mailFailedEvents(), 0);
          assert.ok(app.logger.lines.some((line) => line.includes('"mail.retry"')));
          t.delivered += 1;
        });
      }

      it('records a permanent failure (5xx) as mail.failed and stops trying', async () => {
        setFault('reject-5xx');
        const browser = await app.browser();
        assert.equal((await browser.post('/auth/reset', { email: ALICE.email })).status, 202);
        await app.idp.outbox.deliverDue();
        assert.equal(await store.outbox.size(), 0);
        const failed = await store.audit.query({ type: 'mail.failed', limit: 10 });
        assert.equal(failed.length, 1);
        assert.equal(failed[0]?.data.reason, 'smtp_550');
        assert.equal(failed[0]?.data.kind, 'reset.code');
        setFault(null);
        clock.advance(10 * MINUTE);
        assert.equal(await app.idp.outbox.deliverDue(), 0);
        assert.equal(smtp.messages.length, 0);
        t.failedEvents += 1;
      });

      it('records the last retry of a temporary failure as mail.failed, once', async () => {
        setFault('reject-4xx');
        const browser = await app.browser();
        assert.equal((await browser.post('/auth/reset', { email: ALICE.email })).status, 202);
        const maxAttempts = app.idp.options.outbox.maxAttempts;
        for (let attempt = 1; attempt <= maxAttempts; attempt += 1) {
          assert.equal(await store.outbox.size(), 1, `queued before attempt ${attempt}`);
          await app.idp.outbox.deliverDue();
          clock.advance(app.idp.options.outbox.maxBackoffMs);
        }
        assert.equal(await store.outbox.size(), 0);
        const failed = await store.audit.query({ type: 'mail.failed', limit: 10 });
        assert.equal(failed.length, 1);
        assert.equal(failed[0]?.data.attempts, maxAttempts);
        assert.equal(failed[0]?.data.reason, 'smtp_451');
        t.failedEvents += 1;
      });

      it('sends nothing twice when two instances drain one outbox at once, through a fault and after it', async () => {
        const other = await instance();
        const users = Array.from({ length: 12 }, (_, i) => ({
          email: `drain${i}@example.com`,
          password: `drain passphrase number ${i}`,
        }));
        for (const user of users) await createUser(app, user);
        setFault('reject-4xx');
        for (const [i, user] of users.entries()) {
          const browser = await (i % 2 === 0 ? app : other).browser();
          assert.equal((await browser.post('/auth/reset', { email: user.email })).status, 202);
        }
        const failing = await Promise.all([app.idp.outbox.deliverDue(), other.idp.outbox.deliverDue()]);
        assert.deepEqual(failing, [0, 0]);
        assert.equal(await store.outbox.size(), users.length);
        setFault(null);
        clock.advance(5 * SECOND);
        for (let round = 0; round < 5; round += 1) {
          await Promise.all([
            app.idp.outbox.deliverDue(),
            other.idp.outbox.deliverDue(),
            app.idp.outbox.deliverDue(),
            other.idp.outbox.deliverDue(),
          ]);
        }
        assert.equal(await store.outbox.size(), 0);
        for (const user of users) assert.equal(smtp.to(user.email).length, 1, user.email);
        assert.equal(smtp.messages.length, users.length);
        t.concurrent += users.length;
      });
    });
  }
});
