import { type Clock, systemClock } from '../../clock.js';
import { SsprError } from '../../errors.js';
import {
  assertDate,
  assertNullableString,
  assertPositiveInteger,
  assertString,
  assertStringArray,
  DEFAULT_AUDIT_RETENTION_DAYS,
  FLOW_RETENTION_AFTER_EXPIRY_MS,
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
  ResetFlowStore,
  Store,
  UserQuery,
  UserRecord,
  UserStore,
} from '../types.js';

/** Options of {@link memoryStore}. */
export interface MemoryStoreOptions {
  /**
   * Clock used to forget expired records, as MongoDB's TTL indexes would.
   * Default: the system clock.
   */
  clock?: Clock;
  /** Where the one-time "not for production" warning goes. Default: `console.warn`. */
  warn?: (message: string) => void;
  /** Days audit events are kept. Default: 90. */
  auditRetentionDays?: number;
}

const warned = new WeakSet<(message: string) => void>();

const PRODUCTION_WARNING =
  'express-sspr: memoryStore() keeps accounts, flows and counters in this process only. ' +
  'It is not for production: data is lost on restart and not shared between instances. Use mongoStore().';

/**
 * A deep copy, so that callers never share the store's objects. Records are
 * plain data (strings, numbers, booleans, null, Dates, and arrays and plain
 * objects of those); copying them by hand costs a tenth of structuredClone,
 * which every request paid several times over.
 */
