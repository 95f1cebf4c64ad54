import { type Argon2Parameters, argon2Hasher, type PasswordHasher } from './accounts/hasher.js';
import {
  PasswordPolicy,
  type PasswordPolicyOptions,
  type PasswordPolicyPreset,
} from './accounts/password-policy.js';
import { type Clock, systemClock } from './clock.js';
import type { Catalogue } from './i18n/en.js';
import { buildCatalogues, type MessageOverrides } from './i18n/messages.js';
import { jsonLogger, type Logger } from './logger.js';
import type { Mailer } from './mail/mailer.js';
import { OUTBOX_DEFAULTS, type OutboxOptions } from './mail/outbox.js';
import { defaultMailTemplates, type MailTemplates } from './mail/templates.js';
import { cryptoRandom, type Random } from './random.js';
import { RESET_DEFAULTS, type ResetOptions } from './reset/service.js';
import type { Store } from './store/types.js';
import { parseColor } from './views/colors.js';
import { defaultPageTemplates, type PageTemplates } from './views/templates.js';

/** A link in the footer of pages and mails. */
export interface FooterLink {
  /** The link text, 1 to 100 characters. */
  text: string;
  /** An `https://` URL or a path on this site (mails make paths absolute with `baseUrl`). */
  url: string;
}

/**
 * Company branding shown on pages and in mail, like Azure's company branding.
 * URLs are `https://` URLs or paths on this site starting with `/`; colours
 * are CSS colours: hex (`#0067b8`), `rgb()`/`rgba()`, `hsl()`/`hsla()` or a
 * named colour.
 */
export interface BrandingOptions {
  /** Shown in titles, headings and mail. Default: `'Your account'`. */
  companyName?: string;
  /** URL of a logo image (an https URL or a path on this site). Default: none (the company name as text). */
  logoUrl?: string;
  /**
   * Accent colour of buttons, links and the mail's top border, a CSS colour.
   * Buttons have white text: a colour whose contrast with white is below 4.5:1
   * (WCAG AA) is accepted but logged as a warning at start-up. Default: `'#0067b8'`.
   */
  accentColor?: string;
  /** Page background colour, a CSS colour. Default: `'#f2f2f2'`. */
  backgroundColor?: string;
  /**
   * A stylesheet loaded after the built-in ones, to restyle the pages (an
   * https URL or a path on this site). An https URL's origin is added to the
   * pages' CSP `style-src`. Default: none.
   */
  customCssUrl?: string;
  /** A short paragraph (at most 500 characters) shown on the sign-in page below the heading. Default: none. */
  signInText?: string;
  /** Links shown in a `<footer>` on every page and in every mail (at most 10). Default: none. */
  footerLinks?: readonly FooterLink[];
}

/** Branding after validation, with every default filled in. */
export interface ResolvedBranding {
  companyName: string;
  logoUrl: string | null;
  accentColor: string;
  backgroundColor: string;
  customCssUrl: string | null;
  signInText: string | null;
  footerLinks: readonly FooterLink[];
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
  /**
   * Replaces some or all of the mail templates. Each gets a `MailContext` with the
   * branding, the language and its catalogue. Default: the built-in templates.
   */
  mailTemplates?: Partial<MailTemplates>;
  /**
   * Replaces some or all of the page templates (`signIn`, `resetStart`, `resetVerify`,
   * `resetPassword`, `error`, `adminPolicy`, `audit`). Each gets a `PageContext` (branding,
   * language, messages, CSRF token) and the page's model, and returns the whole HTML document.
   * The pages are still sent with the strict CSP: no inline script or style.
   * Default: the built-in templates ({@link defaultPageTemplates}).
   */
  pageTemplates?: Partial<PageTemplates>;
  /**
   * Message catalogues by language tag, merged over the shipped ones (`en`, `es`). A new
   * language must have every key of the English catalogue; for a shipped language, any
   * subset of keys overrides those strings. Pages and JSON error messages follow the
   * request's `Accept-Language`; mail follows the account's `language`, then the request's.
   * Default: none (English and Spanish as shipped).
   */
  messages?: MessageOverrides;
  /** The language when `Accept-Language` matches no catalogue; must have a catalogue. Default: `'en'`. */
  defaultLanguage?: string;
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
  pageTemplates: PageTemplates;
  /** Every catalogue in force (shipped ones with overrides, and host languages), by language tag. */
  messages: Readonly<Record<string, Catalogue>>;
  defaultLanguage: string;
  signInName: 'email' | 'username';
  branding: ResolvedBranding;
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
    customCssUrl: null,
    signInText: null,
    footerLinks: [],
  },
  defaultLanguage: 'en',
  hashing: { maxConcurrent: 4, maxQueued: 64 },
  lockout: { threshold: 10, durationMs: 60_000, maxDurationMs: 3_600_000 },
  rateLimits: { signIn: { max: 30, windowMs: 60_000 }, other: { max: 60, windowMs: 60_000 } },
  afterSignInUrl: '/',
  bodyLimit: '8kb',
  sessionCookieName: 'connect.sid',
  mountPath: '/auth',
} as const;

