import type { AuditLog } from '../audit/audit-log.js';
import type { Clock } from '../clock.js';
import { SsprError } from '../errors.js';
import { type Random, randomId } from '../random.js';
import type { UserQuery, UserRecord, UserStore } from '../store/types.js';
import type { PasswordHasher } from './hasher.js';
import {
  isValidEmail,
  isValidLabel,
  isValidUsername,
  normalizeEmail,
  normalizeUsername,
} from './normalize.js';
import type { PasswordPolicy } from './password-policy.js';

/** A signed-in user as the app sees it (`req.user`). Holds nothing secret. */
export interface SsprUser {
  id: string;
  email: string | null;
  username: string | null;
  displayName: string | null;
  groups: string[];
  roles: string[];
  emailVerified: boolean;
  /** The credentials version the session was made with. */
  credentialsVersion: number;
}

/** What `idp.users.create` takes. */
export interface CreateUserInput {
  email?: string | null;
  username?: string | null;
  password: string;
  displayName?: string | null;
  groups?: string[];
  roles?: string[];
  emailVerified?: boolean;
  /** Preferred language for mail, a BCP 47 tag such as `es`. */
  language?: string | null;
}

/** The user fields that are safe to send to a client. */
export type PublicUser = Omit<SsprUser, 'credentialsVersion'>;

/** The account as a client may see it. */
export function toPublicUser(user: SsprUser | UserRecord): PublicUser {
  return {
    id: user.id,
    email: user.email,
    username: user.username,
    displayName: user.displayName,
    groups: [...user.groups],
    roles: [...user.roles],
    emailVerified: user.emailVerified,
  };
}

/** The account as the app sees it (`req.user`). */
export function toSsprUser(user: UserRecord): SsprUser {
  return { ...toPublicUser(user), credentialsVersion: user.credentialsVersion };
}

function label(value: unknown, field: string): string {
  if (!isValidLabel(value)) {
    throw new SsprError('invalid_request', `${field} must be 1-64 letters, digits, spaces or . _ : @ -`, {
      details: { field },
    });
  }
  return value;
}

function labels(value: unknown, field: string): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) {
    throw new SsprError('invalid_request', `${field} must be a list.`, { details: { field } });
  }
  return [...new Set(value.map((item) => label(item, field)))];
}

/** The accounts API (`idp.users`): creation applying the password policy, groups, roles, lookups. */
export class Accounts {
  /** @internal Built by `createIdentity`; use `idp.users`. */
  constructor(
    private readonly users: UserStore,
    private readonly deps: {
      hasher: PasswordHasher;
      policy: PasswordPolicy;
      clock: Clock;
      random: Random;
      audit: AuditLog;
      signInName: 'email' | 'username';
      companyName: string;
    },
  ) {}

  /**
   * Creates an account. Throws `invalid_request` (with `field`) for a bad
   * email or username, `weak_password` (with `reasons`) when the password
   * breaks the policy, and `conflict` when the email or username is taken.
   */
  async create(input: CreateUserInput, options: { actor?: string } = {}): Promise<SsprUser> {
    const email = this.optionalName(input.email, 'email', normalizeEmail, isValidEmail);
    const username = this.optionalName(input.username, 'username', normalizeUsername, isValidUsername);
    if (this.deps.signInName === 'email' && email === null) {
      throw new SsprError('invalid_request', 'email is required.', { details: { field: 'email' } });
    }
    if (this.deps.signInName === 'username' && username === null) {
      throw new SsprError('invalid_request', 'username is required.', { details: { field: 'username' } });
    }
    const displayName =
      input.displayName === undefined || input.displayName === null
        ? null
        : typeof input.displayName === 'string' && input.displayName.length <= 128
          ? input.displayName.normalize('NFKC').trim()
          : SsprError.throw(
              'invalid_request',
              'displayName must be a string of at most 128 characters.',
              'displayName',
            );
    const language =
      input.language === undefined || input.language === null
        ? null
        : typeof input.language === 'string' && /^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/.test(input.language)
          ? input.language
          : SsprError.throw('invalid_request', 'language must be a BCP 47 tag such as "es".', 'language');
    const password = this.checkPassword(input.password, { email, username, displayName });
    const passwordHash = await this.deps.hasher.hash(password);
    const record = await this.users.create({
      id: randomId(this.deps.random, 16),
      email,
      username,
      displayName,
      passwordHash,
      groups: labels(input.groups, 'groups'),
      roles: labels(input.roles, 'roles'),
      emailVerified: input.emailVerified === true,
      language,
      now: this.deps.clock.now(),
    });
    await this.deps.audit.record('user.created', { userId: record.id, actor: options.actor ?? null });
    return toSsprUser(record);
  }

