import type { Collection, Db, Filter, IndexDescription } from 'mongodb';
import { SsprError } from '../../errors.js';
import {
  assertDate,
  assertNullableString,
  assertPositiveInteger,
  assertString,
  assertStringArray,
  DEFAULT_AUDIT_RETENTION_DAYS,
  FLOW_RETENTION_AFTER_EXPIRY_MS,
  RESET_POLICY_ID,
} from '../guards.js';
import type {
  AuditEvent,
  AuditQuery,
  AuditStore,
  CounterStore,
  LockoutRecord,
  LockoutStore,
  NewUser,
  OutboxMessage,
  OutboxStore,
  PasswordResetPolicy,
  PolicyStore,
  ResetFlowRecord,
  ResetFlowState,
  ResetFlowStore,
  ResetScope,
  Store,
  UserQuery,
  UserRecord,
  UserStore,
} from '../types.js';

/** Options of {@link mongoStore}. */
export interface MongoStoreOptions {
  /** Prefix for every collection name. Default: `''` (collections `users`, `settings`, `resetFlows`, ...). */
  collectionPrefix?: string;
  /** Days audit events are kept (TTL index on `auditEvents.at`). Default: 90. */
  auditRetentionDays?: number;
  /**
   * Upper bound in milliseconds for one store operation; a slower database
   * answers `unavailable` instead of holding the request. Default: 5000.
   */
  operationTimeoutMS?: number;
}

/** Collection names used by {@link mongoStore}, before the prefix. */
export const MONGO_COLLECTIONS = {
  users: 'users',
  settings: 'settings',
  resetFlows: 'resetFlows',
  counters: 'rateLimits',
  lockouts: 'lockouts',
  outbox: 'mailOutbox',
  audit: 'auditEvents',
} as const;

type WithId<T> = Omit<T, 'id'> & { _id: string };
type UserDoc = WithId<UserRecord>;
type FlowDoc = WithId<ResetFlowRecord>;
type OutboxDoc = WithId<OutboxMessage>;
type AuditDoc = WithId<AuditEvent>;
interface SettingsDoc {
  _id: string;
  enabled: ResetScope;
  groups: string[];
  updatedAt: Date | null;
  updatedBy: string | null;
}
interface CounterDoc {
  _id: string;
  count: number;
  resetAt: Date;
}
interface LockoutDoc {
  _id: string;
  failures: number;
  level: number;
  lockedUntil: Date | null;
  expiresAt: Date;
}

const DUPLICATE_KEY = 11000;

/**
 * The driver's errors are recognised by shape, not by class, so that the
 * adapter works with whichever copy of the `mongodb` package the app uses.
 */
function isMongoError(error: unknown): error is Error & { code?: unknown; keyPattern?: unknown } {
  return error instanceof Error && /^Mongo/.test(error.name);
}

/**
 * A socket error the driver passed on without wrapping it (it does so for a
 * connection reset while a command is being written): `ECONNRESET`, `EPIPE`...
 */
function isSocketError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return error instanceof Error && typeof code === 'string' && /^E[A-Z]+$/.test(code);
}

/** A connection that failed or closed under a command (MongoNetworkError and its subclasses). */
function isNetworkError(error: unknown): boolean {
  return isMongoError(error) && /^MongoNetwork/.test(error.name);
}

function isDuplicateKeyError(error: unknown): error is Error & { keyPattern?: unknown } {
  return isMongoError(error) && error.code === DUPLICATE_KEY;
}

function fromDoc<T extends { _id: string }>(doc: T): Omit<T, '_id'> & { id: string } {
  const { _id, ...rest } = doc;
  return { id: _id, ...rest };
}

function toDoc<T extends { id: string }>(record: T): Omit<T, 'id'> & { _id: string } {
  const { id, ...rest } = record;
  return { _id: id, ...rest };
}

/** Runs one driver call with the library's error mapping and time bound. */
type Run = <T>(operation: () => Promise<T>) => Promise<T>;

