/**
 * The app under bench: a host app that mounts express-sspr the way the
 * example app does (express-session with its MemoryStore, a Passport
 * instance, both routers under /auth, `GET /healthz`), on `memoryStore()` or
 * `mongoStore(db)`. Run as a child of bench/run.ts.
 *
 * What differs from the defaults, and why:
 * - `rateLimits` are raised out of reach: every request comes from 127.0.0.1,
 *   and the per-IP limits would otherwise measure themselves.
 * - `reset.maxEmailsPerHour` is raised likewise, so that the reset rows can
 *   cycle through a fixed set of accounts (the cap counts per account and per
 *   unknown address, and each check costs the same below or above it).
 * - no mailer, and `outbox: { worker: false }`: reset mail is queued in the
 *   store and never delivered, so the rows measure the request path only.
 * - a silent logger.
 * The argon2id parameters and the hashing limits are the defaults unless the
 * config names others.
 */
import { createServer } from 'node:http';
import express from 'express';
import session from 'express-session';
import { MongoClient } from 'mongodb';
import { Passport } from 'passport';
import { argon2Hasher } from '../lib/accounts/hasher.js';
import { createIdentity, memoryStore, mongoStore, type Store, silentLogger } from '../lib/index.js';
import { childConfig, runChild } from './support/child.js';
import {
  accountEmail,
  BENCH_PASSWORD,
  BENCH_SECRET,
  outsiderEmail,
  RESET_GROUP,
  SIGNIN_EMAIL,
  UNLIMITED,
} from './support/fixtures.js';

export interface SsprAppConfig {
  store: 'memory' | 'mongo';
  /** For `store: 'mongo'`: the server and a database of the bench's own, dropped on stop. */
  mongoUri?: string;
  dbName?: string;
  /** Accounts `user<i>@…` in the reset group, stored directly with one precomputed hash. */
  accounts: number;
  /** Accounts `outsider<i>@…` outside the reset group. */
  outsiders?: number;
  policy: 'none' | 'selected' | 'all';
}

/** Runs `work` over `count` items, `parallel` at a time. */
async function forEach(count: number, parallel: number, work: (i: number) => Promise<unknown>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(parallel, count) }, async () => {
      while (next < count) await work(next++);
    }),
  );
}

await runChild(async () => {
  const config = childConfig<SsprAppConfig>();
  let store: Store;
  let client: MongoClient | null = null;
  if (config.store === 'mongo') {
    if (!config.mongoUri || !config.dbName) throw new Error('mongo store needs mongoUri and dbName');
    client = new MongoClient(config.mongoUri, { serverSelectionTimeoutMS: 10_000 });
    await client.connect();
    store = mongoStore(client.db(config.dbName));
  } else {
    store = memoryStore({ warn: () => {} });
  }

  const idp = await createIdentity({
    store,
    secret: BENCH_SECRET,
    logger: silentLogger,
    baseUrl: 'http://127.0.0.1',
    outbox: { worker: false },
    rateLimits: { signIn: UNLIMITED, other: UNLIMITED },
    reset: { maxEmailsPerHour: 1_000_000_000 },
  });
  await idp.users.create({ email: SIGNIN_EMAIL, password: BENCH_PASSWORD, groups: [RESET_GROUP] });
  await idp.policy.set(
    { enabled: config.policy, groups: config.policy === 'selected' ? [RESET_GROUP] : [] },
    { actor: 'bench' },
  );

  // Seeding 100,000 accounts through argon2 would take an hour: one real hash, stored for all.
  const passwordHash = await argon2Hasher().hash(BENCH_PASSWORD);
  const now = new Date();
  const seed = (id: string, email: string, groups: string[]) =>
    store.users.create({
      id,
      email,
      username: null,
      displayName: null,
      passwordHash,
      groups,
      roles: [],
      emailVerified: true,
      language: null,
      now,
    });
  const parallel = config.store === 'mongo' ? 64 : 1;
  await forEach(config.accounts, parallel, (i) => seed(`bench-user-${i}`, accountEmail(i), [RESET_GROUP]));
  await forEach(config.outsiders ?? 0, parallel, (i) => seed(`bench-outsider-${i}`, outsiderEmail(i), []));

  const passport = new Passport();
  passport.use(idp.strategy);
  passport.serializeUser(idp.serializeUser);
  passport.deserializeUser(idp.deserializeUser);
  const app = express();
  app.disable('x-powered-by');
  // Not part of the host app: lets a bench client wait out a Retry-After on its connection.
  app.get('/bench/pause', (req, res) => {
    setTimeout(() => res.status(204).end(), Math.min(10_000, Number(req.query.ms) || 0));
  });
  app.use(
    session({
      secret: BENCH_SECRET,
      resave: false,
      saveUninitialized: false,
      cookie: { httpOnly: true, sameSite: 'lax' },
    }),
  );
  app.use(passport.initialize());
  app.use(passport.session());
  app.use('/auth', idp.signInRouter);
  app.use('/auth', idp.resetRouter);
  app.get('/healthz', (_req, res) => {
    res.set('Cache-Control', 'no-store').json({ status: 'ok' });
  });
  app.use(idp.errorHandler);

  return {
    server: createServer(app),
    handlers: {
      outboxSize: () => store.outbox.size(),
    },
    async close() {
      await idp.close();
      if (client) {
        await client
          .db(config.dbName)
          .dropDatabase()
          .catch(() => {});
        await client.close();
      }
    },
  };
});