function clone<T>(value: T): T {
  if (typeof value !== 'object' || value === null) return value;
  if (value instanceof Date) return new Date(value.getTime()) as T;
  if (Array.isArray(value)) return value.map((item: unknown) => clone(item)) as T;
  const copy: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    // A plain assignment to `__proto__` would set the prototype instead of a property.
    if (key === '__proto__')
      Object.defineProperty(copy, key, {
        value: clone(item),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    else copy[key] = clone(item);
  }
  return copy as T;
}

/**
 * A store that keeps everything in this process's memory, with the same
 * semantics as {@link mongoStore} (uniqueness, compare-and-set updates, expiry
 * by the clock). For development and tests; it warns once that it is not
 * for production, as express-session's MemoryStore does.
 */
export function memoryStore(options: MemoryStoreOptions = {}): Store {
  const clock = options.clock ?? systemClock;
  const warn = options.warn ?? ((message: string) => console.warn(message));
  if (!warned.has(warn)) {
    warned.add(warn);
    warn(PRODUCTION_WARNING);
  }
  const auditRetentionMs = (options.auditRetentionDays ?? DEFAULT_AUDIT_RETENTION_DAYS) * 86_400_000;
  return new MemoryStore(clock, auditRetentionMs);
}

class MemoryStore implements Store {
  readonly kind = 'memory';
  readonly users: UserStore;
  readonly policy: PolicyStore;
  readonly resetFlows: ResetFlowStore;
  readonly counters: CounterStore;
  readonly lockouts: LockoutStore;
  readonly outbox: OutboxStore;
  readonly audit: AuditStore;

  constructor(clock: Clock, auditRetentionMs: number) {
    this.users = new MemoryUsers();
    this.policy = new MemoryPolicy();
    this.resetFlows = new MemoryResetFlows(clock);
    this.counters = new MemoryCounters(clock);
    this.lockouts = new MemoryLockouts(clock);
    this.outbox = new MemoryOutbox();
    this.audit = new MemoryAudit(clock, auditRetentionMs);
  }

  async init(): Promise<void> {}
}

function matchesUserQuery(user: UserRecord, query: UserQuery | undefined): boolean {
  if (!query) return true;
  if (query.hasEmail !== undefined && (user.email !== null) !== query.hasEmail) return false;
  if (query.inAnyGroup !== undefined && !user.groups.some((group) => query.inAnyGroup?.includes(group))) {
    return false;
  }
  return true;
}

function checkUserQuery(query: UserQuery | undefined): void {
  if (query?.inAnyGroup !== undefined) assertStringArray(query.inAnyGroup, 'inAnyGroup');
  if (query?.hasEmail !== undefined && typeof query.hasEmail !== 'boolean') {
    throw new SsprError('invalid_request', 'hasEmail must be a boolean.', { details: { field: 'hasEmail' } });
  }
}

class MemoryUsers implements UserStore {
  private readonly byId = new Map<string, UserRecord>();
  private readonly idByEmail = new Map<string, string>();
  private readonly idByUsername = new Map<string, string>();

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
    if (this.byId.has(input.id)) throw new SsprError('conflict', 'A user with that id already exists.');
    if (input.email !== null && this.idByEmail.has(input.email)) {
      throw new SsprError('conflict', undefined, { details: { field: 'email' } });
    }
    if (input.username !== null && this.idByUsername.has(input.username)) {
      throw new SsprError('conflict', undefined, { details: { field: 'username' } });
    }
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
    this.byId.set(user.id, clone(user));
    if (user.email !== null) this.idByEmail.set(user.email, user.id);
    if (user.username !== null) this.idByUsername.set(user.username, user.id);
    return clone(user);
  }

  async findById(id: string): Promise<UserRecord | null> {
    assertString(id, 'id');
    const user = this.byId.get(id);
    return user ? clone(user) : null;
  }

  async findByEmail(email: string): Promise<UserRecord | null> {
    assertString(email, 'email');
    const id = this.idByEmail.get(email);
    return id === undefined ? null : this.findById(id);
  }

  async findByUsername(username: string): Promise<UserRecord | null> {
    assertString(username, 'username');
    const id = this.idByUsername.get(username);
    return id === undefined ? null : this.findById(id);
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
    const user = this.byId.get(id);
    if (!user || user.credentialsVersion !== change.expectedVersion) return null;
    user.passwordHash = change.passwordHash;
    user.credentialsVersion += 1;
    user.passwordChangedAt = change.now;
    user.updatedAt = change.now;
    user.lastResetFlowId = change.resetFlowId ?? null;
    if (change.emailVerified) user.emailVerified = true;
    return clone(user);
  }

  async upgradePasswordHash(id: string, oldHash: string, newHash: string, now: Date): Promise<boolean> {
    assertString(id, 'id');
    assertString(oldHash, 'oldHash');
    assertString(newHash, 'newHash');
    assertDate(now, 'now');
    const user = this.byId.get(id);
    if (!user || user.passwordHash !== oldHash) return false;
    user.passwordHash = newHash;
    user.updatedAt = now;
    return true;
  }

  private update(id: string, now: Date, apply: (user: UserRecord) => void): UserRecord | null {
    assertString(id, 'id');
    assertDate(now, 'now');
    const user = this.byId.get(id);
    if (!user) return null;
    apply(user);
    user.updatedAt = now;
    return clone(user);
  }

  async addGroup(id: string, group: string, now: Date): Promise<UserRecord | null> {
    assertString(group, 'group');
    return this.update(id, now, (user) => {
      if (!user.groups.includes(group)) user.groups.push(group);
    });
  }

  async removeGroup(id: string, group: string, now: Date): Promise<UserRecord | null> {
    assertString(group, 'group');
    return this.update(id, now, (user) => {
      user.groups = user.groups.filter((existing) => existing !== group);
    });
  }

  async setRoles(id: string, roles: string[], now: Date): Promise<UserRecord | null> {
    assertStringArray(roles, 'roles');
    return this.update(id, now, (user) => {
      user.roles = [...new Set(roles)];
    });
  }

  async list(options: { limit: number; afterId?: string; query?: UserQuery }): Promise<UserRecord[]> {
    assertPositiveInteger(options.limit, 'limit');
    if (options.afterId !== undefined) assertString(options.afterId, 'afterId');
    checkUserQuery(options.query);
    const after = options.afterId;
    return [...this.byId.values()]
      .filter((user) => (after === undefined || user.id > after) && matchesUserQuery(user, options.query))
      .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
      .slice(0, options.limit)
      .map(clone);
  }

  async count(query?: UserQuery): Promise<number> {
    checkUserQuery(query);
    let count = 0;
    for (const user of this.byId.values()) if (matchesUserQuery(user, query)) count += 1;
    return count;
  }
}

const DEFAULT_POLICY: PasswordResetPolicy = { enabled: 'none', groups: [], updatedAt: null, updatedBy: null };

class MemoryPolicy implements PolicyStore {
  private policy: PasswordResetPolicy = clone(DEFAULT_POLICY);

  async getPasswordResetPolicy(): Promise<PasswordResetPolicy> {
    return clone(this.policy);
  }