/**
 * Makes the runner of driver calls. It turns failures into the library's
 * errors: a duplicate key becomes `conflict`; any other driver or network
 * failure, or no answer within `timeoutMS`, becomes `unavailable` (the
 * driver's text stays in `cause`, never in a response). Each call is one
 * atomic single-document command, so a call that answers late either happened
 * whole or not at all.
 */
function runner(timeoutMS: number): Run {
  return async <T>(operation: () => Promise<T>): Promise<T> => {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new SsprError('unavailable', undefined, { cause: 'timeout' })),
        timeoutMS,
      );
      timer.unref();
    });
    try {
      return await Promise.race([operation(), timeout]);
    } catch (error) {
      if (error instanceof SsprError) throw error;
      if (isDuplicateKeyError(error)) {
        const field = Object.keys((error.keyPattern as Record<string, unknown> | undefined) ?? {})[0] ?? null;
        throw new SsprError('conflict', undefined, { details: { field }, cause: error });
      }
      if (isMongoError(error) || isSocketError(error)) {
        throw new SsprError('unavailable', undefined, { cause: error });
      }
      throw error;
    } finally {
      clearTimeout(timer);
    }
  };
}

/**
 * Inserts a document whose `_id` the caller chose, retrying once when the
 * connection failed. The driver does not retry writes on a standalone server,
 * and a dropped connection may have lost only the answer: on the retry a
 * duplicate key means the first insert happened, which is success.
 */
async function insertOnce<T extends { _id: string }>(
  run: Run,
  collection: Collection<T>,
  doc: T,
): Promise<void> {
  const insert = () => run(() => collection.insertOne(doc as Parameters<Collection<T>['insertOne']>[0]));
  try {
    await insert();
  } catch (error) {
    if (!(error instanceof SsprError && (isNetworkError(error.cause) || isSocketError(error.cause))))
      throw error;
    try {
      await insert();
    } catch (retryError) {
      if (!isDuplicateKey(retryError)) throw retryError;
    }
  }
}

function isDuplicateKey(error: unknown): boolean {
  return (error instanceof SsprError && error.code === 'conflict') || isDuplicateKeyError(error);
}

/**
 * The MongoDB store. It takes a `Db` from the host app's `MongoClient`
 * (never a connection string) and keeps everything in the collections named
 * in {@link MONGO_COLLECTIONS}. `init()` creates the indexes idempotently;
 * `createIdentity` calls it.
 */
export function mongoStore(db: Db, options: MongoStoreOptions = {}): Store {
  if (!db || typeof db.collection !== 'function') {
    throw new TypeError('mongoStore(db): db must be a mongodb Db, for example client.db("app")');
  }
  const prefix = options.collectionPrefix ?? '';
  if (typeof prefix !== 'string') throw new TypeError('mongoStore: collectionPrefix must be a string');
  const retentionDays = options.auditRetentionDays ?? DEFAULT_AUDIT_RETENTION_DAYS;
  if (!Number.isFinite(retentionDays) || retentionDays <= 0) {
    throw new TypeError('mongoStore: auditRetentionDays must be a positive number');
  }
  const timeoutMS = options.operationTimeoutMS ?? 5000;
  if (!Number.isSafeInteger(timeoutMS) || timeoutMS <= 0) {
    throw new TypeError('mongoStore: operationTimeoutMS must be a positive integer');
  }
  const name = (key: keyof typeof MONGO_COLLECTIONS) => `${prefix}${MONGO_COLLECTIONS[key]}`;
  const collections = {
    users: db.collection<UserDoc>(name('users')),
    settings: db.collection<SettingsDoc>(name('settings')),
    resetFlows: db.collection<FlowDoc>(name('resetFlows')),
    counters: db.collection<CounterDoc>(name('counters')),
    lockouts: db.collection<LockoutDoc>(name('lockouts')),
    outbox: db.collection<OutboxDoc>(name('outbox')),
    audit: db.collection<AuditDoc>(name('audit')),
  };
  return new MongoStore(collections, Math.round(retentionDays * 86_400), runner(timeoutMS));
}

