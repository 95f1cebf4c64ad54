/**
 * Builds the apps the reliability sections drive: the test host app of
 * test/support/app.ts with the admin router mounted, a hasher that notes
 * every hash it makes (for the secrets check), its logger tracked by the
 * ledger, and a listening server. Also a store wrapper that counts writes.
 */

import { randomBytes } from 'node:crypto';
import type { Store as SessionStore } from 'express-session';
import { type Argon2Parameters, argon2Hasher, type PasswordHasher } from '../../../lib/accounts/hasher.js';
import type { Mailer } from '../../../lib/mail/mailer.js';
import type { IdentityOptions } from '../../../lib/options.js';
import { memoryStore } from '../../../lib/store/memory/index.js';
import { mongoStore } from '../../../lib/store/mongodb/index.js';
import type { Store } from '../../../lib/store/types.js';
import { buildTestApp, type TestApp } from '../../support/app.js';
import { type Backend, sharedMongo } from '../../support/backends.js';
import type { ManualClock } from '../../support/clock.js';
import { Browser, type Served, serve } from './http.js';
import { ledger } from './ledger.js';

/**
 * A fresh store for a section, on the shared MongoDB connection (wire test
 * server, or MONGODB_URI) or in memory. Unlike `backend.create`, it lives as
 * long as the section (not one test) and `release()` drops it, after the
 * section has handed its audit events to the ledger.
 */
export async function sectionStore(
  backend: Backend,
  clock: ManualClock,
): Promise<{ store: Store; release(): Promise<void> }> {
  if (backend.name === 'memory') {
    return { store: memoryStore({ clock, warn: () => {} }), release: async () => {} };
  }
  const target = await sharedMongo();
  target.server?.setClock(() => clock.now());
  const db = target.client.db(`sspr_reliability_${randomBytes(6).toString('hex')}`);
  return {
    store: mongoStore(db),
    release: async () => {
      await db.dropDatabase();
    },
  };
}

/** Notes every hash it makes, and the digest and salt inside it, as secrets. */
export function notingHasher(parameters: Argon2Parameters = {}): PasswordHasher {
  const inner = argon2Hasher(parameters);
  return {
    async hash(password) {
      const hash = await inner.hash(password);
      noteHash(hash);
      return hash;
    },
    verify: (hash, password) => inner.verify(hash, password),
    needsRehash: (hash) => inner.needsRehash(hash),
  };
}

export function noteHash(hash: string): void {
  ledger.note('hash', hash);
  const parts = hash.split('$');
  // $argon2id$v=19$m=...,t=...,p=...$salt$digest
  ledger.note('hash', parts.at(-1));
  ledger.note('hash', parts.at(-2));
}

export interface RunningApp extends TestApp {
  port: number;
  server: Served;
  /** A new browser session with its CSRF token. */
  browser(): Promise<Browser>;
}

/** A test host app with the admin router at /auth/admin, listening on a loopback port. */
export async function startApp(options: {
  store: Store;
  clock: ManualClock;
  sessionStore?: SessionStore;
  mailer?: Mailer;
  identity?: Partial<IdentityOptions>;
  argon2?: Argon2Parameters;
}): Promise<RunningApp> {
  const t = await buildTestApp({
    store: options.store,
    clock: options.clock,
    ...(options.sessionStore ? { sessionStore: options.sessionStore } : {}),
    ...(options.mailer ? { mailer: options.mailer } : {}),
    identity: { hasher: notingHasher(options.argon2), ...options.identity },
  });
  t.app.use('/auth/admin', t.idp.adminRouter());
  t.app.use(t.idp.errorHandler);
  ledger.trackLogger(t.logger);
  const server = await serve(t.app);
  return {
    ...t,
    port: server.port,
    server,
    browser: () => new Browser(server.port).open(),
  };
}

export async function stopApp(app: RunningApp): Promise<void> {
  await app.idp.close();
  await app.server.close();
}

/** Creates an account and notes its password. */
export async function createUser(
  app: TestApp,
  user: { email: string; password: string; groups?: string[]; roles?: string[] },
): Promise<void> {
  ledger.note('password', user.password);
  await app.idp.users.create(user);
}

/** Counts calls of every store method, by `part.method`. */
export type CallCounts = Map<string, number>;

/**
 * Wraps a store so that every method call is counted. The wrapper is the
 * store the identity is built on, so every write the app makes is seen.
 */
export function countingStore(store: Store): { store: Store; calls: CallCounts } {
  const calls: CallCounts = new Map();
  const wrap = <T extends object>(part: string, target: T): T =>
    new Proxy(target, {
      get(object, property, receiver) {
        const value = Reflect.get(object, property, receiver);
        if (typeof value !== 'function') return value;
        return (...args: unknown[]) => {
          const key = `${part}.${String(property)}`;
          calls.set(key, (calls.get(key) ?? 0) + 1);
          return (value as (...a: unknown[]) => unknown).apply(object, args);
        };
      },
    });
  const wrapped: Store = {
    kind: store.kind,
    users: wrap('users', store.users),
    policy: wrap('policy', store.policy),
    resetFlows: wrap('resetFlows', store.resetFlows),
    counters: wrap('counters', store.counters),
    lockouts: wrap('lockouts', store.lockouts),
    outbox: wrap('outbox', store.outbox),
    audit: wrap('audit', store.audit),
    init: () => store.init(),
  };
  return { store: wrapped, calls };
}

/** High per-IP limits, so that the limiter does not mask the handlers (every test request comes from 127.0.0.1). */
export const OPEN_RATE_LIMITS: Partial<IdentityOptions> = {
  rateLimits: { signIn: { max: 1e9, windowMs: 60_000 }, other: { max: 1e9, windowMs: 60_000 } },
};

/** Resolves when `check` returns true, trying again as each attempt finishes; fails after `deadlineMs` of real time. */
export async function eventually(
  check: () => Promise<boolean>,
  what: string,
  deadlineMs = 15_000,
): Promise<number> {
  const started = Date.now();
  let tries = 0;
  for (;;) {
    tries += 1;
    if (await check()) return tries;
    if (Date.now() - started > deadlineMs) throw new Error(`${what}: still not true after ${deadlineMs} ms`);
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}
