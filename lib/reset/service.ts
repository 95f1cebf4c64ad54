import type { Accounts } from '../accounts/accounts.js';
import type { PasswordHasher } from '../accounts/hasher.js';
import { isValidEmail, normalizeEmail } from '../accounts/normalize.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { Clock } from '../clock.js';
import { isSsprError, SsprError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Outbox } from '../mail/outbox.js';
import type { MailContext, MailTemplates } from '../mail/templates.js';
import { type Random, randomId } from '../random.js';
import type { Lockout } from '../signin/lockout.js';
import type { ResetFlowRecord, Store, UserRecord } from '../store/types.js';
import { codeDigest, codeMatches, generateCode, keyedDigest, normalizeCodeInput } from './codes.js';
import { ResetScopeReader } from './scope.js';

/** Self-service password reset settings. Defaults follow Azure AD B2C and OWASP. */
export interface ResetOptions {
  /** Digits in a code. Default: 6. */
  codeDigits?: number;
  /** How long a code works, in ms. Default: 600 000 (10 minutes). */
  codeTtlMs?: number;
  /** How long a flow lives, in ms. Default: 900 000 (15 minutes). */
  flowTtlMs?: number;
  /** Wrong codes per flow before it is dead. Default: 5. */
  maxAttempts?: number;
  /** Wait before a new code may be sent, in ms. Default: 60 000. */
  resendAfterMs?: number;
  /** Codes sent in one flow, the first included. Default: 5. */
  maxCodesPerFlow?: number;
  /** Reset mails to one account (or one unknown address) per hour. Default: 5. */
  maxEmailsPerHour?: number;
  /** Wrong codes for one account across all its flows per hour. Default: 15. */
  maxWrongCodesPerHour?: number;
  /** Mail an unknown address that someone tried to reset it. Default: false. */
  notifyUnknownRecipients?: boolean;
  /** Sign the user in after a completed reset. Default: false. */
  signInAfterReset?: boolean;
}

/** The reset defaults, as documented on {@link ResetOptions}. */
export const RESET_DEFAULTS: Required<ResetOptions> = {
  codeDigits: 6,
  codeTtlMs: 600_000,
  flowTtlMs: 900_000,
  maxAttempts: 5,
  resendAfterMs: 60_000,
  maxCodesPerFlow: 5,
  maxEmailsPerHour: 5,
  maxWrongCodesPerHour: 15,
  notifyUnknownRecipients: false,
  signInAfterReset: false,
};

const HOUR_MS = 3_600_000;

/** Who is asking: the browser session's binding nonce and the client IP. */
export interface Requester {
  /** A random value kept in the browser session; flows are bound to its digest. */
  sessionNonce: string;
  ip: string | null;
  /** The page language, for mail to addresses without a stored language. */
  lang?: string;
}

export interface StartedFlow {
  flowId: string;
  expiresAt: Date;
  resendAfter: Date;
}

/**
 * The reset journey: start (send a code), resend, verify, complete. It knows
 * nothing of HTTP. Unknown and ineligible addresses get a decoy flow that
 * behaves like a real one and can never verify (SECURITY.md EN-1).
 */
export class ResetService {
  constructor(
    private readonly deps: {
      store: Store;
      scope: ResetScopeReader;
      accounts: Accounts;
      hasher: PasswordHasher;
      lockout: Lockout;
      outbox: Outbox;
      audit: AuditLog;
      clock: Clock;
      random: Random;
      logger: Logger;
      secret: Buffer;
      options: Required<ResetOptions>;
      templates: MailTemplates;
      mailContext: (lang: string | null) => MailContext;
      /** Absolute URLs for mail links, from the configured baseUrl, or null. */
      urls: { verify: string | null; signIn: string | null };
    },
  ) {}

  private binding(requester: Requester): string {
    return keyedDigest(this.deps.secret, 'reset-session', requester.sessionNonce);
  }

  private accountKey(user: UserRecord | null, email: string): string {
    return user ? `user:${user.id}` : `addr:${keyedDigest(this.deps.secret, 'reset-address', email)}`;
  }

