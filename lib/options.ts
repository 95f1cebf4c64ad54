import { type Argon2Parameters, argon2Hasher, type PasswordHasher } from './accounts/hasher.js';
import {
  PasswordPolicy,
  type PasswordPolicyOptions,
  type PasswordPolicyPreset,
} from './accounts/password-policy.js';
import { type Clock, systemClock } from './clock.js';
import { jsonLogger, type Logger } from './logger.js';
import type { Mailer } from './mail/mailer.js';
import { OUTBOX_DEFAULTS, type OutboxOptions } from './mail/outbox.js';
import { defaultMailTemplates, type MailTemplates } from './mail/templates.js';
import { cryptoRandom, type Random } from './random.js';
import { RESET_DEFAULTS, type ResetOptions } from './reset/service.js';
import type { Store } from './store/types.js';

/** Company branding shown on pages and in mail. */
export interface BrandingOptions {
  /** Shown in titles, headings and mail. Default: `'Your account'`. */
  companyName?: string;
  /** URL of a logo image (absolute, or a path on this site). Default: none. */
  logoUrl?: string;
  /** Accent colour of buttons and links, a CSS colour. Default: `'#0067b8'`. */
  accentColor?: string;
  /** Page background colour, a CSS colour. Default: `'#f2f2f2'`. */
  backgroundColor?: string;
}

/** A fixed-window limit: at most `max` requests per `windowMs`. */
export interface RateLimit {
  max: number;
  windowMs: number;
}

/** Per-client-IP limits on the POST routes. */
export interface RateLimitOptions {
  /** `POST /signin` per IP. Default: 30 a minute. */
  signIn?: RateLimit;
  /** Every other POST/PUT per IP. Default: 60 a minute. */
  other?: RateLimit;
}

/** Sign-in lockout by sign-in name (Entra ID smart lockout). */
export interface LockoutOptions {
  /** Consecutive failures that lock a name. Default: 10. */
  threshold?: number;
  /** First lock. Default: 60 000 ms (1 minute); each further lock doubles it. */
  durationMs?: number;
  /** Longest lock. Default: 3 600 000 ms (1 hour). */
  maxDurationMs?: number;
}

/** Limits on password hashing, so a flood of sign-ins cannot exhaust memory. */
export interface HashingLimits {
  /** Hashes computed at once. Default: 4 (libuv's thread pool). */
  maxConcurrent?: number;
  /** Hashes waiting for a slot; beyond this requests answer 503 `unavailable`. Default: 64. */
  maxQueued?: number;
}

/** Options of `createIdentity`. */
export interface IdentityOptions {
  /** Where accounts, flows, counters, mail and audit live: `mongoStore(db)` or `memoryStore()`. Required. */
  store: Store;
  /** HMAC key for verification codes and session binding; at least 32 bytes. Required. */
  secret: string | Buffer;
  /** Sends mail from the outbox: `nodemailerMailer(transport)`. Required for password reset. */
  mailer?: Mailer;
  /**
   * The app's public origin (and base path), e.g. `https://app.example.com`. Mail links are
   * built from it, never from the request's Host header. Default: none (mail carries no links).
   */
  baseUrl?: string;
  /** Where the routers are mounted, for mail links. Default: `'/auth'`. */
  mountPath?: string;
  /** Self-service password reset settings. */
  reset?: ResetOptions;
  /** Mail outbox delivery settings; `worker: false` leaves delivery to `idp.outbox.deliverDue()`. */
  outbox?: OutboxOptions & { worker?: boolean };
  /** Replaces some or all of the mail templates. */
  mailTemplates?: Partial<MailTemplates>;
  /** What users sign in with. Default: `'email'`. */
  signInName?: 'email' | 'username';
  /** Company branding. */
  branding?: BrandingOptions;
  /** Password rules: options or a preset name. Default: `'nist'` (8-128 code points, no composition rules). */
  passwordPolicy?: PasswordPolicyOptions | PasswordPolicyPreset;
  /** argon2id parameters of the default hasher. Default: m=19456 KiB, t=2, p=1. */
  argon2?: Argon2Parameters;
  /** A hasher to use instead of argon2 (the `argon2` option is then ignored). */
  hasher?: PasswordHasher;
  /** Hashing concurrency limits. */
  hashing?: HashingLimits;
  /** Sign-in lockout. */
  lockout?: LockoutOptions;
  /** Per-IP request limits. */
  rateLimits?: RateLimitOptions;
  /** Where a form sign-in goes when no `returnTo` is given. Default: `'/'`. */
  afterSignInUrl?: string;
  /** Largest accepted request body. Default: `'8kb'`. */
  bodyLimit?: string;
  /** Name of the express-session cookie, cleared on sign-out. Default: `'connect.sid'` (express-session's). */
  sessionCookieName?: string;
  /** Operational log. Default: JSON lines on stdout/stderr. */
  logger?: Logger;
  /** Time source. Default: the system clock. */
  clock?: Clock;
  /** Randomness source. Default: the CSPRNG. */
  random?: Random;
}