interface Collections {
  users: Collection<UserDoc>;
  settings: Collection<SettingsDoc>;
  resetFlows: Collection<FlowDoc>;
  counters: Collection<CounterDoc>;
  lockouts: Collection<LockoutDoc>;
  outbox: Collection<OutboxDoc>;
  audit: Collection<AuditDoc>;
}

class MongoStore implements Store {
  readonly kind = 'mongodb';
  readonly users: UserStore;
  readonly policy: PolicyStore;
  readonly resetFlows: ResetFlowStore;
  readonly counters: CounterStore;
  readonly lockouts: LockoutStore;
  readonly outbox: OutboxStore;
  readonly audit: AuditStore;

  constructor(
    private readonly collections: Collections,
    private readonly auditRetentionSeconds: number,
    private readonly run: Run,
  ) {
    this.users = new MongoUsers(collections.users, run);
    this.policy = new MongoPolicy(collections.settings, run);
    this.resetFlows = new MongoResetFlows(collections.resetFlows, run);
    this.counters = new MongoCounters(collections.counters, run);
    this.lockouts = new MongoLockouts(collections.lockouts, run);
    this.outbox = new MongoOutbox(collections.outbox, run);
    this.audit = new MongoAudit(collections.audit, run);
  }

  async init(): Promise<void> {
    const { users, resetFlows, counters, lockouts, outbox, audit } = this.collections;
    const ensure = <T extends { _id: string }>(collection: Collection<T>, indexes: IndexDescription[]) =>
      this.run(() => collection.createIndexes(indexes));
    await Promise.all([
      ensure(users, [
        {
          key: { email: 1 },
          name: 'email_unique',
          unique: true,
          partialFilterExpression: { email: { $type: 'string' } },
        },
        {
          key: { username: 1 },
          name: 'username_unique',
          unique: true,
          partialFilterExpression: { username: { $type: 'string' } },
        },
        { key: { groups: 1 }, name: 'groups' },
      ]),
      ensure(resetFlows, [
        { key: { userId: 1, state: 1 }, name: 'user_state' },
        {
          key: { expiresAt: 1 },
          name: 'expiresAt_ttl',
          expireAfterSeconds: FLOW_RETENTION_AFTER_EXPIRY_MS / 1000,
        },
      ]),
      ensure(counters, [{ key: { resetAt: 1 }, name: 'resetAt_ttl', expireAfterSeconds: 0 }]),
      ensure(lockouts, [{ key: { expiresAt: 1 }, name: 'expiresAt_ttl', expireAfterSeconds: 0 }]),
      ensure(outbox, [{ key: { notBefore: 1, createdAt: 1 }, name: 'due' }]),
      ensure(audit, [
        { key: { at: 1 }, name: 'at_ttl', expireAfterSeconds: this.auditRetentionSeconds },
        { key: { type: 1, at: -1 }, name: 'type_at' },
        { key: { userId: 1, at: -1 }, name: 'user_at' },
      ]),
    ]);
  }
}

function userFilter(query: UserQuery | undefined): Filter<UserDoc> {
  const filter: Filter<UserDoc> = {};
  if (query?.hasEmail !== undefined) {
    if (typeof query.hasEmail !== 'boolean') {
      throw new SsprError('invalid_request', 'hasEmail must be a boolean.', {
        details: { field: 'hasEmail' },
      });
    }
    filter.email = query.hasEmail ? { $type: 'string' } : { $not: { $type: 'string' } };
  }
  if (query?.inAnyGroup !== undefined) {
    assertStringArray(query.inAnyGroup, 'inAnyGroup');
    filter.groups = { $in: query.inAnyGroup };
  }
  return filter;
}

class MongoUsers implements UserStore {
  constructor(
    private readonly users: Collection<UserDoc>,
    private readonly run: Run,
  ) {}