  /** Reads the policy; an unreadable policy fails closed (ER-2). */
  private async policy() {
    try {
      return await this.deps.scope.current();
    } catch (error) {
      this.deps.logger.error('reset.policy_unreadable', {
        reason: error instanceof Error ? error.name : 'unknown',
      });
      throw new SsprError('unavailable');
    }
  }

  /** The counter of reset mails sent to one account (or unknown address) this hour. */
  private static mailCounter(accountKey: string): string {
    return `reset-mail:${accountKey}`;
  }

  /** The answer once an account has had its reset mails for the hour. */
  private static tooManyMails(resetAt: Date | null, now: Date): SsprError {
    const retryAfterSeconds = resetAt
      ? Math.max(1, Math.ceil((resetAt.getTime() - now.getTime()) / 1000))
      : 1;
    return new SsprError('rate_limited', 'Too many codes were requested. Try again later.', {
      retryAfterSeconds,
    });
  }

  /** Counts one reset mail for the account; past the hourly cap, `rate_limited`. */
  private async countEmail(accountKey: string, now: Date): Promise<void> {
    const key = ResetService.mailCounter(accountKey);
    const { count, resetAt } = await this.deps.store.counters.hit(key, { windowMs: HOUR_MS, now });
    if (count > this.deps.options.maxEmailsPerHour) throw ResetService.tooManyMails(resetAt, now);
  }

  /**
   * Refuses a resend when the account has had its hourly reset mails, without
   * counting one: only the resend that wins the code replacement counts, so
   * parallel clicks cost one mail of the allowance, not one each.
   */
  private async checkEmailAllowance(accountKey: string, now: Date): Promise<void> {
    const { count, resetAt } = await this.deps.store.counters.peek(ResetService.mailCounter(accountKey), now);
    if (count >= this.deps.options.maxEmailsPerHour) throw ResetService.tooManyMails(resetAt, now);
  }

  /**
   * Starts a reset for a typed address. Answers the same for eligible,
   * ineligible and unknown addresses; only an eligible one gets a code.
   */
  async start(emailInput: string, requester: Requester): Promise<StartedFlow> {
    const email = normalizeEmail(emailInput);
    if (!isValidEmail(email)) {
      throw new SsprError('invalid_request', 'Enter a valid email address.', { details: { field: 'email' } });
    }
    const policy = await this.policy();
    if (policy.enabled === 'none') throw new SsprError('reset_disabled');
    const { store, clock, random, options, audit } = this.deps;
    const user = await store.users.findByEmail(email);
    const eligible = user !== null && ResetScopeReader.covers(policy, user);
    const accountKey = this.accountKey(user, email);
    await this.countEmail(accountKey, this.deps.clock.now());

    const now = clock.now();
    const id = randomId(random, 18);
    const code = generateCode(random, options.codeDigits);
    const flow: ResetFlowRecord = {
      id,
      sessionBinding: this.binding(requester),
      userId: eligible ? user.id : null,
      decoy: !eligible,
      accountKey,
      state: 'code_sent',
      codeHash: eligible ? codeDigest(this.deps.secret, id, code) : null,
      codeExpiresAt: new Date(now.getTime() + options.codeTtlMs),
      attempts: 0,
      codesSent: 1,
      credentialsVersion: eligible ? user.credentialsVersion : null,
      resendAfter: new Date(now.getTime() + options.resendAfterMs),
      createdAt: now,
      expiresAt: new Date(now.getTime() + options.flowTtlMs),
      verifiedAt: null,
      completedAt: null,
    };
    await store.resetFlows.create(flow);
    await audit.record('reset.started', { userId: user?.id ?? null, ip: requester.ip });
    await this.mailFor(user, eligible, email, code, requester);
    return { flowId: id, expiresAt: flow.expiresAt, resendAfter: flow.resendAfter };
  }

