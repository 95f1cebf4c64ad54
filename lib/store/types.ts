/**
 * The store port: small interfaces named for their role. The services depend
 * on these alone; `memoryStore()` and `mongoStore()` implement them, and both
 * pass one contract suite (`test/store/contract.ts`).
 *
 * Rules every adapter follows:
 * - Every change that must be atomic is one conditional single-document
 *   update (compare-and-set on a state, `$inc` guarded by a cap), never a read
 *   followed by a write.
 * - Every value that may come from a user is checked to be a plain string
 *   before any query runs (`invalid_request` otherwise).
 * - Time is passed in (`now`), so expiry follows the caller's clock.
 */

/** Who may use self-service password reset. */
export type ResetScope = 'none' | 'selected' | 'all';

/** The `settings` document `_id: "passwordReset"`. */
export interface PasswordResetPolicy {
  enabled: ResetScope;
  /** Groups whose members may reset when `enabled` is `selected`. */
  groups: string[];
  updatedAt: Date | null;
  /** Who changed it last (a user id, an email or `cli`), or null when never changed. */
  updatedBy: string | null;
}

/** A stored local account. */
export interface UserRecord {
  id: string;
  /** Normalised (trimmed, NFKC, lower case), or null for username-only accounts. */
  email: string | null;
  /** Normalised (trimmed, NFKC, lower case), or null. */
  username: string | null;
  displayName: string | null;
  /** argon2id PHC string. */
  passwordHash: string;
  /** Changes on every password change; sessions carrying an older one are signed out. */
  credentialsVersion: number;
  groups: string[];
  roles: string[];
  emailVerified: boolean;
  /** Preferred language for mail (BCP 47 tag), or null. */
  language: string | null;
  createdAt: Date;
  updatedAt: Date;
  passwordChangedAt: Date | null;
  /**
   * The reset flow that made the last password change, when a reset made it.
   * Written in the same atomic update as the hash, so that a reset whose
   * answer from the store was lost can tell afterwards whether it happened.
   */
  lastResetFlowId?: string | null;
}

/** What `UserStore.create` takes; the caller has normalised and hashed. */
export interface NewUser {
  id: string;
  email: string | null;
  username: string | null;
  displayName: string | null;
  passwordHash: string;
  groups: string[];
  roles: string[];
  emailVerified: boolean;
  language: string | null;
  now: Date;
}

/** Filters for counting and listing users. */
export interface UserQuery {
  /** Only accounts that have (true) or lack (false) an email address. */
  hasEmail?: boolean;
  /** Only members of at least one of these groups. */
  inAnyGroup?: string[];
}

/** Local accounts (`users`): unique normalised email and username, password hash and credentials version. */
export interface UserStore {
  /** Inserts a user. Throws `SsprError('conflict')` when the email or username is taken. */
  create(user: NewUser): Promise<UserRecord>;
  /** The user with this id, or null. */
  findById(id: string): Promise<UserRecord | null>;
  /** The user with this normalised email, or null. */
  findByEmail(email: string): Promise<UserRecord | null>;
  /** The user with this normalised username, or null. */
  findByUsername(username: string): Promise<UserRecord | null>;
  /**
   * Replaces the password hash and moves the credentials version on by one,
   * only while the stored version is `expectedVersion`; records `resetFlowId`
   * as `lastResetFlowId` (null when not given) in the same update. Returns the
   * updated user, or null when the version moved on (or the user is gone).
   */
  changePassword(
    id: string,
    change: {
      passwordHash: string;
      expectedVersion: number;
      emailVerified?: boolean;
      resetFlowId?: string;
      now: Date;
    },
  ): Promise<UserRecord | null>;
  /**
   * Replaces a hash with a stronger hash of the same password (no version
   * change), only while the stored hash is still `oldHash`. Returns whether it did.
   */
  upgradePasswordHash(id: string, oldHash: string, newHash: string, now: Date): Promise<boolean>;
  /** Adds the user to a group (once). Returns the user, or null when there is none. */
  addGroup(id: string, group: string, now: Date): Promise<UserRecord | null>;
  /** Removes the user from a group. Returns the user, or null when there is none. */
  removeGroup(id: string, group: string, now: Date): Promise<UserRecord | null>;
  /** Replaces the user's roles. Returns the user, or null when there is none. */
  setRoles(id: string, roles: string[], now: Date): Promise<UserRecord | null>;
  /** Users sorted by id, after `afterId` when given. */
  list(options: { limit: number; afterId?: string; query?: UserQuery }): Promise<UserRecord[]>;
  /** How many users match the query (all when none is given). */
  count(query?: UserQuery): Promise<number>;
}

