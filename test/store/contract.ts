import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { isSsprError } from '../../lib/errors.js';
import type { NewUser, OutboxMessage, ResetFlowRecord, Store } from '../../lib/store/types.js';
import { HOUR, type ManualClock, MINUTE, SECOND } from '../support/clock.js';

/** What each adapter's test file gives the contract suite for one test. */
export interface ContractFixture {
  store: Store;
  clock: ManualClock;
  /**
   * Whether records vanish when the clock passes their TTL. False against a
   * real MongoDB, whose TTL monitor runs on its own clock once a minute.
   */
  ttlFollowsClock: boolean;
}

export interface ContractHooks {
  /** A fresh, initialised, empty store for one test. */
  fresh(): Promise<ContractFixture>;
}

const HOSTILE_VALUES: unknown[] = [{ $ne: null }, { $gt: '' }, ['a@example.com'], 42, null, undefined, true];

function newUser(clock: ManualClock, overrides: Partial<NewUser> = {}): NewUser {
  return {
    id: randomUUID(),
    email: `${randomUUID().slice(0, 8)}@example.com`,
    username: null,
    displayName: null,
    passwordHash: '$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2g',
    groups: [],
    roles: [],
    emailVerified: false,
    language: null,
    now: clock.now(),
    ...overrides,
  };
}

function newFlow(clock: ManualClock, overrides: Partial<ResetFlowRecord> = {}): ResetFlowRecord {
  const now = clock.now().getTime();
  return {
    id: randomUUID(),
    sessionBinding: 'binding',
    userId: 'user-1',
    decoy: false,
    accountKey: 'user-1',
    state: 'code_sent',
    codeHash: 'hmac-of-code',
    codeExpiresAt: new Date(now + 10 * MINUTE),
    attempts: 0,
    codesSent: 1,
    resendAfter: new Date(now + 60 * SECOND),
    createdAt: new Date(now),
    expiresAt: new Date(now + 15 * MINUTE),
    verifiedAt: null,
    completedAt: null,
    ...overrides,
  };
}

function newMessage(clock: ManualClock, overrides: Partial<OutboxMessage> = {}): OutboxMessage {
  return {
    id: randomUUID(),
    to: 'alice@example.com',
    subject: 'Your verification code',
    text: 'text',
    html: '<p>html</p>',
    kind: 'reset.code',
    userId: 'user-1',
    attempts: 0,
    notBefore: clock.now(),
    leaseUntil: null,
    leaseOwner: null,
    createdAt: clock.now(),
    lastError: null,
    ...overrides,
  };
}

async function rejectsInvalid(promise: Promise<unknown>): Promise<void> {
  await assert.rejects(promise, (error: unknown) => isSsprError(error, 'invalid_request'));
}

/**
 * The contract every store adapter passes. Each `it` is one property of the
 * port, stated in terms of the port alone.
 */