  /** Queues the mail a start or resend sends: the code, "not enabled", or (opt-in) "no account". */
  private async mailFor(
    user: UserRecord | null,
    eligible: boolean,
    typedEmail: string,
    code: string,
    requester: Requester,
  ): Promise<void> {
    const { outbox, templates, audit, options } = this.deps;
    const context = this.deps.mailContext(user?.language ?? requester.lang ?? null);
    if (user && eligible && user.email) {
      const mail = templates.resetCode(context, {
        code,
        expiresInMinutes: Math.round(options.codeTtlMs / 60_000),
        verifyUrl: this.deps.urls.verify,
      });
      await outbox.enqueue({ ...mail, to: user.email, kind: 'reset.code', userId: user.id });
      await audit.record('reset.code_sent', { userId: user.id, ip: requester.ip });
    } else if (user?.email) {
      const mail = templates.resetNotEnabled(context, {});
      await outbox.enqueue({ ...mail, to: user.email, kind: 'reset.not_enabled', userId: user.id });
      await audit.record('reset.blocked_by_policy', { userId: user.id, ip: requester.ip });
    } else {
      // Rendered even when it is not sent, so that an unknown address is not
      // measurably quicker to answer than a known one (EN-1, EN-3).
      const mail = templates.unknownRecipient(context, {});
      if (options.notifyUnknownRecipients) {
        await outbox.enqueue({ ...mail, to: typedEmail, kind: 'reset.unknown_recipient', userId: null });
      }
    }
  }

  /** The caller's live flow, or the error that explains why there is none. */
  private async flowFor(flowId: string, requester: Requester): Promise<ResetFlowRecord> {
    const flow = await this.deps.store.resetFlows.get(flowId);
    // Another session's flow is reported as not found: its existence is not the caller's business.
    if (!flow || flow.sessionBinding !== this.binding(requester)) throw new SsprError('flow_not_found');
    if (flow.state === 'completed' || flow.state === 'cancelled') throw new SsprError('flow_expired');
    if (flow.expiresAt.getTime() <= this.deps.clock.now().getTime()) throw new SsprError('flow_expired');
    return flow;
  }

  /** Sends a new code that replaces the old one, once `resendAfter` has passed. */
  async resend(flowId: string, requester: Requester): Promise<{ resendAfter: Date }> {
    const { store, clock, random, options } = this.deps;
    const flow = await this.flowFor(flowId, requester);
    if (flow.state !== 'code_sent') throw new SsprError('invalid_request', 'The code is already verified.');
    if (flow.attempts >= options.maxAttempts) throw new SsprError('too_many_attempts');
    const now = clock.now();
    if (flow.resendAfter.getTime() > now.getTime()) {
      throw new SsprError('rate_limited', 'Wait a moment before asking for a new code.', {
        retryAfterSeconds: Math.ceil((flow.resendAfter.getTime() - now.getTime()) / 1000),
      });
    }
    if (flow.codesSent >= options.maxCodesPerFlow) {
      throw new SsprError('rate_limited', 'Too many codes were requested. Start again later.');
    }
    await this.checkEmailAllowance(flow.accountKey, now);
    const code = generateCode(random, options.codeDigits);
    const resendAfter = new Date(now.getTime() + options.resendAfterMs);
    const replaced = await store.resetFlows.replaceCode(
      flow.id,
      {
        codeHash: flow.decoy ? null : codeDigest(this.deps.secret, flow.id, code),
        codeExpiresAt: new Date(now.getTime() + options.codeTtlMs),
        resendAfter,
      },
      { now, maxCodes: options.maxCodesPerFlow },
    );
    if (!replaced) {
      throw new SsprError('rate_limited', 'Wait a moment before asking for a new code.', {
        retryAfterSeconds: 1,
      });
    }
    await store.counters.hit(ResetService.mailCounter(flow.accountKey), { windowMs: HOUR_MS, now });
    const user = await this.resendTarget(flow);
    await this.mailFor(user, !flow.decoy, '', code, requester);
    return { resendAfter };
  }