  async create(input: NewUser): Promise<UserRecord> {
    assertString(input.id, 'id');
    assertNullableString(input.email, 'email');
    assertNullableString(input.username, 'username');
    assertNullableString(input.displayName, 'displayName');
    assertString(input.passwordHash, 'passwordHash');
    assertStringArray(input.groups, 'groups');
    assertStringArray(input.roles, 'roles');
    assertNullableString(input.language, 'language');
    assertDate(input.now, 'now');
    const user: UserRecord = {
      id: input.id,
      email: input.email,
      username: input.username,
      displayName: input.displayName,
      passwordHash: input.passwordHash,
      credentialsVersion: 1,
      groups: [...new Set(input.groups)],
      roles: [...new Set(input.roles)],
      emailVerified: input.emailVerified,
      language: input.language,
      createdAt: input.now,
      updatedAt: input.now,
      passwordChangedAt: null,
    };
    await this.run(() => this.users.insertOne(toDoc(user)));
    return user;
  }

  private async findOne(filter: Filter<UserDoc>): Promise<UserRecord | null> {
    const doc = await this.run(() => this.users.findOne(filter));
    return doc ? fromDoc(doc) : null;
  }

  async findById(id: string): Promise<UserRecord | null> {
    assertString(id, 'id');
    return this.findOne({ _id: id });
  }

  async findByEmail(email: string): Promise<UserRecord | null> {
    assertString(email, 'email');
    return this.findOne({ email });
  }

  async findByUsername(username: string): Promise<UserRecord | null> {
    assertString(username, 'username');
    return this.findOne({ username });
  }

  async changePassword(
    id: string,
    change: {
      passwordHash: string;
      expectedVersion: number;
      emailVerified?: boolean;
      resetFlowId?: string;
      now: Date;
    },
  ): Promise<UserRecord | null> {
    assertString(id, 'id');
    assertString(change.passwordHash, 'passwordHash');
    assertPositiveInteger(change.expectedVersion, 'expectedVersion');
    if (change.resetFlowId !== undefined) assertString(change.resetFlowId, 'resetFlowId');
    assertDate(change.now, 'now');
    const set: Partial<UserDoc> = {
      passwordHash: change.passwordHash,
      passwordChangedAt: change.now,
      updatedAt: change.now,
      lastResetFlowId: change.resetFlowId ?? null,
    };
    if (change.emailVerified) set.emailVerified = true;
    const doc = await this.run(() =>
      this.users.findOneAndUpdate(
        { _id: id, credentialsVersion: change.expectedVersion },
        { $set: set, $inc: { credentialsVersion: 1 } },
        { returnDocument: 'after' },
      ),
    );
    return doc ? fromDoc(doc) : null;
  }

  async upgradePasswordHash(id: string, oldHash: string, newHash: string, now: Date): Promise<boolean> {
    assertString(id, 'id');
    assertString(oldHash, 'oldHash');
    assertString(newHash, 'newHash');
    assertDate(now, 'now');
    const result = await this.run(() =>
      this.users.updateOne(
        { _id: id, passwordHash: oldHash },
        { $set: { passwordHash: newHash, updatedAt: now } },
      ),
    );
    return result.modifiedCount === 1;
  }

  private async updateUser(id: string, now: Date, update: object): Promise<UserRecord | null> {
    assertString(id, 'id');
    assertDate(now, 'now');
    const doc = await this.run(() =>
      this.users.findOneAndUpdate(
        { _id: id },
        { ...update, $set: { ...((update as { $set?: object }).$set ?? {}), updatedAt: now } },
        { returnDocument: 'after' },
      ),
    );
    return doc ? fromDoc(doc) : null;
  }

  async addGroup(id: string, group: string, now: Date): Promise<UserRecord | null> {
    assertString(group, 'group');
    return this.updateUser(id, now, { $addToSet: { groups: group } });
  }

