import { randomBytes } from 'node:crypto';
import { memoryStore } from '../../lib/store/memory/index.js';
import { mongoStore } from '../../lib/store/mongodb/index.js';
import type { Store } from '../../lib/store/types.js';
import type { ManualClock } from './clock.js';
import { type MongoTarget, openMongo } from './mongo.js';

/** A store backend the integration suites run against. */
export interface Backend {
  name: 'memory' | 'mongodb';
  /** A fresh, empty store whose expiry follows `clock`. */
  create(clock: ManualClock): Promise<Store>;
  /** Whether records vanish when the clock passes their TTL (false on a real MongoDB). */
  ttlFollowsClock(): boolean;
  /** The wire test server, when the MongoDB backend uses it. */
  target(): MongoTarget | null;
}

let shared: Promise<MongoTarget> | null = null;

/** One MongoDB connection for the whole run (a wire test server, or MONGODB_URI). */
export function sharedMongo(): Promise<MongoTarget> {
  shared ??= openMongo();
  return shared;
}

after(async () => {
  if (shared) {
    const target = await shared;
    shared = null;
    await target.close();
  }
});

let current: MongoTarget | null = null;

export const memoryBackend: Backend = {
  name: 'memory',
  async create(clock) {
    return memoryStore({ clock, warn: () => {} });
  },
  ttlFollowsClock: () => true,
  target: () => null,
};

export const mongoBackend: Backend = {
  name: 'mongodb',
  async create(clock) {
    const target = await sharedMongo();
    current = target;
    target.server?.setClock(() => clock.now());
    const db = target.client.db(`sspr_${randomBytes(6).toString('hex')}`);
    const store = mongoStore(db);
    if (target.kind === 'real') afterCleanup.push(() => db.dropDatabase().then(() => undefined));
    return store;
  },
  ttlFollowsClock: () => current?.kind !== 'real',
  target: () => current,
};

const afterCleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (afterCleanup.length > 0) await afterCleanup.pop()?.();
});

/** Both backends: every integration suite runs once per store. */
export const backends: Backend[] = [memoryBackend, mongoBackend];