  /** The account a resend mails: the flow's own user, or (decoy) the account the address belonged to. */
  private async resendTarget(flow: ResetFlowRecord): Promise<UserRecord | null> {
    if (flow.userId) return this.deps.store.users.findById(flow.userId);
    if (flow.accountKey.startsWith('user:')) return this.deps.store.users.findById(flow.accountKey.slice(5));
    return null;
  }

  /**
   * Checks a code. A wrong one counts against the flow (5, then it is dead)
   * and against the account across flows; a right one moves the flow to
   * `verified`. Spaces and dashes in the code are ignored.
   */
  async verify(flowId: string, codeInput: string, requester: Requester): Promise<{ verified: true }> {
    const { store, clock, options, audit } = this.deps;
    const flow = await this.flowFor(flowId, requester);
    if (flow.state === 'verified') return { verified: true };
    if (flow.attempts >= options.maxAttempts) throw new SsprError('too_many_attempts');
    const now = clock.now();
    const accountWrong = await store.counters.peek(`reset-wrong:${flow.accountKey}`, now);
    if (accountWrong.count >= options.maxWrongCodesPerHour) throw new SsprError('too_many_attempts');
    if (flow.codeExpiresAt.getTime() <= now.getTime()) {
      throw new SsprError('invalid_code', this.deps.mailContext(null).messages['error.codeExpired'], {
        details: { attemptsLeft: options.maxAttempts - flow.attempts, expired: true },
      });
    }
    const code = normalizeCodeInput(codeInput);
    if (codeMatches(this.deps.secret, flow.id, code, flow.codeHash)) {
      const verified = await store.resetFlows.transition(flow.id, 'code_sent', 'verified', {
        now,
        maxAttempts: options.maxAttempts,
        requireLiveCode: true,
      });
      if (verified) {
        await audit.record('reset.verified', { userId: flow.userId, ip: requester.ip });
        return { verified: true };
      }
      // Lost a race (another request verified, or the flow died meanwhile): report what is true now.
      const current = await this.flowFor(flowId, requester);
      if (current.state === 'verified') return { verified: true };
      throw new SsprError('too_many_attempts');
    }
    const counted = await store.resetFlows.recordWrongCode(flow.id, options.maxAttempts, now);
    await store.counters.hit(`reset-wrong:${flow.accountKey}`, { windowMs: HOUR_MS, now });
    await audit.record('reset.code_failed', {
      userId: flow.userId,
      ip: requester.ip,
      data: { attempts: counted?.attempts ?? options.maxAttempts },
    });
    const attemptsLeft = counted ? options.maxAttempts - counted.attempts : 0;
    if (attemptsLeft <= 0) throw new SsprError('too_many_attempts');
    throw new SsprError('invalid_code', undefined, { details: { attemptsLeft } });
  }

  /**
   * Sets the new password of a verified flow, exactly once. The commit point
   * is one compare-and-set on the user: the hash is replaced only while the
   * credentials version is still the one the flow started with, together with
   * a new version (which signs out every existing session) and a mark naming
   * this flow. So of many concurrent completions exactly one wins, and a
   * completion whose answer from the store was lost can be told apart from one
   * that never happened: the password either changed completely or not at all,
   * and the flow stays usable in the latter case. After the commit, the flow is
   * closed, every other open flow of the user dies, lockouts clear and a
   * "password changed" mail is queued; these steps are idempotent, so if the
   * store fails among them the next request on this flow finishes them.
   * Returns the user.
   */
  async complete(flowId: string, password: string, requester: Requester): Promise<UserRecord> {
    const { store, accounts, hasher } = this.deps;
    const flow = await this.flowFor(flowId, requester);
    if (flow.state !== 'verified' || flow.userId === null) throw new SsprError('not_verified');
    const user = await store.users.findById(flow.userId);
    if (!user) throw new SsprError('flow_expired');
    if (user.lastResetFlowId === flow.id) {
      // An earlier request on this flow changed the password but could not
      // finish. Finish its work; the reset is done, so this request is not
      // the one that made it.
      await this.finish(flow, user, requester);
      throw new SsprError('flow_expired');
    }
    const expectedVersion = flow.credentialsVersion ?? user.credentialsVersion;
    if (user.credentialsVersion !== expectedVersion) {
      // The password changed since this flow started: the flow is dead (LT-2).
      await this.close(flow.id, 'cancelled').catch(() => null);
      throw new SsprError('flow_expired');
    }
    const normalized = accounts.checkPassword(password, {
      email: user.email,
      username: user.username,
      displayName: user.displayName,
    });
    const passwordHash = await hasher.hash(normalized);
    const changed = await this.commit(user.id, flow.id, passwordHash, expectedVersion);
    if (!changed) throw new SsprError('flow_expired');
    await this.finish(flow, changed, requester);
    return changed;
  }