  async removeGroup(id: string, group: string, now: Date): Promise<UserRecord | null> {
    assertString(group, 'group');
    return this.updateUser(id, now, { $pull: { groups: group } });
  }

  async setRoles(id: string, roles: string[], now: Date): Promise<UserRecord | null> {
    assertStringArray(roles, 'roles');
    return this.updateUser(id, now, { $set: { roles: [...new Set(roles)] } });
  }

  async list(options: { limit: number; afterId?: string; query?: UserQuery }): Promise<UserRecord[]> {
    assertPositiveInteger(options.limit, 'limit');
    const filter = userFilter(options.query);
    if (options.afterId !== undefined) {
      assertString(options.afterId, 'afterId');
      filter._id = { $gt: options.afterId };
    }
    if (options.limit === 0) return [];
    const docs = await this.run(() =>
      this.users.find(filter).sort({ _id: 1 }).limit(options.limit).toArray(),
    );
    return docs.map((doc) => fromDoc(doc));
  }

  async count(query?: UserQuery): Promise<number> {
    const filter = userFilter(query);
    return this.run(() => this.users.countDocuments(filter));
  }
}

class MongoPolicy implements PolicyStore {
  constructor(
    private readonly settings: Collection<SettingsDoc>,
    private readonly run: Run,
  ) {}

  private static view(doc: SettingsDoc | null): PasswordResetPolicy {
    if (!doc) return { enabled: 'none', groups: [], updatedAt: null, updatedBy: null };
    const enabled: ResetScope = doc.enabled === 'selected' || doc.enabled === 'all' ? doc.enabled : 'none';
    const groups = Array.isArray(doc.groups) ? doc.groups.filter((group) => typeof group === 'string') : [];
    return { enabled, groups, updatedAt: doc.updatedAt ?? null, updatedBy: doc.updatedBy ?? null };
  }

  async getPasswordResetPolicy(): Promise<PasswordResetPolicy> {
    const doc = await this.run(() => this.settings.findOne({ _id: RESET_POLICY_ID }));
    return MongoPolicy.view(doc);
  }

  async setPasswordResetPolicy(
    policy: { enabled: ResetScope; groups: string[] },
    change: { actor: string; now: Date },
  ): Promise<{ previous: PasswordResetPolicy; current: PasswordResetPolicy }> {
    if (!['none', 'selected', 'all'].includes(policy.enabled as string)) {
      throw new SsprError('invalid_request', 'enabled must be none, selected or all.', {
        details: { field: 'enabled' },
      });
    }
    assertStringArray(policy.groups, 'groups');
    assertString(change.actor, 'actor');
    assertDate(change.now, 'now');
    const current: PasswordResetPolicy = {
      enabled: policy.enabled,
      groups: [...new Set(policy.groups)],
      updatedAt: change.now,
      updatedBy: change.actor,
    };
    const before = await this.run(() =>
      this.settings.findOneAndUpdate(
        { _id: RESET_POLICY_ID },
        { $set: current },
        { upsert: true, returnDocument: 'before' },
      ),
    );
    return { previous: MongoPolicy.view(before), current };
  }
}

class MongoResetFlows implements ResetFlowStore {
  constructor(
    private readonly flows: Collection<FlowDoc>,
    private readonly run: Run,
  ) {}

  async create(flow: ResetFlowRecord): Promise<void> {
    assertString(flow.id, 'id');
    assertString(flow.sessionBinding, 'sessionBinding');
    assertNullableString(flow.userId, 'userId');
    assertString(flow.accountKey, 'accountKey');
    assertNullableString(flow.codeHash, 'codeHash');
    assertDate(flow.expiresAt, 'expiresAt');
    if (flow.credentialsVersion != null) assertPositiveInteger(flow.credentialsVersion, 'credentialsVersion');
    await insertOnce(this.run, this.flows, toDoc(flow));
  }

  async get(id: string): Promise<ResetFlowRecord | null> {
    assertString(id, 'id');
    const doc = await this.run(() => this.flows.findOne({ _id: id }));
    return doc ? fromDoc(doc) : null;
  }