/** Options after validation, with every default filled in. */
export interface ResolvedOptions {
  store: Store;
  secret: Buffer;
  mailer: Mailer | null;
  baseUrl: string | null;
  mountPath: string;
  reset: Required<ResetOptions>;
  outbox: Required<OutboxOptions> & { worker: boolean };
  mailTemplates: MailTemplates;
  signInName: 'email' | 'username';
  branding: Required<Omit<BrandingOptions, 'logoUrl'>> & { logoUrl: string | null };
  passwordPolicy: PasswordPolicy;
  hasher: PasswordHasher;
  hashing: Required<HashingLimits>;
  lockout: Required<LockoutOptions>;
  rateLimits: Required<RateLimitOptions>;
  afterSignInUrl: string;
  bodyLimit: string;
  sessionCookieName: string;
  logger: Logger;
  clock: Clock;
  random: Random;
}

/** The defaults, in one place. */
export const DEFAULTS = {
  signInName: 'email',
  branding: {
    companyName: 'Your account',
    accentColor: '#0067b8',
    backgroundColor: '#f2f2f2',
    logoUrl: null,
  },
  hashing: { maxConcurrent: 4, maxQueued: 64 },
  lockout: { threshold: 10, durationMs: 60_000, maxDurationMs: 3_600_000 },
  rateLimits: { signIn: { max: 30, windowMs: 60_000 }, other: { max: 60, windowMs: 60_000 } },
  afterSignInUrl: '/',
  bodyLimit: '8kb',
  sessionCookieName: 'connect.sid',
  mountPath: '/auth',
} as const;

