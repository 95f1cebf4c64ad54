/**
 * MongoDB faults, through the wire test server's switches: the database
 * refusing connections, connections dropped between verify and complete and
 * at every step of complete, and answers slower than the store's
 * operationTimeoutMS. Requests answer 503 `unavailable` within a bound, with
 * no driver text; the process stays up; the same app and MongoClient recover
 * by themselves; and no reset is left half done.
 *
 * Against a real MongoDB (MONGODB_URI) the switches do not exist, so the
 * section is skipped with a printed reason.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import session from 'express-session';
import { mongoStore } from '../../lib/store/mongodb/index.js';
import type { Store } from '../../lib/store/types.js';
import { ManualClock } from '../support/clock.js';
import { type MongoTarget, openMongo } from '../support/mongo.js';
import type { MongoWireServer } from '../support/mongo-wire/server.js';
import { SmtpCapture } from '../support/smtp.js';
import { type Browser, errorShapeProblem, type Reply } from './support/http.js';
import { complete, signIn, signInStatus, verifiedFlow } from './support/journeys.js';
import { ledger } from './support/ledger.js';
import {
  createUser,
  eventually,
  OPEN_RATE_LIMITS,
  type RunningApp,
  startApp,
  stopApp,
} from './support/world.js';

const OPERATION_TIMEOUT_MS = 300;
const ANSWER_BOUND_MS = 3000;
/** Text that would betray the driver, the network or a stack in an answer. */
const DRIVER_TEXT =
  /mongo|topology|ECONN|EPIPE|ETIMEDOUT|socket|server ?selection|connection pool|timed out|127\.0\.0\.1|\bat \S+ \(|node_modules/i;

const ADMIN = { email: 'admin@example.com', password: 'ops correct horse 42', roles: ['admin'] };
const ALICE = { email: 'alice@example.com', password: 'correct horse battery staple' };
const BOB = { email: 'bob@example.com', password: 'another fine passphrase' };

describe('reliability: MongoDB faults (wire test server)', () => {
  let target: MongoTarget;
  let wire: MongoWireServer;
  let dbName: string;
  let store: Store;
  let clock: ManualClock;
  let smtp: SmtpCapture;
  let app: RunningApp;
  let skipped: string | null = null;
  const processFaults: unknown[] = [];
  const onProcessFault = (error: unknown) => processFaults.push(error);
  const stats = {
    faultedRequests: 0,
    unavailable: 0,
    maxMs: 0,
    drops: 0,
    slowSteps: 0,
    changedCompletely: 0,
    notAtAll: 0,
    recoveries: 0,
    auditLost: 0,
    mailAfterSend: 0,
  };
  let userSeq = 0;
  let afterSend: (() => void) | null = null;

  before(async function () {
    target = await openMongo();
    if (target.kind === 'real' || !target.server) {
      skipped = 'MONGODB_URI is set: the fault switches exist only on the wire test server';
      console.log(`      skipped: ${skipped}`);
      this.skip();
    }
    wire = target.server as MongoWireServer;
    process.on('unhandledRejection', onProcessFault);
    process.on('uncaughtException', onProcessFault);
    clock = new ManualClock();
    wire.setClock(() => clock.now());
    dbName = `sspr_faults_${randomBytes(6).toString('hex')}`;
    store = mongoStore(target.client.db(dbName), { operationTimeoutMS: OPERATION_TIMEOUT_MS });
    smtp = await SmtpCapture.start();
    const capture = smtp.mailer();
    app = await startApp({
      store,
      clock,
      sessionStore: new session.MemoryStore(),
      // Lets a test act right after a message is handed to SMTP.
      mailer: {
        async send(message) {
          await capture.send(message);
          afterSend?.();
        },
      },
      identity: OPEN_RATE_LIMITS,
    });
    await createUser(app, ADMIN);
    await createUser(app, ALICE);
    await createUser(app, BOB);
    await app.idp.policy.set({ enabled: 'all' }, { actor: 'admin' });
  });

  after(async () => {
    process.off('unhandledRejection', onProcessFault);
    process.off('uncaughtException', onProcessFault);
    if (skipped) {
      ledger.summary(`mongodb faults: skipped (${skipped})`);
      await target?.close();
      return;
    }
    wire.setDelay(0);
    wire.refuseConnections(false);
    restoreCommandLog();
    ledger.harvestMail(smtp);
    await ledger.harvestAudit(store);
    await stopApp(app);
    await smtp.stop();
    await target.close();
    ledger.summary(
      `mongodb faults: ${stats.faultedRequests} requests while refused/slow/dropped, ` +
        `${stats.unavailable} answered 503 unavailable (slowest ${Math.round(stats.maxMs)} ms, bound ${ANSWER_BOUND_MS} ms), ` +
        `0 with driver text; complete() cut at ${stats.drops} dropped-connection points and ${stats.slowSteps} slow steps: ` +
        `${stats.changedCompletely} changed completely, ${stats.notAtAll} not at all, 0 half done ` +
        `(${stats.auditLost} reset.completed audit events lost to a failing store); ` +
        `${stats.mailAfterSend} mail sent before the store failed was not sent again; ` +
        `recovered without restart ${stats.recoveries} times; ${processFaults.length} process faults`,
    );
  });

  afterEach(() => {
    wire?.setDelay(0);
    wire?.refuseConnections(false);
    restoreCommandLog();
  });

  /** Checks one answer given while the database was failing. */
  function assertUnavailable(reply: Reply, what: string): void {
    stats.faultedRequests += 1;
    stats.maxMs = Math.max(stats.maxMs, reply.ms);
    assert.equal(reply.status, 503, `${what}: ${reply.status} ${reply.text.slice(0, 200)}`);
    assert.equal(errorShapeProblem(reply), null, what);
    assert.equal((reply.json as { error: { code: string } }).error.code, 'unavailable', what);
    assert.ok(reply.ms < ANSWER_BOUND_MS, `${what} took ${Math.round(reply.ms)} ms`);
    assert.doesNotMatch(reply.text, DRIVER_TEXT, what);
    assert.doesNotMatch(JSON.stringify(reply.headers), DRIVER_TEXT, what);
    stats.unavailable += 1;
  }

  /** Waits (by retrying, never sleeping) until a signed-in session works again. */
  async function recovered(browser: Browser): Promise<void> {
    await eventually(async () => (await browser.get('/auth/session')).status === 200, 'recovery');
    stats.recoveries += 1;
  }

  async function newUser(): Promise<{ email: string; password: string }> {
    userSeq += 1;
    const user = { email: `user${userSeq}@example.com`, password: `first passphrase ${userSeq} ok` };
    await createUser(app, user);
    return user;
  }

  /** Every request the routes serve, from a signed-in user, an admin and a verified flow. */
  async function faultedRequests(): Promise<Array<[string, () => Promise<Reply>]>> {
    const signedIn = (await signIn(app.port, ALICE.email, ALICE.password)).browser;
    const admin = (await signIn(app.port, ADMIN.email, ADMIN.password)).browser;
    const flow = await verifiedFlow(app, smtp, BOB.email);
    const anonymous = await app.browser();
    return [
      ['POST /auth/signin', () => anonymous.post('/auth/signin', ALICE)],
      ['POST /auth/reset', () => anonymous.post('/auth/reset', { email: ALICE.email })],
      ['POST /auth/reset/resend', () => flow.browser.post('/auth/reset/resend', { flowId: flow.flowId })],
      [
        'POST /auth/reset/verify',
        () => flow.browser.post('/auth/reset/verify', { flowId: flow.flowId, code: '000000' }),
      ],
      ['POST /auth/reset/password', () => complete(flow.browser, flow.flowId, 'a new passphrase for bob')],
      ['GET /auth/session', () => signedIn.get('/auth/session')],
      ['POST /auth/signout', () => signedIn.post('/auth/signout', {})],
      ['GET /auth/admin/password-reset', () => admin.get('/auth/admin/password-reset')],
      [
        'PUT /auth/admin/password-reset',
        () => admin.json('PUT', '/auth/admin/password-reset', { enabled: 'all' }),
      ],
      ['GET /auth/admin/audit', () => admin.get('/auth/admin/audit?limit=5')],
    ];
  }

  it('answers 503 unavailable within the bound while the database refuses connections, then recovers by itself', async () => {
    const requests = await faultedRequests();
    const probe = (await signIn(app.port, ALICE.email, ALICE.password)).browser;
    wire.refuseConnections(true);
    for (const [what, request] of requests) assertUnavailable(await request(), `${what} (refused)`);
    const parallel = await Promise.all(requests.map(([, request]) => request()));
    for (const [i, reply] of parallel.entries()) {
      assertUnavailable(reply, `${requests[i]?.[0]} (refused, parallel)`);
    }
    await assert.rejects(app.idp.outbox.deliverDue(), /unavailable/i);
    wire.refuseConnections(false);
    await recovered(probe);
    // The same app and MongoClient serve a whole journey again.
    const user = await newUser();
    const flow = await verifiedFlow(app, smtp, user.email);
    assert.equal((await complete(flow.browser, flow.flowId, `${user.password} renewed`)).status, 200);
    assert.equal(await signInStatus(app.port, user.email, `${user.password} renewed`), 200);
  });

  it('answers 503 unavailable within the bound while answers are slower than operationTimeoutMS, then recovers', async () => {
    const requests = await faultedRequests();
    const probe = (await signIn(app.port, ALICE.email, ALICE.password)).browser;
    wire.setDelay(OPERATION_TIMEOUT_MS * 4);
    for (const [what, request] of requests) assertUnavailable(await request(), `${what} (slow)`);
    const parallel = await Promise.all(requests.map(([, request]) => request()));
    for (const [i, reply] of parallel.entries()) {
      assertUnavailable(reply, `${requests[i]?.[0]} (slow, parallel)`);
    }
    wire.setDelay(0);
    await recovered(probe);
    assert.equal((await probe.get('/auth/session')).status, 200);
  });

  // ---- cutting complete() ----

  let commandHook: ((name: string) => void) | null = null;
  let originalPush: typeof Array.prototype.push | null = null;

  /** Calls `hook` with each command our database receives, before the server runs it. */
  function watchCommands(hook: (name: string) => void): void {
    const log = wire.commandLog;
    if (!originalPush) {
      originalPush = log.push;
      const push = originalPush;
      log.push = function (this: typeof log, ...entries: typeof log) {
        for (const entry of entries) if (entry.db === dbName && commandHook) commandHook(entry.name);
        return push.apply(this, entries);
      } as typeof log.push;
    }
    commandHook = hook;
  }

  function restoreCommandLog(): void {
    commandHook = null;
    if (originalPush && wire) {
      wire.commandLog.push = originalPush;
      originalPush = null;
    }
  }

  /** The commands one complete() sends to our database, in order (a healthy run). */
  async function commandsOfComplete(): Promise<string[]> {
    const user = await newUser();
    const flow = await verifiedFlow(app, smtp, user.email);
    const names: string[] = [];
    watchCommands((name) => names.push(name));
    const reply = await complete(flow.browser, flow.flowId, `${user.password} renewed`);
    restoreCommandLog();
    assert.equal(reply.status, 200);
    return names;
  }

  /**
   * Completes a verified flow with a fault armed by `arm`, then, once the
   * database is healthy again, checks that the password changed completely
   * or not at all.
   */
  async function cutComplete(label: string, arm: () => void): Promise<'changed' | 'unchanged'> {
    const user = await newUser();
    const newPassword = `${user.password} renewed`;
    const flow = await verifiedFlow(app, smtp, user.email);
    const before = await store.users.findByEmail(user.email);
    assert.ok(before);
    const probe = (await signIn(app.port, ALICE.email, ALICE.password)).browser;
    arm();
    const reply = await complete(flow.browser, flow.flowId, newPassword);
    restoreCommandLog();
    wire.setDelay(0);
    assert.ok(reply.status === 200 || reply.status === 503, `${label}: ${reply.status} ${reply.text}`);
    assert.ok(reply.ms < ANSWER_BOUND_MS, `${label}: took ${Math.round(reply.ms)} ms`);
    if (reply.status === 503) assertUnavailable(reply, label);
    await recovered(probe);

    const after = await store.users.findByEmail(user.email);
    assert.ok(after);
    if (after.credentialsVersion === before.credentialsVersion + 1) {
      // Changed: completely. A further completion is refused (and finishes anything left undone).
      const again = await complete(flow.browser, flow.flowId, `${newPassword} again`);
      assert.equal(again.status, 410, `${label}: ${again.text}`);
      assert.equal((await store.resetFlows.get(flow.flowId))?.state, 'completed', label);
      assert.equal(await signInStatus(app.port, user.email, newPassword), 200, label);
      assert.equal(await signInStatus(app.port, user.email, user.password), 401, label);
      stats.changedCompletely += 1;
    } else {
      // Not at all: the old password works and the same flow completes now.
      assert.equal(after.credentialsVersion, before.credentialsVersion, label);
      assert.notEqual(reply.status, 200, `${label}: answered 200 without a change`);
      assert.equal(after.passwordHash, before.passwordHash, label);
      assert.equal(await signInStatus(app.port, user.email, user.password), 200, label);
      const retry = await complete(flow.browser, flow.flowId, newPassword);
      assert.equal(retry.status, 200, `${label}: ${retry.text}`);
      assert.equal(await signInStatus(app.port, user.email, newPassword), 200, label);
      stats.notAtAll += 1;
    }
    // Either way: the flow is closed, one "password changed" mail, one completion in the audit.
    assert.equal((await store.resetFlows.get(flow.flowId))?.state, 'completed', label);
    await app.idp.outbox.deliverDue();
    const notices = smtp.to(user.email).filter((mail) => /password was changed/i.test(mail.subject));
    assert.equal(notices.length, 1, `${label}: ${notices.length} "password changed" mails`);
    // One completion event; none only when the store failed at the last step, where the audit
    // write fails too (AuditLog logs audit.write_failed and lets the request go on).
    const completions = await store.audit.query({ type: 'reset.completed', userId: after.id, limit: 10 });
    assert.ok(completions.length <= 1, `${label}: ${completions.length} reset.completed events`);
    if (reply.status === 200 || completions.length === 0) {
      assert.equal(completions.length, reply.status === 200 ? 1 : 0, label);
      if (completions.length === 0) stats.auditLost += 1;
    }
    return after.credentialsVersion === before.credentialsVersion + 1 ? 'changed' : 'unchanged';
  }

  it('a connection dropped between verify and complete: the password changes completely or not at all', async () => {
    for (let round = 0; round < 3; round += 1) {
      await cutComplete(`dropped before complete #${round}`, () => wire.dropConnections());
      stats.drops += 1;
    }
  });

  it('a connection dropped at each step of complete (the command ran, its answer was lost): all or nothing', async () => {
    const commands = await commandsOfComplete();
    assert.ok(commands.length >= 6, `complete sent ${commands.join(', ')}`);
    for (let k = 1; k <= commands.length; k += 1) {
      let seen = 0;
      await cutComplete(`answer of command ${k} (${commands[k - 1]}) lost`, () =>
        watchCommands(() => {
          seen += 1;
          if (seen === k) wire.resetConnections();
        }),
      );
      stats.drops += 1;
    }
  });

  it('a connection dropped before each step of complete reached the server: all or nothing', async () => {
    const commands = await commandsOfComplete();
    for (let k = 2; k <= commands.length; k += 1) {
      let seen = 0;
      await cutComplete(`dropped before command ${k} (${commands[k - 1]})`, () =>
        watchCommands(() => {
          seen += 1;
          // Right after command k-1 is answered, before command k is sent.
          if (seen === k - 1) setImmediate(() => wire.resetConnections());
        }),
      );
      stats.drops += 1;
    }
  });

  it('answers slower than operationTimeoutMS from each step of complete on: 503 in time, all or nothing', async () => {
    const commands = await commandsOfComplete();
    for (let k = 1; k <= commands.length; k += 1) {
      let seen = 0;
      await cutComplete(`slow from command ${k} (${commands[k - 1]})`, () =>
        watchCommands(() => {
          seen += 1;
          // The command still runs; only its answer (and every later one) is late.
          if (seen === k) wire.setDelay(OPERATION_TIMEOUT_MS * 3);
        }),
      );
      stats.slowSteps += 1;
    }
  });

  it('never sends a mail twice when the store fails right after SMTP accepted it', async () => {
    const user = await newUser();
    const probe = (await signIn(app.port, ALICE.email, ALICE.password)).browser;
    const browser = await app.browser();
    assert.equal((await browser.post('/auth/reset', { email: user.email })).status, 202);
    // The database goes away between the send and the removal from the outbox.
    afterSend = () => {
      afterSend = null;
      wire.refuseConnections(true);
    };
    await assert.rejects(app.idp.outbox.deliverDue(), /unavailable/i);
    assert.equal(smtp.to(user.email).length, 1);
    wire.refuseConnections(false);
    await recovered(probe);
    // Past any lease and backoff: the message is not sent again.
    clock.advance(app.idp.options.outbox.leaseMs + app.idp.options.outbox.maxBackoffMs);
    await app.idp.outbox.deliverDue();
    await app.idp.outbox.deliverDue();
    assert.equal(smtp.to(user.email).length, 1, 'sent once');
    assert.equal(await store.outbox.size(), 0);
    stats.mailAfterSend += 1;
  });

  it('kept the process up: no unhandled rejection or uncaught exception', () => {
    assert.deepEqual(processFaults, []);
  });
});