  private async update(filter: Filter<FlowDoc>, update: object): Promise<ResetFlowRecord | null> {
    const doc = await this.run(() =>
      this.flows.findOneAndUpdate(filter, update, { returnDocument: 'after' }),
    );
    return doc ? fromDoc(doc) : null;
  }

  async recordWrongCode(id: string, maxAttempts: number, now: Date): Promise<ResetFlowRecord | null> {
    assertString(id, 'id');
    assertPositiveInteger(maxAttempts, 'maxAttempts');
    assertDate(now, 'now');
    return this.update(
      { _id: id, state: 'code_sent', expiresAt: { $gt: now }, attempts: { $lt: maxAttempts } },
      { $inc: { attempts: 1 } },
    );
  }

  async transition(
    id: string,
    from: ResetFlowState,
    to: ResetFlowState,
    options: { now: Date; maxAttempts?: number; requireLiveCode?: boolean },
  ): Promise<ResetFlowRecord | null> {
    assertString(id, 'id');
    assertDate(options.now, 'now');
    const filter: Filter<FlowDoc> = { _id: id, state: from, expiresAt: { $gt: options.now } };
    if (options.requireLiveCode) filter.codeExpiresAt = { $gt: options.now };
    if (options.maxAttempts !== undefined) {
      assertPositiveInteger(options.maxAttempts, 'maxAttempts');
      filter.attempts = { $lt: options.maxAttempts };
    }
    const set: Partial<FlowDoc> = { state: to };
    if (to === 'verified') set.verifiedAt = options.now;
    if (to === 'completed') set.completedAt = options.now;
    return this.update(filter, { $set: set });
  }

  async replaceCode(
    id: string,
    code: { codeHash: string | null; codeExpiresAt: Date; resendAfter: Date },
    options: { now: Date; maxCodes: number },
  ): Promise<ResetFlowRecord | null> {
    assertString(id, 'id');
    assertNullableString(code.codeHash, 'codeHash');
    assertDate(code.codeExpiresAt, 'codeExpiresAt');
    assertDate(code.resendAfter, 'resendAfter');
    assertDate(options.now, 'now');
    assertPositiveInteger(options.maxCodes, 'maxCodes');
    return this.update(
      {
        _id: id,
        state: 'code_sent',
        expiresAt: { $gt: options.now },
        resendAfter: { $lte: options.now },
        codesSent: { $lt: options.maxCodes },
      },
      {
        $set: { codeHash: code.codeHash, codeExpiresAt: code.codeExpiresAt, resendAfter: code.resendAfter },
        $inc: { codesSent: 1 },
      },
    );
  }

  async cancelOpenFlows(userId: string, options: { now: Date; exceptId?: string }): Promise<number> {
    assertString(userId, 'userId');
    assertDate(options.now, 'now');
    const filter: Filter<FlowDoc> = { userId, state: { $in: ['code_sent', 'verified'] } };
    if (options.exceptId !== undefined) {
      assertString(options.exceptId, 'exceptId');
      filter._id = { $ne: options.exceptId };
    }
    const result = await this.run(() => this.flows.updateMany(filter, { $set: { state: 'cancelled' } }));
    return result.modifiedCount;
  }
}

class MongoCounters implements CounterStore {
  constructor(
    private readonly counters: Collection<CounterDoc>,
    private readonly run: Run,
  ) {}