  async setPasswordResetPolicy(
    policy: { enabled: PasswordResetPolicy['enabled']; groups: string[] },
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
    const previous = this.policy;
    this.policy = {
      enabled: policy.enabled,
      groups: [...new Set(policy.groups)],
      updatedAt: change.now,
      updatedBy: change.actor,
    };
    return { previous: clone(previous), current: clone(this.policy) };
  }
}

class MemoryResetFlows implements ResetFlowStore {
  private readonly flows = new Map<string, ResetFlowRecord>();
  /** When the first kept flow passes its retention; until then a purge has nothing to do. */
  private nextPurgeAt = Number.POSITIVE_INFINITY;

  constructor(private readonly clock: Clock) {}

  /**
   * Forgets flows as the TTL index on `expiresAt` would. It scans only once
   * something is due: a scan on every call made each request cost O(flows).
   */
  private purge(): void {
    const now = this.clock.now().getTime();
    if (now < this.nextPurgeAt) return;
    let next = Number.POSITIVE_INFINITY;
    for (const [id, flow] of this.flows) {
      const forgetAt = flow.expiresAt.getTime() + FLOW_RETENTION_AFTER_EXPIRY_MS;
      if (forgetAt <= now) this.flows.delete(id);
      else if (forgetAt < next) next = forgetAt;
    }
    this.nextPurgeAt = next;
  }

  async create(flow: ResetFlowRecord): Promise<void> {
    assertString(flow.id, 'id');
    assertString(flow.sessionBinding, 'sessionBinding');
    assertNullableString(flow.userId, 'userId');
    assertString(flow.accountKey, 'accountKey');
    assertNullableString(flow.codeHash, 'codeHash');
    assertDate(flow.expiresAt, 'expiresAt');
    if (flow.credentialsVersion != null) assertPositiveInteger(flow.credentialsVersion, 'credentialsVersion');
    this.purge();
    if (this.flows.has(flow.id)) throw new SsprError('conflict', 'A flow with that id already exists.');
    this.flows.set(flow.id, clone(flow));
    this.nextPurgeAt = Math.min(this.nextPurgeAt, flow.expiresAt.getTime() + FLOW_RETENTION_AFTER_EXPIRY_MS);
  }

  async get(id: string): Promise<ResetFlowRecord | null> {
    assertString(id, 'id');
    this.purge();
    const flow = this.flows.get(id);
    return flow ? clone(flow) : null;
  }

  private live(id: string, now: Date): ResetFlowRecord | null {
    assertString(id, 'id');
    assertDate(now, 'now');
    this.purge();
    const flow = this.flows.get(id);
    return flow && flow.expiresAt.getTime() > now.getTime() ? flow : null;
  }

  async recordWrongCode(id: string, maxAttempts: number, now: Date): Promise<ResetFlowRecord | null> {
    assertPositiveInteger(maxAttempts, 'maxAttempts');
    const flow = this.live(id, now);
    if (flow?.state !== 'code_sent' || flow.attempts >= maxAttempts) return null;
    flow.attempts += 1;
    return clone(flow);
  }

  async transition(
    id: string,
    from: ResetFlowRecord['state'],
    to: ResetFlowRecord['state'],
    options: { now: Date; maxAttempts?: number; requireLiveCode?: boolean },
  ): Promise<ResetFlowRecord | null> {
    const flow = this.live(id, options.now);
    if (!flow || flow.state !== from) return null;
    if (options.maxAttempts !== undefined && flow.attempts >= options.maxAttempts) return null;
    if (options.requireLiveCode && flow.codeExpiresAt.getTime() <= options.now.getTime()) return null;
    flow.state = to;
    if (to === 'verified') flow.verifiedAt = options.now;
    if (to === 'completed') flow.completedAt = options.now;
    return clone(flow);
  }

  async replaceCode(
    id: string,
    code: { codeHash: string | null; codeExpiresAt: Date; resendAfter: Date },
    options: { now: Date; maxCodes: number },
  ): Promise<ResetFlowRecord | null> {
    assertNullableString(code.codeHash, 'codeHash');
    assertDate(code.codeExpiresAt, 'codeExpiresAt');
    assertDate(code.resendAfter, 'resendAfter');
    assertPositiveInteger(options.maxCodes, 'maxCodes');
    const flow = this.live(id, options.now);
    if (flow?.state !== 'code_sent') return null;
    if (flow.resendAfter.getTime() > options.now.getTime() || flow.codesSent >= options.maxCodes) return null;
    flow.codeHash = code.codeHash;
    flow.codeExpiresAt = code.codeExpiresAt;
    flow.resendAfter = code.resendAfter;
    flow.codesSent += 1;
    return clone(flow);
  }

