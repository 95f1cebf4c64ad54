import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { Db } from 'mongodb';
import { isSsprError } from '../../lib/errors.js';
import { mongoStore } from '../../lib/store/mongodb/index.js';
import { sharedMongo } from '../support/backends.js';
import { ManualClock } from '../support/clock.js';
import { storeContract } from './contract.js';

async function freshDb(clock: ManualClock): Promise<{ db: Db; kind: 'wire' | 'real' }> {
  const target = await sharedMongo();
  target.server?.setClock(() => clock.now());
  return { db: target.client.db(`sspr_contract_${randomBytes(6).toString('hex')}`), kind: target.kind };
}

describe('store contract: mongoStore()', () => {
  const dbs: Db[] = [];
  afterEach(async () => {
    while (dbs.length > 0) await dbs.pop()?.dropDatabase();
  });

  storeContract({
    async fresh() {
      const clock = new ManualClock();
      const { db, kind } = await freshDb(clock);
      dbs.push(db);
      const store = mongoStore(db);
      await store.init();
      return { store, clock, ttlFollowsClock: kind === 'wire' };
    },
  });
});

describe('mongoStore() over the wire', () => {
  it('sends the driver commands the adapter needs over TCP', async function () {
    const target = await sharedMongo();
    if (!target.server) {
      console.log('      (skipped: command capture needs the wire test server; MONGODB_URI is set)');
      this.skip();
    }
    const clock = new ManualClock();
    const { db } = await freshDb(clock);
    const store = mongoStore(db);
    target.server.clearCommandLog();
    await store.init();
    const user = await store.users.create({
      id: 'u1',
      email: 'a@example.com',
      username: null,
      displayName: null,
      passwordHash: 'h',
      groups: [],
      roles: [],
      emailVerified: false,
      language: null,
      now: clock.now(),
    });
    await store.users.findByEmail('a@example.com');
    await store.users.changePassword(user.id, { passwordHash: 'h2', expectedVersion: 1, now: clock.now() });
    await store.users.count();
    await store.users.list({ limit: 10 });
    await store.policy.setPasswordResetPolicy(
      { enabled: 'all', groups: [] },
      { actor: 'a', now: clock.now() },
    );
    await store.counters.hit('k', { windowMs: 1000, now: clock.now() });
    await store.resetFlows.cancelOpenFlows('u1', { now: clock.now() });
    await store.outbox.complete('none', 'me');
    const names = new Set(target.server.commandLog.map((entry) => entry.name));
    for (const command of [
      'createIndexes',
      'insert',
      'find',
      'findAndModify',
      'aggregate',
      'update',
      'delete',
    ]) {
      assert.ok(
        names.has(command),
        `expected the server to receive ${command}; got ${[...names].join(', ')}`,
      );
    }
    await db.dropDatabase();
  });

  it('rejects operator objects before any command is sent', async function () {
    const target = await sharedMongo();
    if (!target.server) {
      console.log('      (skipped: command capture needs the wire test server; MONGODB_URI is set)');
      this.skip();
    }
    const store = mongoStore((await freshDb(new ManualClock())).db);
    target.server.clearCommandLog();
    for (const hostile of [{ $ne: null }, ['a'], { $where: 'sleep(1000)' }]) {
      await assert.rejects(store.users.findByEmail(hostile as unknown as string), (error: unknown) =>
        isSsprError(error, 'invalid_request'),
      );
      await assert.rejects(store.resetFlows.get(hostile as unknown as string), (error: unknown) =>
        isSsprError(error, 'invalid_request'),
      );
    }
    assert.deepEqual(target.server.commandLog, []);
  });

  it('turns a database it cannot reach into unavailable, with no driver text', async function () {
    const target = await sharedMongo();
    if (!target.server) {
      console.log('      (skipped: fault injection needs the wire test server; MONGODB_URI is set)');
      this.skip();
    }
    const store = mongoStore((await freshDb(new ManualClock())).db, { operationTimeoutMS: 500 });
    target.server.setDelay(2000);
    try {
      await assert.rejects(store.users.findByEmail('a@example.com'), (error: unknown) => {
        assert.ok(isSsprError(error, 'unavailable'));
        assert.doesNotMatch(error.message, /mongo|timeout|server/i);
        return true;
      });
    } finally {
      target.server.setDelay(0);
    }
  });

  it('validates its options with TypeErrors', () => {
    assert.throws(() => mongoStore({} as Db), TypeError);
  });
});