/** The `settings` collection's password reset policy document. */
export interface PolicyStore {
  /** The password reset policy; `none` with no groups when the document is absent. */
  getPasswordResetPolicy(): Promise<PasswordResetPolicy>;
  /** Writes the policy and returns the one it replaced. */
  setPasswordResetPolicy(
    policy: { enabled: ResetScope; groups: string[] },
    change: { actor: string; now: Date },
  ): Promise<{ previous: PasswordResetPolicy; current: PasswordResetPolicy }>;
}

/** The named states of a reset flow. `completed` and `cancelled` are final. */
export type ResetFlowState = 'code_sent' | 'verified' | 'completed' | 'cancelled';

/** One password reset attempt (`resetFlows`). */
export interface ResetFlowRecord {
  /** Random, at least 128 bits, URL-safe. */
  id: string;
  /** Digest of the browser session that started it. */
  sessionBinding: string;
  /** The account, or null for a decoy (unknown address). */
  userId: string | null;
  /** A decoy behaves like a real flow and can never verify. */
  decoy: boolean;
  /** Key for account-wide limits: the user id, or a digest of the unknown address. */
  accountKey: string;
  state: ResetFlowState;
  /** HMAC of the current code (never the code), or null for a decoy. */
  codeHash: string | null;
  codeExpiresAt: Date;
  /** Wrong codes entered in this flow. */
  attempts: number;
  /** Codes sent in this flow, including the first. */
  codesSent: number;
  /**
   * The user's credentials version when the flow started (null for a decoy).
   * Once the password has changed since, the flow can no longer complete.
   * Absent on flows stored by earlier versions.
   */
  credentialsVersion?: number | null;
  resendAfter: Date;
  createdAt: Date;
  expiresAt: Date;
  verifiedAt: Date | null;
  completedAt: Date | null;
}

/** Reset flows (`resetFlows`), changed only by compare-and-set updates. */
export interface ResetFlowStore {
  /** Inserts a new flow. Throws `SsprError('conflict')` when the id exists. */
  create(flow: ResetFlowRecord): Promise<void>;
  /** The flow, expired or not (the caller tells `flow_expired` apart), or null. */
  get(id: string): Promise<ResetFlowRecord | null>;
  /**
   * Counts one wrong code, only while the flow is `code_sent`, unexpired and
   * under `maxAttempts`. Returns the updated flow, or null when nothing was counted.
   */
  recordWrongCode(id: string, maxAttempts: number, now: Date): Promise<ResetFlowRecord | null>;
  /**
   * Moves the flow from `from` to `to`, only while it is in `from` and
   * unexpired, under `maxAttempts` wrong codes when given, and with its code
   * unexpired when `requireLiveCode` is set. Exactly one of many concurrent
   * callers wins; the others get null.
   */
  transition(
    id: string,
    from: ResetFlowState,
    to: ResetFlowState,
    options: { now: Date; maxAttempts?: number; requireLiveCode?: boolean },
  ): Promise<ResetFlowRecord | null>;
  /**
   * Replaces the code, only while the flow is `code_sent`, unexpired, past
   * `resendAfter` and under `maxCodes` codes sent. Returns the updated flow or null.
   */
  replaceCode(
    id: string,
    code: { codeHash: string | null; codeExpiresAt: Date; resendAfter: Date },
    options: { now: Date; maxCodes: number },
  ): Promise<ResetFlowRecord | null>;
  /** Cancels every open (`code_sent`/`verified`) flow of the user except `exceptId`. Returns how many. */
  cancelOpenFlows(userId: string, options: { now: Date; exceptId?: string }): Promise<number>;
}