  async cancelOpenFlows(userId: string, options: { now: Date; exceptId?: string }): Promise<number> {
    assertString(userId, 'userId');
    if (options.exceptId !== undefined) assertString(options.exceptId, 'exceptId');
    let cancelled = 0;
    for (const flow of this.flows.values()) {
      if (flow.userId !== userId || flow.id === options.exceptId) continue;
      if (flow.state !== 'code_sent' && flow.state !== 'verified') continue;
      flow.state = 'cancelled';
      cancelled += 1;
    }
    return cancelled;
  }
}

class MemoryCounters implements CounterStore {
  private readonly counters = new Map<string, { count: number; resetAt: Date }>();
  /** When the first kept counter's window ends; until then a purge has nothing to do. */
  private nextPurgeAt = Number.POSITIVE_INFINITY;

  constructor(private readonly clock: Clock) {}

  /** Forgets ended windows; scans only once one is due (a scan per hit made each request O(counters)). */
  private purge(): void {
    const now = this.clock.now().getTime();
    if (now < this.nextPurgeAt) return;
    let next = Number.POSITIVE_INFINITY;
    for (const [key, counter] of this.counters) {
      const resetAt = counter.resetAt.getTime();
      if (resetAt <= now) this.counters.delete(key);
      else if (resetAt < next) next = resetAt;
    }
    this.nextPurgeAt = next;
  }

  async hit(
    key: string,
    options: { windowMs: number; now: Date },
  ): Promise<{ count: number; resetAt: Date }> {
    assertString(key, 'key');
    assertPositiveInteger(options.windowMs, 'windowMs');
    assertDate(options.now, 'now');
    this.purge();
    const counter = this.counters.get(key);
    if (!counter || counter.resetAt.getTime() <= options.now.getTime()) {
      const fresh = { count: 1, resetAt: new Date(options.now.getTime() + options.windowMs) };
      this.counters.set(key, fresh);
      this.nextPurgeAt = Math.min(this.nextPurgeAt, fresh.resetAt.getTime());
      return clone(fresh);
    }
    counter.count += 1;
    return clone(counter);
  }

  async peek(key: string, now: Date): Promise<{ count: number; resetAt: Date | null }> {
    assertString(key, 'key');
    assertDate(now, 'now');
    const counter = this.counters.get(key);
    if (!counter || counter.resetAt.getTime() <= now.getTime()) return { count: 0, resetAt: null };
    return clone(counter);
  }

  async reset(key: string): Promise<void> {
    assertString(key, 'key');
    this.counters.delete(key);
  }
}

class MemoryLockouts implements LockoutStore {
  private readonly records = new Map<string, LockoutRecord & { expiresAt: Date }>();

  constructor(private readonly clock: Clock) {}

  private purge(): void {
    const now = this.clock.now().getTime();
    for (const [key, record] of this.records) if (record.expiresAt.getTime() <= now) this.records.delete(key);
  }

  private static view(record: LockoutRecord): LockoutRecord {
    return {
      key: record.key,
      failures: record.failures,
      level: record.level,
      lockedUntil: record.lockedUntil,
    };
  }

  async get(key: string): Promise<LockoutRecord | null> {
    assertString(key, 'key');
    this.purge();
    const record = this.records.get(key);
    return record ? clone(MemoryLockouts.view(record)) : null;
  }

  async recordFailure(
    key: string,
    options: { threshold: number; lockMs: (level: number) => number; now: Date; expireAfterMs: number },
  ): Promise<LockoutRecord> {
    assertString(key, 'key');
    assertPositiveInteger(options.threshold, 'threshold');
    assertDate(options.now, 'now');
    this.purge();
    const record = this.records.get(key) ?? {
      key,
      failures: 0,
      level: 0,
      lockedUntil: null,
      expiresAt: options.now,
    };
    record.failures += 1;
    if (record.failures >= options.threshold) {
      record.lockedUntil = new Date(options.now.getTime() + options.lockMs(record.level));
      record.level += 1;
      record.failures = 0;
    }
    const lockedUntil = record.lockedUntil?.getTime() ?? 0;
    record.expiresAt = new Date(Math.max(lockedUntil, options.now.getTime()) + options.expireAfterMs);
    this.records.set(key, record);
    return clone(MemoryLockouts.view(record));
  }