  /**
   * Applies the password policy and returns the normalised password to hash.
   * Throws `weak_password` with every reason.
   */
  checkPassword(
    password: unknown,
    context: { email: string | null; username: string | null; displayName: string | null },
  ): string {
    const result = this.deps.policy.check(password, { ...context, companyName: this.deps.companyName });
    if (!result.ok) {
      throw new SsprError('weak_password', undefined, {
        details: {
          reasons: result.problems.map((problem) => ({ code: problem.code, message: problem.message })),
        },
      });
    }
    return result.normalized;
  }

  private optionalName(
    value: unknown,
    field: 'email' | 'username',
    normalize: (value: string) => string,
    isValid: (value: string) => boolean,
  ): string | null {
    if (value === undefined || value === null || value === '') return null;
    if (typeof value !== 'string') {
      throw new SsprError('invalid_request', `${field} must be a string.`, { details: { field } });
    }
    const normalized = normalize(value);
    if (!isValid(normalized)) {
      throw new SsprError('invalid_request', `${field} is not valid.`, { details: { field } });
    }
    return normalized;
  }

  /** The account with this id, or null. */
  async findById(id: string): Promise<SsprUser | null> {
    const user = await this.users.findById(id);
    return user ? toSsprUser(user) : null;
  }

  /** The account with this email (normalised before the lookup), or null. */
  async findByEmail(email: string): Promise<SsprUser | null> {
    if (typeof email !== 'string') throw new SsprError('invalid_request', 'email must be a string.');
    const user = await this.users.findByEmail(normalizeEmail(email));
    return user ? toSsprUser(user) : null;
  }

  /** The account with this username (normalised before the lookup), or null. */
  async findByUsername(username: string): Promise<SsprUser | null> {
    if (typeof username !== 'string') throw new SsprError('invalid_request', 'username must be a string.');
    const user = await this.users.findByUsername(normalizeUsername(username));
    return user ? toSsprUser(user) : null;
  }

  /** Finds by email or username, whichever is the configured sign-in name. */
  async find(signInName: string): Promise<SsprUser | null> {
    return this.deps.signInName === 'email' ? this.findByEmail(signInName) : this.findByUsername(signInName);
  }

  private async require(user: Promise<UserRecord | null>): Promise<SsprUser> {
    const found = await user;
    if (!found) throw new SsprError('not_found', 'No such user.');
    return toSsprUser(found);
  }

  /** Adds the account to a group, with a `user.groups_changed` audit event. */
  async addGroup(id: string, group: string, options: { actor?: string } = {}): Promise<SsprUser> {
    const user = await this.require(this.users.addGroup(id, label(group, 'group'), this.deps.clock.now()));
    await this.deps.audit.record('user.groups_changed', {
      userId: id,
      actor: options.actor ?? null,
      data: { added: group },
    });
    return user;
  }

  /** Removes the account from a group, with a `user.groups_changed` audit event. */
  async removeGroup(id: string, group: string, options: { actor?: string } = {}): Promise<SsprUser> {
    const user = await this.require(this.users.removeGroup(id, label(group, 'group'), this.deps.clock.now()));
    await this.deps.audit.record('user.groups_changed', {
      userId: id,
      actor: options.actor ?? null,
      data: { removed: group },
    });
    return user;
  }

  /** Replaces the account's roles, with a `user.roles_changed` audit event. */
  async setRoles(id: string, roles: string[], options: { actor?: string } = {}): Promise<SsprUser> {
    const user = await this.require(this.users.setRoles(id, labels(roles, 'roles'), this.deps.clock.now()));
    await this.deps.audit.record('user.roles_changed', {
      userId: id,
      actor: options.actor ?? null,
      data: { roles },
    });
    return user;
  }

  /** Accounts in id order; pass the last id as `after` for the next page. */
  async list(options: { limit?: number; after?: string; query?: UserQuery } = {}): Promise<SsprUser[]> {
    const limit = options.limit ?? 100;
    const users = await this.users.list({
      limit,
      ...(options.after === undefined ? {} : { afterId: options.after }),
      ...(options.query === undefined ? {} : { query: options.query }),
    });
    return users.map(toSsprUser);
  }

  /** How many accounts match the query. */
  count(query?: UserQuery): Promise<number> {
    return this.users.count(query);
  }
}