/** Fixed-window counters for rate limits, shared by every app instance on the store. */
export interface CounterStore {
  /**
   * Adds one to the counter `key` in its current window (starting a new
   * window of `windowMs` when there is none or it has ended) and returns the
   * count after the increment and when the window ends.
   */
  hit(key: string, options: { windowMs: number; now: Date }): Promise<{ count: number; resetAt: Date }>;
  /** The current count of `key` (0 when absent or ended). */
  peek(key: string, now: Date): Promise<{ count: number; resetAt: Date | null }>;
  /** Forgets `key`. */
  reset(key: string): Promise<void>;
}

/** Lockout state of one sign-in name (known or not). */
export interface LockoutRecord {
  key: string;
  /** Consecutive failures since the last lock or success. */
  failures: number;
  /** How many times it has been locked in a row; sets the next lock's length. */
  level: number;
  lockedUntil: Date | null;
}

/** Sign-in lockout records, one per sign-in name. */
export interface LockoutStore {
  /** The record of a key, or null. */
  get(key: string): Promise<LockoutRecord | null>;
  /**
   * Counts one failure. When the count reaches `threshold`, locks the key for
   * `lockMs(level)` and starts counting again. Returns the new state.
   */
  recordFailure(
    key: string,
    options: { threshold: number; lockMs: (level: number) => number; now: Date; expireAfterMs: number },
  ): Promise<LockoutRecord>;
  /** Clears the key (a success or a completed reset). */
  clear(key: string): Promise<void>;
}

/** A message waiting in the outbox. */
export interface OutboxMessage {
  id: string;
  /** Recipient address, always taken from a stored account. */
  to: string;
  subject: string;
  text: string;
  html: string;
  /** What the message is, for audit (`reset.code`, `reset.not_enabled`, `password.changed`, ...). */
  kind: string;
  userId: string | null;
  attempts: number;
  /** Not before this time (backoff). */
  notBefore: Date;
  /** Set while a worker holds it. */
  leaseUntil: Date | null;
  leaseOwner: string | null;
  createdAt: Date;
  lastError: string | null;
}

/** The mail outbox (`mailOutbox`): messages wait here until a worker delivers them. */
export interface OutboxStore {
  /** Adds a message. */
  enqueue(message: OutboxMessage): Promise<void>;
  /**
   * Claims the oldest message that is due and not leased (or whose lease ran
   * out) for `owner` until `leaseUntil`. One caller wins each message.
   */
  claim(owner: string, options: { now: Date; leaseUntil: Date }): Promise<OutboxMessage | null>;
  /** Removes a delivered message, only while `owner` holds it. */
  complete(id: string, owner: string): Promise<boolean>;
  /** Releases a failed message for another try at `notBefore`, only while `owner` holds it. */
  retry(id: string, owner: string, options: { notBefore: Date; error: string }): Promise<boolean>;
  /** Removes a message that will not be tried again, only while `owner` holds it. */
  abandon(id: string, owner: string): Promise<boolean>;
  /** Messages in the outbox (for tests and operators). */
  size(): Promise<number>;
}

/** An audit event. Never holds a password, code, hash, session id or token. */
export interface AuditEvent {
  id: string;
  type: string;
  at: Date;
  userId: string | null;
  /** Who acted, when not the user (an administrator, `cli`). */
  actor: string | null;
  ip: string | null;
  data: Record<string, string | number | boolean | null | string[]>;
}

/** Filters and paging of an audit query. */
export interface AuditQuery {
  type?: string;
  userId?: string;
  since?: Date;
  /** Only events older than this cursor (an event's `at` and `id`). */
  before?: { at: Date; id: string };
  limit: number;
}

/** Audit events (`auditEvents`), kept for the retention period. */
export interface AuditStore {
  /** Stores one event. */
  record(event: AuditEvent): Promise<void>;
  /** Newest first. */
  query(query: AuditQuery): Promise<AuditEvent[]>;
}

/**
 * Everything express-sspr keeps. An adapter implements every part and
 * `init()`, which prepares the backing store (indexes) and may be called
 * more than once.
 */
export interface Store {
  readonly kind: string;
  readonly users: UserStore;
  readonly policy: PolicyStore;
  readonly resetFlows: ResetFlowStore;
  readonly counters: CounterStore;
  readonly lockouts: LockoutStore;
  readonly outbox: OutboxStore;
  readonly audit: AuditStore;
  /** Prepares the backing store (indexes); safe to call more than once. */
  init(): Promise<void>;
}