  /**
   * The one atomic step of a completion. When the store fails, the write may
   * still have happened (a lost answer); reading the user back tells, because
   * the hash (salted, so unique to this request) and the flow mark land together.
   */
  private async commit(
    userId: string,
    flowId: string,
    passwordHash: string,
    expectedVersion: number,
  ): Promise<UserRecord | null> {
    const { store, clock } = this.deps;
    try {
      return await store.users.changePassword(userId, {
        passwordHash,
        expectedVersion,
        emailVerified: true,
        resetFlowId: flowId,
        now: clock.now(),
      });
    } catch (error) {
      const current = await store.users.findById(userId).catch(() => null);
      if (current?.lastResetFlowId === flowId && current.passwordHash === passwordHash) return current;
      throw error;
    }
  }

  /**
   * Everything after the commit, in an order that lets a later request redo
   * it: each step is idempotent and retried once (the store may have dropped a
   * connection), and the flow is closed last, so a flow still open after a
   * committed change means the work is unfinished (see `complete`).
   */
  private async finish(flow: ResetFlowRecord, user: UserRecord, requester: Requester): Promise<void> {
    const { store, clock, lockout, outbox, templates, audit } = this.deps;
    const now = clock.now();
    await retryOnce(() => store.resetFlows.cancelOpenFlows(user.id, { now, exceptId: flow.id }));
    if (user.email) await retryOnce(() => lockout.clear(user.email as string));
    if (user.username) await retryOnce(() => lockout.clear(user.username as string));
    await retryOnce(() => store.counters.reset(`reset-wrong:${flow.accountKey}`));
    if (user.email) {
      const mail = templates.passwordChanged(this.deps.mailContext(user.language ?? requester.lang ?? null), {
        changedAt: user.passwordChangedAt ?? now,
        signInUrl: this.deps.urls.signIn,
      });
      const message = { ...mail, to: user.email, kind: 'password.changed', userId: user.id };
      // One id per flow: repeating this step never queues the mail twice.
      await retryOnce(() => outbox.enqueue(message, { id: `password-changed-${flow.id}` }));
    }
    if (await this.closeCompleted(flow.id)) {
      await audit.record('reset.completed', { userId: user.id, ip: requester.ip });
    }
  }

  /** Closes the flow as completed; true when this call closed it. */
  private async closeCompleted(flowId: string): Promise<boolean> {
    try {
      return await this.close(flowId, 'completed');
    } catch (error) {
      if (!isSsprError(error, 'unavailable')) throw error;
      if (await this.close(flowId, 'completed')) return true;
      // Only the answer may have been lost: a flow completed by now was closed by the first try.
      return (await this.deps.store.resetFlows.get(flowId))?.state === 'completed';
    }
  }

  /** Moves an open (verified) flow to a final state; false when it was no longer open. */
  private async close(flowId: string, to: 'completed' | 'cancelled'): Promise<boolean> {
    const closed = await this.deps.store.resetFlows.transition(flowId, 'verified', to, {
      now: this.deps.clock.now(),
    });
    return closed !== null;
  }
}

/**
 * Runs an idempotent store step, once more if the store was unavailable: a
 * dropped connection fails one write (the driver does not retry writes on a
 * standalone server), and the second try goes over a new connection.
 */
async function retryOnce<T>(step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (error) {
    if (!isSsprError(error, 'unavailable')) throw error;
    return step();
  }
}