  async clear(key: string): Promise<void> {
    assertString(key, 'key');
    this.records.delete(key);
  }
}

class MemoryOutbox implements OutboxStore {
  private readonly messages = new Map<string, OutboxMessage>();

  async enqueue(message: OutboxMessage): Promise<void> {
    assertString(message.id, 'id');
    assertString(message.to, 'to');
    assertString(message.subject, 'subject');
    assertString(message.text, 'text');
    assertString(message.html, 'html');
    if (this.messages.has(message.id))
      throw new SsprError('conflict', 'A message with that id already exists.');
    this.messages.set(message.id, clone(message));
  }

  async claim(owner: string, options: { now: Date; leaseUntil: Date }): Promise<OutboxMessage | null> {
    assertString(owner, 'owner');
    assertDate(options.now, 'now');
    assertDate(options.leaseUntil, 'leaseUntil');
    const now = options.now.getTime();
    let oldest: OutboxMessage | null = null;
    for (const message of this.messages.values()) {
      if (message.notBefore.getTime() > now) continue;
      if (message.leaseUntil !== null && message.leaseUntil.getTime() > now) continue;
      if (!oldest || message.createdAt.getTime() < oldest.createdAt.getTime()) oldest = message;
    }
    if (!oldest) return null;
    oldest.leaseOwner = owner;
    oldest.leaseUntil = options.leaseUntil;
    oldest.attempts += 1;
    return clone(oldest);
  }

  private held(id: string, owner: string): OutboxMessage | null {
    assertString(id, 'id');
    assertString(owner, 'owner');
    const message = this.messages.get(id);
    return message && message.leaseOwner === owner ? message : null;
  }

  async complete(id: string, owner: string): Promise<boolean> {
    if (!this.held(id, owner)) return false;
    this.messages.delete(id);
    return true;
  }

  async retry(id: string, owner: string, options: { notBefore: Date; error: string }): Promise<boolean> {
    assertDate(options.notBefore, 'notBefore');
    assertString(options.error, 'error');
    const message = this.held(id, owner);
    if (!message) return false;
    message.leaseOwner = null;
    message.leaseUntil = null;
    message.notBefore = options.notBefore;
    message.lastError = options.error;
    return true;
  }

  async abandon(id: string, owner: string): Promise<boolean> {
    return this.complete(id, owner);
  }

  async size(): Promise<number> {
    return this.messages.size;
  }
}

class MemoryAudit implements AuditStore {
  private events: AuditEvent[] = [];

  constructor(
    private readonly clock: Clock,
    private readonly retentionMs: number,
  ) {}

  async record(event: AuditEvent): Promise<void> {
    assertString(event.id, 'id');
    assertString(event.type, 'type');
    assertDate(event.at, 'at');
    this.events.push(clone(event));
  }

  async query(query: AuditQuery): Promise<AuditEvent[]> {
    if (query.type !== undefined) assertString(query.type, 'type');
    if (query.userId !== undefined) assertString(query.userId, 'userId');
    if (query.since !== undefined) assertDate(query.since, 'since');
    if (query.before !== undefined) {
      assertDate(query.before.at, 'before.at');
      assertString(query.before.id, 'before.id');
    }
    assertPositiveInteger(query.limit, 'limit');
    const cutoff = this.clock.now().getTime() - this.retentionMs;
    this.events = this.events.filter((event) => event.at.getTime() > cutoff);
    const before = query.before;
    return this.events
      .filter(
        (event) =>
          (query.type === undefined || event.type === query.type) &&
          (query.userId === undefined || event.userId === query.userId) &&
          (query.since === undefined || event.at.getTime() >= query.since.getTime()) &&
          (before === undefined || compareEvents(event, before) < 0),
      )
      .sort((a, b) => -compareEvents(a, b))
      .slice(0, query.limit)
      .map(clone);
  }
}

/** Orders events by time, then id, so that a cursor is stable. */
function compareEvents(a: { at: Date; id: string }, b: { at: Date; id: string }): number {
  const byTime = a.at.getTime() - b.at.getTime();
  if (byTime !== 0) return byTime;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}