  async hit(
    key: string,
    options: { windowMs: number; now: Date },
  ): Promise<{ count: number; resetAt: Date }> {
    assertString(key, 'key');
    assertPositiveInteger(options.windowMs, 'windowMs');
    assertDate(options.now, 'now');
    const { now } = options;
    // Three conditional single-document steps instead of read-modify-write:
    // count in the running window, else restart an ended window, else create.
    for (let attempt = 0; attempt < 5; attempt += 1) {
      const counted = await this.run(() =>
        this.counters.findOneAndUpdate(
          { _id: key, resetAt: { $gt: now } },
          { $inc: { count: 1 } },
          { returnDocument: 'after' },
        ),
      );
      if (counted) return { count: counted.count, resetAt: counted.resetAt };
      const resetAt = new Date(now.getTime() + options.windowMs);
      const restarted = await this.run(() =>
        this.counters.findOneAndUpdate(
          { _id: key, resetAt: { $lte: now } },
          { $set: { count: 1, resetAt } },
          { returnDocument: 'after' },
        ),
      );
      if (restarted) return { count: restarted.count, resetAt: restarted.resetAt };
      try {
        await this.run(() => this.counters.insertOne({ _id: key, count: 1, resetAt }));
        return { count: 1, resetAt };
      } catch (error) {
        if (!isDuplicateKey(error)) throw error;
      }
    }
    throw new SsprError('unavailable', 'The rate-limit counter is under too much contention.');
  }

  async peek(key: string, now: Date): Promise<{ count: number; resetAt: Date | null }> {
    assertString(key, 'key');
    assertDate(now, 'now');
    const doc = await this.run(() => this.counters.findOne({ _id: key, resetAt: { $gt: now } }));
    return doc ? { count: doc.count, resetAt: doc.resetAt } : { count: 0, resetAt: null };
  }

  async reset(key: string): Promise<void> {
    assertString(key, 'key');
    await this.run(() => this.counters.deleteOne({ _id: key }));
  }
}

class MongoLockouts implements LockoutStore {
  constructor(
    private readonly lockouts: Collection<LockoutDoc>,
    private readonly run: Run,
  ) {}

  private static view(doc: LockoutDoc): LockoutRecord {
    return { key: doc._id, failures: doc.failures, level: doc.level, lockedUntil: doc.lockedUntil ?? null };
  }

  async get(key: string): Promise<LockoutRecord | null> {
    assertString(key, 'key');
    const doc = await this.run(() => this.lockouts.findOne({ _id: key }));
    return doc ? MongoLockouts.view(doc) : null;
  }

  async recordFailure(
    key: string,
    options: { threshold: number; lockMs: (level: number) => number; now: Date; expireAfterMs: number },
  ): Promise<LockoutRecord> {
    assertString(key, 'key');
    assertPositiveInteger(options.threshold, 'threshold');
    assertDate(options.now, 'now');
    const { now } = options;
    const expiresAt = new Date(now.getTime() + options.expireAfterMs);
    let counted: LockoutDoc | null = null;
    for (let attempt = 0; attempt < 3 && !counted; attempt += 1) {
      try {
        counted = await this.run(() =>
          this.lockouts.findOneAndUpdate(
            { _id: key },
            { $inc: { failures: 1 }, $setOnInsert: { level: 0, lockedUntil: null }, $max: { expiresAt } },
            { upsert: true, returnDocument: 'after' },
          ),
        );
      } catch (error) {
        // Two first failures racing to create the record: one insert wins, retry the update.
        if (!isDuplicateKey(error)) throw error;
      }
    }
    if (!counted) throw new SsprError('unavailable', 'The lockout record is under too much contention.');
    if (counted.failures < options.threshold) return MongoLockouts.view(counted);
    // Lock only if nobody changed the record since our increment: exactly one
    // failure crosses the threshold.
    const lockedUntil = new Date(now.getTime() + options.lockMs(counted.level));
    const locked = await this.run(() =>
      this.lockouts.findOneAndUpdate(
        { _id: key, failures: counted.failures, level: counted.level },
        {
          $set: { failures: 0, lockedUntil },
          $inc: { level: 1 },
          $max: { expiresAt: new Date(lockedUntil.getTime() + options.expireAfterMs) },
        },
        { returnDocument: 'after' },
      ),
    );
    if (locked) return MongoLockouts.view(locked);
    const current = await this.get(key);
    return current ?? MongoLockouts.view(counted);
  }

