import type { PasswordHasher } from '../accounts/hasher.js';
import { normalizeEmail, normalizeUsername } from '../accounts/normalize.js';
import type { PasswordPolicy } from '../accounts/password-policy.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { Clock } from '../clock.js';
import { SsprError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { UserRecord, UserStore } from '../store/types.js';
import type { Lockout } from './lockout.js';

/** One sign-in attempt, as the router or the Passport strategy hands it over. */
export interface SignInAttempt {
  name: string;
  password: string;
  ip: string | null;
}

/**
 * Checks a sign-in name and password. Every failure looks the same to the
 * caller (`invalid_credentials`), and an unknown name costs exactly one
 * verify against a dummy hash, as a known one does (SECURITY.md EN-2, EN-3).
 */
export class SignInService {
  constructor(
    private readonly deps: {
      users: UserStore;
      hasher: PasswordHasher;
      policy: PasswordPolicy;
      lockout: Lockout;
      audit: AuditLog;
      clock: Clock;
      logger: Logger;
      signInName: 'email' | 'username';
      /** A hash of a random password with the current parameters. */
      dummyHash: string;
    },
  ) {}

  normalizeName(name: string): string {
    return this.deps.signInName === 'email' ? normalizeEmail(name) : normalizeUsername(name);
  }

  async authenticate(attempt: SignInAttempt): Promise<UserRecord> {
    const { users, hasher, policy, lockout, audit } = this.deps;
    const name = this.normalizeName(attempt.name);
    const ip = attempt.ip;
    const lockedFor = await lockout.lockedFor(name);
    if (lockedFor > 0) {
      await audit.record('signin.failure', { ip, data: { reason: 'locked_out' } });
      throw new SsprError('rate_limited', 'Too many failed sign-ins. Try again later.', {
        retryAfterSeconds: lockedFor,
      });
    }
    const user =
      name.length === 0 || name.length > 254
        ? null
        : this.deps.signInName === 'email'
          ? await users.findByEmail(name)
          : await users.findByUsername(name);
    // Too long to be anyone's password: refuse before hashing (a cheap DoS otherwise).
    const tooLong = policy.exceedsMaximum(attempt.password);
    const password = tooLong ? '' : policy.normalize(attempt.password);
    // Exactly one verify whether or not the account exists.
    const matches = tooLong
      ? false
      : await hasher.verify(user?.passwordHash ?? this.deps.dummyHash, password);
    if (!user || !matches) {
      const locked = await lockout.recordFailure(name);
      await audit.record('signin.failure', {
        userId: user?.id ?? null,
        ip,
        data: { reason: user ? 'wrong_password' : 'unknown_name' },
      });
      if (locked) await audit.record('signin.lockout', { userId: user?.id ?? null, ip });
      throw new SsprError('invalid_credentials');
    }
    await lockout.clear(name);
    if (hasher.needsRehash(user.passwordHash)) await this.upgradeHash(user, password);
    await audit.record('signin.success', { userId: user.id, ip });
    return user;
  }

  recordSignOut(userId: string, ip: string | null): Promise<void> {
    return this.deps.audit.record('signout', { userId, ip });
  }

  /** Re-hashes with the current parameters; a failure here never fails the sign-in. */
  private async upgradeHash(user: UserRecord, password: string): Promise<void> {
    try {
      const stronger = await this.deps.hasher.hash(password);
      if (
        await this.deps.users.upgradePasswordHash(user.id, user.passwordHash, stronger, this.deps.clock.now())
      ) {
        user.passwordHash = stronger;
        this.deps.logger.info('signin.hash_upgraded', { userId: user.id });
      }
    } catch (error) {
      this.deps.logger.warn('signin.hash_upgrade_failed', {
        userId: user.id,
        reason: error instanceof Error ? error.name : 'unknown',
      });
    }
  }
}