export function storeContract(hooks: ContractHooks): void {
  let store: Store;
  let clock: ManualClock;
  let ttlFollowsClock: boolean;

  beforeEach(async () => {
    ({ store, clock, ttlFollowsClock } = await hooks.fresh());
  });

  describe('users', () => {
    it('creates a user at credentials version 1 and finds it by id, email and username', async () => {
      const created = await store.users.create(newUser(clock, { email: 'ada@example.com', username: 'ada' }));
      assert.equal(created.credentialsVersion, 1);
      assert.equal((await store.users.findById(created.id))?.email, 'ada@example.com');
      assert.equal((await store.users.findByEmail('ada@example.com'))?.id, created.id);
      assert.equal((await store.users.findByUsername('ada'))?.id, created.id);
      assert.equal(await store.users.findByEmail('nobody@example.com'), null);
      assert.equal(await store.users.findById('missing'), null);
    });

    it('refuses a second account with the same email as conflict', async () => {
      await store.users.create(newUser(clock, { email: 'same@example.com' }));
      await assert.rejects(
        store.users.create(newUser(clock, { email: 'same@example.com' })),
        (error: unknown) => isSsprError(error, 'conflict'),
      );
      assert.equal(await store.users.count(), 1);
    });

    it('refuses a second account with the same username as conflict', async () => {
      await store.users.create(newUser(clock, { username: 'bob' }));
      await assert.rejects(store.users.create(newUser(clock, { username: 'bob' })), (error: unknown) =>
        isSsprError(error, 'conflict'),
      );
    });

    it('allows any number of accounts without a username or without an email', async () => {
      for (let i = 0; i < 3; i += 1) await store.users.create(newUser(clock, { username: null }));
      for (let i = 0; i < 3; i += 1)
        await store.users.create(newUser(clock, { email: null, username: `u${i}` }));
      assert.equal(await store.users.count(), 6);
      assert.equal(await store.users.count({ hasEmail: false }), 3);
    });

    it('lets exactly one of 20 parallel creations with one email succeed', async () => {
      const results = await Promise.allSettled(
        Array.from({ length: 20 }, () => store.users.create(newUser(clock, { email: 'race@example.com' }))),
      );
      assert.equal(results.filter((result) => result.status === 'fulfilled').length, 1);
      for (const result of results) {
        if (result.status === 'rejected') assert.ok(isSsprError(result.reason, 'conflict'));
      }
    });

    it('changes the password and the credentials version only from the expected version', async () => {
      const user = await store.users.create(newUser(clock));
      const changed = await store.users.changePassword(user.id, {
        passwordHash: 'new-hash',
        expectedVersion: 1,
        emailVerified: true,
        now: clock.now(),
      });
      assert.equal(changed?.credentialsVersion, 2);
      assert.equal(changed?.passwordHash, 'new-hash');
      assert.equal(changed?.emailVerified, true);
      assert.deepEqual(changed?.passwordChangedAt, clock.now());
      const stale = await store.users.changePassword(user.id, {
        passwordHash: 'other',
        expectedVersion: 1,
        now: clock.now(),
      });
      assert.equal(stale, null);
      assert.equal((await store.users.findById(user.id))?.passwordHash, 'new-hash');
    });

    it('marks a change with the reset flow that made it, in the same update, and clears the mark otherwise', async () => {
      const user = await store.users.create(newUser(clock));
      const reset = await store.users.changePassword(user.id, {
        passwordHash: 'by-reset',
        expectedVersion: 1,
        resetFlowId: 'flow-1',
        now: clock.now(),
      });
      assert.equal(reset?.lastResetFlowId, 'flow-1');
      assert.equal((await store.users.findById(user.id))?.lastResetFlowId, 'flow-1');
      const other = await store.users.changePassword(user.id, {
        passwordHash: 'by-other',
        expectedVersion: 2,
        now: clock.now(),
      });
      assert.equal(other?.lastResetFlowId, null);
      await assert.rejects(
        store.users.changePassword(user.id, {
          passwordHash: 'x',
          expectedVersion: 3,
          resetFlowId: { $ne: null } as unknown as string,
          now: clock.now(),
        }),
        (error: unknown) => isSsprError(error, 'invalid_request'),
      );
    });

    it('lets exactly one of 20 parallel password changes from one version win', async () => {
      const user = await store.users.create(newUser(clock));
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          store.users.changePassword(user.id, {
            passwordHash: `hash-${i}`,
            expectedVersion: 1,
            now: clock.now(),
          }),
        ),
      );
      assert.equal(results.filter((result) => result !== null).length, 1);
      assert.equal((await store.users.findById(user.id))?.credentialsVersion, 2);
    });

    it('upgrades a hash only while the stored hash is the old one, keeping the version', async () => {
      const user = await store.users.create(newUser(clock, { passwordHash: 'weak' }));
      assert.equal(await store.users.upgradePasswordHash(user.id, 'weak', 'strong', clock.now()), true);
      assert.equal(await store.users.upgradePasswordHash(user.id, 'weak', 'other', clock.now()), false);
      const stored = await store.users.findById(user.id);
      assert.equal(stored?.passwordHash, 'strong');
      assert.equal(stored?.credentialsVersion, 1);
    });

    it('adds and removes groups idempotently and replaces roles', async () => {
      const user = await store.users.create(newUser(clock, { groups: ['pilot'] }));
      await store.users.addGroup(user.id, 'pilot', clock.now());
      const added = await store.users.addGroup(user.id, 'staff', clock.now());
      assert.deepEqual(added?.groups, ['pilot', 'staff']);
      const removed = await store.users.removeGroup(user.id, 'pilot', clock.now());
      assert.deepEqual(removed?.groups, ['staff']);
      const roles = await store.users.setRoles(user.id, ['admin', 'admin'], clock.now());
      assert.deepEqual(roles?.roles, ['admin']);
      assert.equal(await store.users.addGroup('missing', 'x', clock.now()), null);
    });

    it('lists users in id order, page by page, and counts by email and group', async () => {
      const ids: string[] = [];
      for (let i = 0; i < 5; i += 1) {
        const user = await store.users.create(newUser(clock, { groups: i % 2 === 0 ? ['pilot'] : [] }));
        ids.push(user.id);
      }
      ids.sort();
      const first = await store.users.list({ limit: 2 });
      const second = await store.users.list({ limit: 10, afterId: first[1]?.id ?? '' });
      assert.deepEqual(
        [...first, ...second].map((user) => user.id),
        ids,
      );
      assert.equal(await store.users.count({ inAnyGroup: ['pilot', 'other'] }), 3);
      assert.equal(await store.users.count({ hasEmail: true, inAnyGroup: ['nobody'] }), 0);
    });

    it('hands out copies: changing a returned record changes nothing stored', async () => {
      const user = await store.users.create(newUser(clock, { groups: ['pilot'] }));
      user.groups.push('mutated');
      const found = await store.users.findById(user.id);
      assert.ok(found);
      found.roles.push('admin');
      assert.deepEqual((await store.users.findById(user.id))?.groups, ['pilot']);
      assert.deepEqual((await store.users.findById(user.id))?.roles, []);
    });

    it('rejects operator objects, arrays and other non-strings with invalid_request', async () => {
      for (const value of HOSTILE_VALUES) {
        await rejectsInvalid(store.users.findByEmail(value as string));
        await rejectsInvalid(store.users.findByUsername(value as string));
        await rejectsInvalid(store.users.findById(value as string));
        if (value !== null)
          await rejectsInvalid(store.users.create(newUser(clock, { email: value as string })));
        await rejectsInvalid(store.users.addGroup('id', value as string, clock.now()));
      }
      await rejectsInvalid(store.users.count({ inAnyGroup: [{ $ne: null } as unknown as string] }));
      assert.equal(await store.users.count(), 0);
    });
  });

  describe('password reset policy', () => {
    it('is none with no groups when never set', async () => {
      assert.deepEqual(await store.policy.getPasswordResetPolicy(), {
        enabled: 'none',
        groups: [],
        updatedAt: null,
        updatedBy: null,
      });
    });

    it('writes the policy with who and when, and returns the one it replaced', async () => {
      const first = await store.policy.setPasswordResetPolicy(
        { enabled: 'selected', groups: ['pilot'] },
        { actor: 'admin-1', now: clock.now() },
      );
      assert.equal(first.previous.enabled, 'none');
      clock.advance(MINUTE);
      const second = await store.policy.setPasswordResetPolicy(
        { enabled: 'all', groups: [] },
        { actor: 'admin-2', now: clock.now() },
      );
      assert.deepEqual(second.previous.groups, ['pilot']);
      assert.deepEqual(await store.policy.getPasswordResetPolicy(), {
        enabled: 'all',
        groups: [],
        updatedAt: clock.now(),
        updatedBy: 'admin-2',
      });
    });

    it('rejects an unknown scope and non-string groups, leaving the policy unchanged', async () => {
      const change = { actor: 'admin', now: clock.now() };
      await rejectsInvalid(
        store.policy.setPasswordResetPolicy({ enabled: 'some' as 'all', groups: [] }, change),
      );
      await rejectsInvalid(
        store.policy.setPasswordResetPolicy(
          { enabled: 'selected', groups: [{ $ne: 1 } as unknown as string] },
          change,
        ),
      );
      assert.equal((await store.policy.getPasswordResetPolicy()).enabled, 'none');
    });
  });

  describe('reset flows', () => {
    it('stores a flow and gets it back; an unknown id is null', async () => {
      const flow = newFlow(clock);
      await store.resetFlows.create(flow);
      assert.deepEqual(await store.resetFlows.get(flow.id), flow);
      assert.equal(await store.resetFlows.get('unknown'), null);
    });

    it('keeps the credentials version a flow started with', async () => {
      const flow = newFlow(clock, { credentialsVersion: 3 });
      await store.resetFlows.create(flow);
      assert.equal((await store.resetFlows.get(flow.id))?.credentialsVersion, 3);
    });

    it('refuses a second flow with the same id', async () => {
      const flow = newFlow(clock);
      await store.resetFlows.create(flow);
      await assert.rejects(store.resetFlows.create(flow), (error: unknown) => isSsprError(error, 'conflict'));
    });

    it('counts wrong codes up to the cap and no further', async () => {
      const flow = newFlow(clock);
      await store.resetFlows.create(flow);
      for (let i = 1; i <= 5; i += 1) {
        assert.equal((await store.resetFlows.recordWrongCode(flow.id, 5, clock.now()))?.attempts, i);
      }
      assert.equal(await store.resetFlows.recordWrongCode(flow.id, 5, clock.now()), null);
      assert.equal((await store.resetFlows.get(flow.id))?.attempts, 5);
    });

    it('never counts past the cap under 50 parallel wrong codes', async () => {
      const flow = newFlow(clock);
      await store.resetFlows.create(flow);
      const results = await Promise.all(
        Array.from({ length: 50 }, () => store.resetFlows.recordWrongCode(flow.id, 5, clock.now())),
      );
      assert.equal(results.filter((result) => result !== null).length, 5);
      assert.equal((await store.resetFlows.get(flow.id))?.attempts, 5);
    });

    it('moves code_sent -> verified -> completed only from the expected state', async () => {
      const flow = newFlow(clock);
      await store.resetFlows.create(flow);
      const now = clock.now();
      assert.equal(await store.resetFlows.transition(flow.id, 'verified', 'completed', { now }), null);
      const verified = await store.resetFlows.transition(flow.id, 'code_sent', 'verified', { now });
      assert.equal(verified?.state, 'verified');
      assert.deepEqual(verified?.verifiedAt, now);
      assert.equal(await store.resetFlows.transition(flow.id, 'code_sent', 'verified', { now }), null);
      const completed = await store.resetFlows.transition(flow.id, 'verified', 'completed', { now });
      assert.equal(completed?.state, 'completed');
      assert.equal(await store.resetFlows.transition(flow.id, 'verified', 'completed', { now }), null);
    });

    it('lets exactly one of 20 parallel transitions win', async () => {
      const flow = newFlow(clock, { state: 'verified' });
      await store.resetFlows.create(flow);
      const results = await Promise.all(
        Array.from({ length: 20 }, () =>
          store.resetFlows.transition(flow.id, 'verified', 'completed', { now: clock.now() }),
        ),
      );
      assert.equal(results.filter((result) => result !== null).length, 1);
    });

    it('refuses every change once the clock passes expiresAt, but still returns the flow', async () => {
      const flow = newFlow(clock);
      await store.resetFlows.create(flow);
      clock.advance(15 * MINUTE);
      const now = clock.now();
      assert.equal(await store.resetFlows.recordWrongCode(flow.id, 5, now), null);
      assert.equal(await store.resetFlows.transition(flow.id, 'code_sent', 'verified', { now }), null);
      assert.equal(
        await store.resetFlows.replaceCode(
          flow.id,
          { codeHash: 'x', codeExpiresAt: now, resendAfter: now },
          { now, maxCodes: 5 },
        ),
        null,
      );
      assert.equal((await store.resetFlows.get(flow.id))?.state, 'code_sent');
    });

    it('refuses to verify a flow whose wrong codes reached the cap', async () => {
      const flow = newFlow(clock, { attempts: 5 });
      await store.resetFlows.create(flow);
      const result = await store.resetFlows.transition(flow.id, 'code_sent', 'verified', {
        now: clock.now(),
        maxAttempts: 5,
      });
      assert.equal(result, null);
    });

    it('refuses to verify with an expired code, in the query itself', async () => {
      const flow = newFlow(clock);
      await store.resetFlows.create(flow);
      clock.advance(10 * MINUTE);
      const options = { now: clock.now(), maxAttempts: 5, requireLiveCode: true };
      assert.equal(await store.resetFlows.transition(flow.id, 'code_sent', 'verified', options), null);
      const withoutCodeCheck = await store.resetFlows.transition(flow.id, 'code_sent', 'verified', {
        now: clock.now(),
      });
      assert.equal(withoutCodeCheck?.state, 'verified');
    });

    it('replaces the code only after resendAfter and under the cap of codes sent', async () => {
      const flow = newFlow(clock);
      await store.resetFlows.create(flow);
      const code = () => ({
        codeHash: `hmac-${clock.now().getTime()}`,
        codeExpiresAt: new Date(clock.now().getTime() + 10 * MINUTE),
        resendAfter: new Date(clock.now().getTime() + MINUTE),
      });
      assert.equal(
        await store.resetFlows.replaceCode(flow.id, code(), { now: clock.now(), maxCodes: 3 }),
        null,
      );
      clock.advance(MINUTE);
      const replaced = await store.resetFlows.replaceCode(flow.id, code(), { now: clock.now(), maxCodes: 3 });
      assert.equal(replaced?.codesSent, 2);
      assert.equal(replaced?.codeHash, `hmac-${clock.now().getTime()}`);
      clock.advance(MINUTE);
      assert.equal(
        (await store.resetFlows.replaceCode(flow.id, code(), { now: clock.now(), maxCodes: 3 }))?.codesSent,
        3,
      );
      clock.advance(MINUTE);
      assert.equal(
        await store.resetFlows.replaceCode(flow.id, code(), { now: clock.now(), maxCodes: 3 }),
        null,
      );
    });

    it('lets one of 10 parallel resends win', async () => {
      const flow = newFlow(clock, { resendAfter: clock.now() });
      await store.resetFlows.create(flow);
      const now = clock.now();
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          store.resetFlows.replaceCode(
            flow.id,
            { codeHash: `h${i}`, codeExpiresAt: now, resendAfter: new Date(now.getTime() + MINUTE) },
            { now, maxCodes: 5 },
          ),
        ),
      );
      assert.equal(results.filter((result) => result !== null).length, 1);
    });

    it('cancels every open flow of a user except the one named', async () => {
      const keep = newFlow(clock, { state: 'verified' });
      const open = newFlow(clock);
      const verified = newFlow(clock, { state: 'verified' });
      const done = newFlow(clock, { state: 'completed' });
      const other = newFlow(clock, { userId: 'user-2' });
      for (const flow of [keep, open, verified, done, other]) await store.resetFlows.create(flow);
      const cancelled = await store.resetFlows.cancelOpenFlows('user-1', {
        now: clock.now(),
        exceptId: keep.id,
      });
      assert.equal(cancelled, 2);
      const states = await Promise.all(
        [keep, open, verified, done, other].map((f) => store.resetFlows.get(f.id)),
      );
      assert.deepEqual(
        states.map((flow) => flow?.state),
        ['verified', 'cancelled', 'cancelled', 'completed', 'code_sent'],
      );
    });

    it('forgets flows an hour after they expire, by the clock', async function () {
      if (!ttlFollowsClock) {
        console.log('      (skipped: a real MongoDB expires TTL documents on its own clock, once a minute)');
        this.skip();
      }
      const flow = newFlow(clock);
      await store.resetFlows.create(flow);
      clock.advance(15 * MINUTE + HOUR - SECOND);
      assert.ok(await store.resetFlows.get(flow.id));
      clock.advance(2 * SECOND);
      assert.equal(await store.resetFlows.get(flow.id), null);
    });

    it('rejects non-string ids before any query', async () => {
      for (const value of HOSTILE_VALUES) {
        await rejectsInvalid(store.resetFlows.get(value as string));
        await rejectsInvalid(store.resetFlows.recordWrongCode(value as string, 5, clock.now()));
        await rejectsInvalid(
          store.resetFlows.transition(value as string, 'code_sent', 'verified', { now: clock.now() }),
        );
      }
    });
  });

  describe('rate-limit counters', () => {
    it('counts hits in a window and starts a new window when it ends', async () => {
      const options = () => ({ windowMs: MINUTE, now: clock.now() });
      assert.equal((await store.counters.hit('ip:1', options())).count, 1);
      const second = await store.counters.hit('ip:1', options());
      assert.equal(second.count, 2);
      assert.deepEqual(second.resetAt, new Date(clock.now().getTime() + MINUTE));
      assert.equal((await store.counters.peek('ip:1', clock.now())).count, 2);
      clock.advance(MINUTE);
      assert.equal((await store.counters.peek('ip:1', clock.now())).count, 0);
      assert.equal((await store.counters.hit('ip:1', options())).count, 1);
      await store.counters.reset('ip:1');
      assert.equal((await store.counters.peek('ip:1', clock.now())).count, 0);
    });

    it('counts 50 parallel hits exactly once each', async () => {
      const results = await Promise.all(
        Array.from({ length: 50 }, () => store.counters.hit('flood', { windowMs: MINUTE, now: clock.now() })),
      );
      assert.deepEqual(
        results.map((result) => result.count).sort((a, b) => a - b),
        Array.from({ length: 50 }, (_, i) => i + 1),
      );
    });
  });

  describe('lockouts', () => {
    const options = (now: Date) => ({
      threshold: 3,
      lockMs: (level: number) => Math.min(MINUTE * 2 ** level, HOUR),
      now,
      expireAfterMs: 24 * HOUR,
    });

    it('locks a name at the threshold, for longer each time, and clears', async () => {
      assert.equal(await store.lockouts.get('alice'), null);
      await store.lockouts.recordFailure('alice', options(clock.now()));
      await store.lockouts.recordFailure('alice', options(clock.now()));
      const locked = await store.lockouts.recordFailure('alice', options(clock.now()));
      assert.deepEqual(locked.lockedUntil, new Date(clock.now().getTime() + MINUTE));
      assert.equal(locked.failures, 0);
      for (let i = 0; i < 3; i += 1) await store.lockouts.recordFailure('alice', options(clock.now()));
      const again = await store.lockouts.get('alice');
      assert.deepEqual(again?.lockedUntil, new Date(clock.now().getTime() + 2 * MINUTE));
      assert.equal(again?.level, 2);
      await store.lockouts.clear('alice');
      assert.equal(await store.lockouts.get('alice'), null);
    });

    it('locks exactly once when the threshold is crossed by parallel failures', async () => {
      await Promise.all(
        Array.from({ length: 3 }, () => store.lockouts.recordFailure('bob', options(clock.now()))),
      );
      const record = await store.lockouts.get('bob');
      assert.equal(record?.level, 1);
      assert.ok(record?.lockedUntil);
    });
  });

  describe('mail outbox', () => {
    it('claims the oldest due message, completes it only for its owner', async () => {
      const first = newMessage(clock);
      clock.advance(SECOND);
      const later = newMessage(clock, { notBefore: new Date(clock.now().getTime() + MINUTE) });
      await store.outbox.enqueue(later);
      await store.outbox.enqueue(first);
      const lease = { now: clock.now(), leaseUntil: new Date(clock.now().getTime() + 30 * SECOND) };
      const claimed = await store.outbox.claim('worker-a', lease);
      assert.equal(claimed?.id, first.id);
      assert.equal(claimed?.attempts, 1);
      assert.equal(await store.outbox.claim('worker-b', lease), null);
      assert.equal(await store.outbox.complete(first.id, 'worker-b'), false);
      assert.equal(await store.outbox.complete(first.id, 'worker-a'), true);
      assert.equal(await store.outbox.size(), 1);
    });

    it('lets another worker claim a message whose lease ran out, and retries after backoff', async () => {
      await store.outbox.enqueue(newMessage(clock));
      const lease = () => ({ now: clock.now(), leaseUntil: new Date(clock.now().getTime() + 30 * SECOND) });
      const claimed = await store.outbox.claim('worker-a', lease());
      assert.ok(claimed);
      clock.advance(30 * SECOND);
      const reclaimed = await store.outbox.claim('worker-b', lease());
      assert.equal(reclaimed?.attempts, 2);
      assert.equal(await store.outbox.complete(claimed.id, 'worker-a'), false);
      const notBefore = new Date(clock.now().getTime() + MINUTE);
      assert.equal(
        await store.outbox.retry(claimed.id, 'worker-b', { notBefore, error: 'ECONNREFUSED' }),
        true,
      );
      assert.equal(await store.outbox.claim('worker-a', lease()), null);
      clock.advance(MINUTE);
      const retried = await store.outbox.claim('worker-a', lease());
      assert.equal(retried?.lastError, 'ECONNREFUSED');
    });

    it('gives each message to exactly one of 20 parallel claimers', async () => {
      await store.outbox.enqueue(newMessage(clock));
      const lease = { now: clock.now(), leaseUntil: new Date(clock.now().getTime() + 30 * SECOND) };
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) => store.outbox.claim(`w${i}`, lease)),
      );
      assert.equal(results.filter((result) => result !== null).length, 1);
    });
  });

  describe('audit events', () => {
    it('returns events newest first, filtered, page by page with a cursor', async () => {
      for (let i = 0; i < 5; i += 1) {
        await store.audit.record({
          id: `e${i}`,
          type: i % 2 === 0 ? 'signin.success' : 'signin.failure',
          at: clock.now(),
          userId: i < 3 ? 'u1' : 'u2',
          actor: null,
          ip: '127.0.0.1',
          data: {},
        });
        clock.advance(SECOND);
      }
      const all = await store.audit.query({ limit: 10 });
      assert.deepEqual(
        all.map((event) => event.id),
        ['e4', 'e3', 'e2', 'e1', 'e0'],
      );
      const page = await store.audit.query({ limit: 2 });
      const last = page[1];
      assert.ok(last);
      const next = await store.audit.query({ limit: 2, before: { at: last.at, id: last.id } });
      assert.deepEqual(
        next.map((event) => event.id),
        ['e2', 'e1'],
      );
      const failures = await store.audit.query({ type: 'signin.failure', limit: 10 });
      assert.deepEqual(
        failures.map((event) => event.id),
        ['e3', 'e1'],
      );
      const u2 = await store.audit.query({ userId: 'u2', limit: 10 });
      assert.deepEqual(
        u2.map((event) => event.id),
        ['e4', 'e3'],
      );
      const since = await store.audit.query({
        since: new Date(clock.now().getTime() - 2 * SECOND),
        limit: 10,
      });
      assert.deepEqual(
        since.map((event) => event.id),
        ['e4', 'e3'],
      );
    });

    it('rejects operator objects in audit filters', async () => {
      await rejectsInvalid(store.audit.query({ type: { $ne: null } as unknown as string, limit: 10 }));
      await rejectsInvalid(store.audit.query({ userId: ['u1'] as unknown as string, limit: 10 }));
    });
  });

  it('can be initialised more than once', async () => {
    await store.init();
    await store.init();
  });
}