/** At most this many footer links. */
const MAX_FOOTER_LINKS = 10;
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
  if (parseColor(text) === null) {
    fail(option, 'must be a CSS colour: hex such as #0067b8, rgb(), hsl() or a named colour');
  }
  return text.trim();
}

/** An `https://` URL or a path on this site; neither may hold quotes, spaces or control characters. */
function webUrl(value: unknown, option: string): string {
  const expectation = 'must be an https URL or a path on this site starting with /';
  if (typeof value !== 'string' || value.length > 2048 || /[\s"'<>\\\p{Cc}]/u.test(value)) {
    fail(option, expectation);
  }
  if (value.startsWith('/') && !value.startsWith('//')) return value;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return fail(option, expectation);
  }
  if (url.protocol !== 'https:' || url.username !== '' || url.password !== '') fail(option, expectation);
  // The origin may go into the CSP header: only plain host names and IP literals.
  if (!/^([a-z0-9-]+\.)*[a-z0-9-]+$|^\[[0-9a-f:.]+\]$/i.test(url.hostname)) fail(option, expectation);
  return value;
}

function shortText(value: unknown, option: string, maxLength: number): string {
  if (typeof value !== 'string' || value.trim() === '' || value.length > maxLength) {
    fail(option, `must be a non-empty string of at most ${maxLength} characters`);
  }
  return value.trim();
}

function footerLinks(value: unknown): FooterLink[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || value.length > MAX_FOOTER_LINKS) {
    fail('branding.footerLinks', `must be a list of at most ${MAX_FOOTER_LINKS} { text, url } links`);
  }
  return value.map((link: unknown, index) => {
    const option = `branding.footerLinks[${index}]`;
    if (!isRecord(link)) fail(option, 'must be { text, url }');
    return { text: shortText(link.text, `${option}.text`, 100), url: webUrl(link.url, `${option}.url`) };
  });
}

function resolveBranding(input: unknown): ResolvedBranding {
  const branding = input ?? {};
  if (!isRecord(branding)) fail('branding', 'must be an object');
  return {
    companyName: optionalString(branding.companyName, 'branding.companyName', DEFAULTS.branding.companyName),
    accentColor: color(branding.accentColor, 'branding.accentColor', DEFAULTS.branding.accentColor),
    backgroundColor: color(
      branding.backgroundColor,
      'branding.backgroundColor',
      DEFAULTS.branding.backgroundColor,
    ),
    logoUrl: branding.logoUrl === undefined ? null : webUrl(branding.logoUrl, 'branding.logoUrl'),
    customCssUrl:
      branding.customCssUrl === undefined ? null : webUrl(branding.customCssUrl, 'branding.customCssUrl'),
    signInText:
      branding.signInText === undefined ? null : shortText(branding.signInText, 'branding.signInText', 500),
    footerLinks: footerLinks(branding.footerLinks),
  };
}

function resolvePageTemplates(input: unknown): PageTemplates {
  const templates = input ?? {};
  if (!isRecord(templates)) fail('pageTemplates', 'must be an object of template functions');
  for (const [name, value] of Object.entries(templates)) {
    if (!Object.hasOwn(defaultPageTemplates, name))
      fail(`pageTemplates.${name}`, 'is not a known page template');
    if (typeof value !== 'function') fail(`pageTemplates.${name}`, 'must be a function');
  }
  return { ...defaultPageTemplates, ...(templates as Partial<PageTemplates>) };
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

  const branding = resolveBranding(options.branding);
  const messages = buildCatalogues(options.messages);
  const defaultLanguage = optionalString(
    options.defaultLanguage,
    'defaultLanguage',
    DEFAULTS.defaultLanguage,
  );
  if (!Object.hasOwn(messages, defaultLanguage)) {
    fail('defaultLanguage', `must name a catalogue: one of ${Object.keys(messages).join(', ')}`);
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
    pageTemplates: resolvePageTemplates(options.pageTemplates),
    messages,
    defaultLanguage,
    signInName,
    branding,
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
