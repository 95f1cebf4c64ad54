/**
 * The example app's configuration: plain data, read from the environment by
 * {@link loadConfigFromEnv} (see DESIGN.md, "The example app").
 */
import type { Clock } from '../lib/index.js';

/** Express's `trust proxy` setting: a hop count, true/false, or addresses/names such as `loopback`. */
export type TrustProxy = number | boolean | string;

/** Everything the example app needs; nothing in here is read from `process.env` by the app itself. */
export interface ExampleConfig {
  /** Interface to listen on, e.g. `127.0.0.1`. */
  host: string;
  /** Port to listen on (0 picks a free one). */
  port: number;
  /** The public URL, used in mail links. */
  baseUrl: string;
  /** A MongoDB connection string; without it everything lives in memory. */
  mongodbUri?: string;
  /** The database to use; default: the one in `mongodbUri`, else `express-sspr`. */
  mongodbDb?: string;
  /** Send mail through this SMTP server; without it an in-process one collects mail at `/dev/mail`. */
  smtpUrl?: string;
  /** JSON file of demo accounts and the initial policy, loaded when the store has no users. */
  seedFile?: string;
  /** Verification code lifetime in seconds (default 600). */
  resetCodeTtlSeconds?: number;
  /** Seconds before a new code may be sent (default 60). */
  resetResendAfterSeconds?: number;
  /** Express's `trust proxy`; unset trusts no proxy. Strings such as `'1'` or `'true'` are parsed. */
  trustProxy?: TrustProxy;
  /** HMAC key for codes (>= 32 bytes); default: random per process. */
  secret?: string;
  /** express-session's cookie signing secret; default: random per process. */
  sessionSecret?: string;
  /** Time source (tests). */
  clock?: Clock;
  /** No log lines and no memory-store warning (tests). */
  quiet?: boolean;
  /** Run the background mail worker (default true); tests turn it off and call `idp.outbox.deliverDue()`. */
  outboxWorker?: boolean;
}

export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_PORT = 3000;
export const DEFAULT_SEED_FILE = 'example-app/seed.json';

/** `'2'` → 2, `'true'` → true, `'false'` → false, anything else stays a string (`'loopback'`). */
export function parseTrustProxy(value: TrustProxy): TrustProxy {
  if (typeof value !== 'string') return value;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text);
  if (text === 'true') return true;
  if (text === 'false') return false;
  return text;
}

function set(env: Record<string, string | undefined>, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === undefined || value === '' ? undefined : value;
}

function wholeNumber(
  env: Record<string, string | undefined>,
  name: string,
  range: { min: number; max: number },
): number | undefined {
  const text = set(env, name);
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(value) || value < range.min || value > range.max) {
    throw new Error(
      `${name} must be a whole number from ${range.min} to ${range.max}, not ${JSON.stringify(text)}`,
    );
  }
  return value;
}

/** `http://127.0.0.1:3000`, with brackets around an IPv6 address. */
export function defaultBaseUrl(host: string, port: number): string {
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/**
 * Reads DESIGN.md's variables: `MONGODB_URI` (and `MONGODB_DB`), `SMTP_URL`,
 * `PORT`, `HOST`, `BASE_URL`, `SEED_FILE`, `RESET_CODE_TTL`,
 * `RESET_RESEND_AFTER`, `TRUST_PROXY`, `SSPR_SECRET`, `SESSION_SECRET`.
 * Throws an `Error` naming the variable when one is malformed.
 */
export function loadConfigFromEnv(env: Record<string, string | undefined>): ExampleConfig {
  const host = set(env, 'HOST') ?? DEFAULT_HOST;
  const port = wholeNumber(env, 'PORT', { min: 0, max: 65_535 }) ?? DEFAULT_PORT;
  const baseUrl = set(env, 'BASE_URL') ?? defaultBaseUrl(host, port);
  try {
    const url = new URL(baseUrl);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('not http(s)');
  } catch {
    throw new Error(
      `BASE_URL must be an absolute http(s) URL such as https://app.example.com, not ${JSON.stringify(baseUrl)}`,
    );
  }
  const trustProxy = set(env, 'TRUST_PROXY');
  return {
    host,
    port,
    baseUrl,
    seedFile: set(env, 'SEED_FILE') ?? DEFAULT_SEED_FILE,
    mongodbUri: set(env, 'MONGODB_URI'),
    mongodbDb: set(env, 'MONGODB_DB'),
    smtpUrl: set(env, 'SMTP_URL'),
    resetCodeTtlSeconds: wholeNumber(env, 'RESET_CODE_TTL', { min: 1, max: 86_400 }),
    resetResendAfterSeconds: wholeNumber(env, 'RESET_RESEND_AFTER', { min: 1, max: 86_400 }),
    trustProxy: trustProxy === undefined ? undefined : parseTrustProxy(trustProxy),
    // Secrets are taken as given (not trimmed); createIdentity checks the length.
    secret: env.SSPR_SECRET || undefined,
    sessionSecret: env.SESSION_SECRET || undefined,
  };
}