const CSS_COLOR =
  /^(#[0-9a-f]{3,4}|#[0-9a-f]{6}|#[0-9a-f]{8}|[a-z]{3,20}|(rgb|rgba|hsl|hsla)\([0-9.,%\s/]+\))$/i;

function fail(option: string, expectation: string): never {
  throw new TypeError(`createIdentity: options.${option} ${expectation}`);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function positiveInteger(value: unknown, option: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    fail(option, 'must be a positive integer');
  }
  return value;
}

function rateLimit(value: unknown, option: string, fallback: RateLimit): RateLimit {
  if (value === undefined) return fallback;
  if (!isRecord(value)) fail(option, 'must be { max, windowMs }');
  return {
    max: positiveInteger(value.max, `${option}.max`, fallback.max),
    windowMs: positiveInteger(value.windowMs, `${option}.windowMs`, fallback.windowMs),
  };
}

function flag(value: unknown, option: string, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') fail(option, 'must be true or false');
  return value;
}

function optionalString(value: unknown, option: string, fallback: string): string {
  if (value === undefined) return fallback;
  if (typeof value !== 'string' || value.trim() === '') fail(option, 'must be a non-empty string');
  return value;
}

function color(value: unknown, option: string, fallback: string): string {
  const text = optionalString(value, option, fallback);
  if (!CSS_COLOR.test(text)) fail(option, 'must be a CSS colour such as #0067b8');
  return text;
}

function localPath(value: unknown, option: string, fallback: string): string {
  const text = optionalString(value, option, fallback);
  if (!text.startsWith('/') || text.startsWith('//') || text.includes('\\')) {
    fail(option, 'must be a path on this site starting with /');
  }
  return text;
}

/**
 * Validates options once, when the identity is built, and fills the defaults.
 * A bad option throws a `TypeError` naming it.
 */
export function resolveOptions(options: IdentityOptions): ResolvedOptions {
  if (!isRecord(options)) throw new TypeError('createIdentity: options must be an object');
  const store = options.store;
  if (!isRecord(store) || !isRecord(store.users) || typeof store.init !== 'function') {
    fail('store', 'must be a store such as mongoStore(db) or memoryStore()');
  }
  const secret =
    typeof options.secret === 'string'
      ? Buffer.from(options.secret, 'utf8')
      : Buffer.isBuffer(options.secret)
        ? Buffer.from(options.secret)
        : fail('secret', 'is required: a string or Buffer of at least 32 bytes');
  if (secret.length < 32) fail('secret', 'must be at least 32 bytes');

  const signInName = options.signInName ?? DEFAULTS.signInName;
  if (signInName !== 'email' && signInName !== 'username')
    fail('signInName', "must be 'email' or 'username'");

  const branding = options.branding ?? {};
  if (!isRecord(branding)) fail('branding', 'must be an object');
  const logoUrl =
    branding.logoUrl === undefined ? null : optionalString(branding.logoUrl, 'branding.logoUrl', '');
  if (logoUrl !== null && !/^(https:\/\/|\/(?!\/))/.test(logoUrl)) {
    fail('branding.logoUrl', 'must be an https URL or a path starting with /');
  }

  let passwordPolicy: PasswordPolicy;
  try {
    passwordPolicy = new PasswordPolicy(options.passwordPolicy);
  } catch (error) {
    throw new TypeError(`createIdentity: options.passwordPolicy: ${(error as Error).message}`);
  }

  let hasher: PasswordHasher;
  if (options.hasher !== undefined) {
    const candidate = options.hasher as unknown;
    if (
      !isRecord(candidate) ||
      typeof candidate.hash !== 'function' ||
      typeof candidate.verify !== 'function'
    ) {
      fail('hasher', 'must implement hash, verify and needsRehash');
    }
    hasher = options.hasher;
  } else {
    try {
      hasher = argon2Hasher(options.argon2);
    } catch (error) {
      throw new TypeError(`createIdentity: options.argon2: ${(error as Error).message}`);
    }
  }

  const hashing = options.hashing ?? {};
  const lockout = options.lockout ?? {};
  const limits = options.rateLimits ?? {};
  const logger = options.logger ?? jsonLogger();
  const clock = options.clock ?? systemClock;
  const random = options.random ?? cryptoRandom;
  if (typeof clock.now !== 'function') fail('clock', 'must have now()');
  if (typeof random.bytes !== 'function' || typeof random.int !== 'function')
    fail('random', 'must have bytes() and int()');

  const bodyLimit = optionalString(options.bodyLimit, 'bodyLimit', DEFAULTS.bodyLimit);
  if (!/^\d+(b|kb|mb)$/i.test(bodyLimit)) fail('bodyLimit', "must look like '8kb'");

  const mailer = options.mailer ?? null;
  if (mailer !== null && (!isRecord(mailer) || typeof (mailer as { send?: unknown }).send !== 'function')) {
    fail('mailer', 'must have send(message), e.g. nodemailerMailer(transport)');
  }
  let baseUrl: string | null = null;
  if (options.baseUrl !== undefined) {
    let url: URL;
    try {
      url = new URL(optionalString(options.baseUrl, 'baseUrl', ''));
    } catch {
      fail('baseUrl', 'must be an absolute http(s) URL such as https://app.example.com');
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') fail('baseUrl', 'must be an http(s) URL');
    baseUrl = url.href.replace(/\/+$/, '');
  }
  const mountPath = localPath(options.mountPath, 'mountPath', DEFAULTS.mountPath).replace(/\/+$/, '');
  const resetInput = options.reset ?? {};
  if (!isRecord(resetInput)) fail('reset', 'must be an object');
  const reset: Required<ResetOptions> = {
    codeDigits: positiveInteger(resetInput.codeDigits, 'reset.codeDigits', RESET_DEFAULTS.codeDigits),
    codeTtlMs: positiveInteger(resetInput.codeTtlMs, 'reset.codeTtlMs', RESET_DEFAULTS.codeTtlMs),
    flowTtlMs: positiveInteger(resetInput.flowTtlMs, 'reset.flowTtlMs', RESET_DEFAULTS.flowTtlMs),
    maxAttempts: positiveInteger(resetInput.maxAttempts, 'reset.maxAttempts', RESET_DEFAULTS.maxAttempts),
    resendAfterMs: positiveInteger(
      resetInput.resendAfterMs,
      'reset.resendAfterMs',
      RESET_DEFAULTS.resendAfterMs,
    ),
    maxCodesPerFlow: positiveInteger(
      resetInput.maxCodesPerFlow,
      'reset.maxCodesPerFlow',
      RESET_DEFAULTS.maxCodesPerFlow,
    ),
    maxEmailsPerHour: positiveInteger(
      resetInput.maxEmailsPerHour,
      'reset.maxEmailsPerHour',
      RESET_DEFAULTS.maxEmailsPerHour,
    ),
    maxWrongCodesPerHour: positiveInteger(
      resetInput.maxWrongCodesPerHour,
      'reset.maxWrongCodesPerHour',
      RESET_DEFAULTS.maxWrongCodesPerHour,
    ),
    notifyUnknownRecipients: flag(resetInput.notifyUnknownRecipients, 'reset.notifyUnknownRecipients', false),
    signInAfterReset: flag(resetInput.signInAfterReset, 'reset.signInAfterReset', false),
  };
  if (reset.codeDigits < 6 || reset.codeDigits > 10) fail('reset.codeDigits', 'must be 6 to 10');
  if (reset.codeTtlMs > reset.flowTtlMs) fail('reset.codeTtlMs', 'must not exceed reset.flowTtlMs');
  const outboxInput = options.outbox ?? {};
  if (!isRecord(outboxInput)) fail('outbox', 'must be an object');
  const outbox = {
    maxAttempts: positiveInteger(outboxInput.maxAttempts, 'outbox.maxAttempts', OUTBOX_DEFAULTS.maxAttempts),
    backoffMs: positiveInteger(outboxInput.backoffMs, 'outbox.backoffMs', OUTBOX_DEFAULTS.backoffMs),
    maxBackoffMs: positiveInteger(
      outboxInput.maxBackoffMs,
      'outbox.maxBackoffMs',
      OUTBOX_DEFAULTS.maxBackoffMs,
    ),
    leaseMs: positiveInteger(outboxInput.leaseMs, 'outbox.leaseMs', OUTBOX_DEFAULTS.leaseMs),
    pollMs: positiveInteger(outboxInput.pollMs, 'outbox.pollMs', OUTBOX_DEFAULTS.pollMs),
    worker: flag(outboxInput.worker, 'outbox.worker', true),
  };
  const templateInput = options.mailTemplates ?? {};
  if (!isRecord(templateInput)) fail('mailTemplates', 'must be an object of template functions');
  for (const [name, value] of Object.entries(templateInput)) {
    if (!Object.hasOwn(defaultMailTemplates, name))
      fail(`mailTemplates.${name}`, 'is not a known mail template');
    if (typeof value !== 'function') fail(`mailTemplates.${name}`, 'must be a function');
  }
  const mailTemplates: MailTemplates = {
    ...defaultMailTemplates,
    ...(templateInput as Partial<MailTemplates>),
  };

  return {
    store,
    secret,
    mailer,
    baseUrl,
    mountPath,
    reset,
    outbox,
    mailTemplates,
    signInName,
    branding: {
      companyName: optionalString(
        branding.companyName,
        'branding.companyName',
        DEFAULTS.branding.companyName,
      ),
      accentColor: color(branding.accentColor, 'branding.accentColor', DEFAULTS.branding.accentColor),
      backgroundColor: color(
        branding.backgroundColor,
        'branding.backgroundColor',
        DEFAULTS.branding.backgroundColor,
      ),
      logoUrl,
    },
    passwordPolicy,
    hasher,
    hashing: {
      maxConcurrent: positiveInteger(
        hashing.maxConcurrent,
        'hashing.maxConcurrent',
        DEFAULTS.hashing.maxConcurrent,
      ),
      maxQueued: positiveInteger(hashing.maxQueued, 'hashing.maxQueued', DEFAULTS.hashing.maxQueued),
    },
    lockout: {
      threshold: positiveInteger(lockout.threshold, 'lockout.threshold', DEFAULTS.lockout.threshold),
      durationMs: positiveInteger(lockout.durationMs, 'lockout.durationMs', DEFAULTS.lockout.durationMs),
      maxDurationMs: positiveInteger(
        lockout.maxDurationMs,
        'lockout.maxDurationMs',
        DEFAULTS.lockout.maxDurationMs,
      ),
    },
    rateLimits: {
      signIn: rateLimit(limits.signIn, 'rateLimits.signIn', DEFAULTS.rateLimits.signIn),
      other: rateLimit(limits.other, 'rateLimits.other', DEFAULTS.rateLimits.other),
    },
    afterSignInUrl: localPath(options.afterSignInUrl, 'afterSignInUrl', DEFAULTS.afterSignInUrl),
    bodyLimit,
    sessionCookieName: optionalString(
      options.sessionCookieName,
      'sessionCookieName',
      DEFAULTS.sessionCookieName,
    ),
    logger,
    clock,
    random,
  };
}