  async clear(key: string): Promise<void> {
    assertString(key, 'key');
    await this.run(() => this.lockouts.deleteOne({ _id: key }));
  }
}

class MongoOutbox implements OutboxStore {
  constructor(
    private readonly outbox: Collection<OutboxDoc>,
    private readonly run: Run,
  ) {}

  async enqueue(message: OutboxMessage): Promise<void> {
    assertString(message.id, 'id');
    assertString(message.to, 'to');
    assertString(message.subject, 'subject');
    assertString(message.text, 'text');
    assertString(message.html, 'html');
    await insertOnce(this.run, this.outbox, toDoc(message));
  }

  async claim(owner: string, options: { now: Date; leaseUntil: Date }): Promise<OutboxMessage | null> {
    assertString(owner, 'owner');
    assertDate(options.now, 'now');
    assertDate(options.leaseUntil, 'leaseUntil');
    const doc = await this.run(() =>
      this.outbox.findOneAndUpdate(
        {
          notBefore: { $lte: options.now },
          $or: [{ leaseUntil: null }, { leaseUntil: { $lte: options.now } }],
        },
        { $set: { leaseOwner: owner, leaseUntil: options.leaseUntil }, $inc: { attempts: 1 } },
        { sort: { createdAt: 1 }, returnDocument: 'after' },
      ),
    );
    return doc ? fromDoc(doc) : null;
  }

  async complete(id: string, owner: string): Promise<boolean> {
    assertString(id, 'id');
    assertString(owner, 'owner');
    const result = await this.run(() => this.outbox.deleteOne({ _id: id, leaseOwner: owner }));
    return result.deletedCount === 1;
  }

  async retry(id: string, owner: string, options: { notBefore: Date; error: string }): Promise<boolean> {
    assertString(id, 'id');
    assertString(owner, 'owner');
    assertDate(options.notBefore, 'notBefore');
    assertString(options.error, 'error');
    const result = await this.run(() =>
      this.outbox.updateOne(
        { _id: id, leaseOwner: owner },
        {
          $set: {
            leaseOwner: null,
            leaseUntil: null,
            notBefore: options.notBefore,
            lastError: options.error,
          },
        },
      ),
    );
    return result.modifiedCount === 1;
  }

  async abandon(id: string, owner: string): Promise<boolean> {
    return this.complete(id, owner);
  }

  async size(): Promise<number> {
    return this.run(() => this.outbox.countDocuments({}));
  }
}

class MongoAudit implements AuditStore {
  constructor(
    private readonly audit: Collection<AuditDoc>,
    private readonly run: Run,
  ) {}

  async record(event: AuditEvent): Promise<void> {
    assertString(event.id, 'id');
    assertString(event.type, 'type');
    assertDate(event.at, 'at');
    await insertOnce(this.run, this.audit, toDoc(event));
  }

  async query(query: AuditQuery): Promise<AuditEvent[]> {
    assertPositiveInteger(query.limit, 'limit');
    const filter: Filter<AuditDoc> = {};
    if (query.type !== undefined) {
      assertString(query.type, 'type');
      filter.type = query.type;
    }
    if (query.userId !== undefined) {
      assertString(query.userId, 'userId');
      filter.userId = query.userId;
    }
    const and: Filter<AuditDoc>[] = [];
    if (query.since !== undefined) {
      assertDate(query.since, 'since');
      and.push({ at: { $gte: query.since } });
    }
    if (query.before !== undefined) {
      assertDate(query.before.at, 'before.at');
      assertString(query.before.id, 'before.id');
      const { at, id } = query.before;
      and.push({ $or: [{ at: { $lt: at } }, { at, _id: { $lt: id } }] });
    }
    if (and.length > 0) filter.$and = and;
    if (query.limit === 0) return [];
    const docs = await this.run(() =>
      this.audit.find(filter).sort({ at: -1, _id: -1 }).limit(query.limit).toArray(),
    );
    return docs.map((doc) => fromDoc(doc));
  }
}
