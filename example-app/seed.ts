/**
 * The seed file: demo accounts and the initial password reset policy, loaded
 * into an empty store. Format (DESIGN.md):
 *
 * ```json
 * {
 *   "users": [{ "email": "...", "username": "...", "password": "...", "displayName": "...",
 *               "groups": ["..."], "roles": ["admin"] }],
 *   "passwordReset": { "enabled": "none", "groups": [] }
 * }
 * ```
 */
import { readFile } from 'node:fs/promises';
import { type Identity, isSsprError, type ResetScope } from '../lib/index.js';

export interface SeedUser {
  email: string;
  username?: string;
  password: string;
  displayName?: string;
  groups?: string[];
  roles?: string[];
}

export interface Seed {
  users: SeedUser[];
  passwordReset: { enabled: ResetScope; groups: string[] };
}

/** A seed file that cannot be used; the message names the file and the problem. */
export class SeedError extends Error {
  override name = 'SeedError';
}

const USER_KEYS = ['email', 'username', 'password', 'displayName', 'groups', 'roles'];
const SCOPES: readonly string[] = ['none', 'selected', 'all'];

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Checks the shape of a parsed seed file; `problem(where, what)` throws. */
export function parseSeed(data: unknown, file: string): Seed {
  const problem = (where: string, what: string): never => {
    throw new SeedError(`seed file ${file}: ${where} ${what}`);
  };
  const text = (value: unknown, where: string, required: boolean): string | undefined => {
    if (value === undefined && !required) return undefined;
    if (typeof value !== 'string' || value.trim() === '') return problem(where, 'must be a non-empty string');
    return value;
  };
  const list = (value: unknown, where: string): string[] | undefined => {
    if (value === undefined) return undefined;
    if (!Array.isArray(value) || value.some((item) => typeof item !== 'string' || item.trim() === '')) {
      return problem(where, 'must be a list of non-empty strings');
    }
    return value as string[];
  };

  if (!isRecord(data)) return problem('the top level', 'must be an object with "users" and "passwordReset"');
  if (!Array.isArray(data.users)) return problem('"users"', 'must be a list of accounts');
  const seen = new Set<string>();
  const users = data.users.map((entry: unknown, index): SeedUser => {
    const where = `users[${index}]`;
    if (!isRecord(entry)) return problem(where, 'must be an object with email and password');
    const unknown = Object.keys(entry).filter((key) => !USER_KEYS.includes(key));
    if (unknown.length > 0) {
      problem(`${where}.${unknown[0]}`, `is not a known field (known: ${USER_KEYS.join(', ')})`);
    }
    const email = text(entry.email, `${where}.email`, true) as string;
    if (seen.has(email.toLowerCase())) problem(`${where}.email`, `repeats ${email}`);
    seen.add(email.toLowerCase());
    const user: SeedUser = { email, password: text(entry.password, `${where}.password`, true) as string };
    const username = text(entry.username, `${where}.username`, false);
    const displayName = text(entry.displayName, `${where}.displayName`, false);
    const groups = list(entry.groups, `${where}.groups`);
    const roles = list(entry.roles, `${where}.roles`);
    if (username !== undefined) user.username = username;
    if (displayName !== undefined) user.displayName = displayName;
    if (groups !== undefined) user.groups = groups;
    if (roles !== undefined) user.roles = roles;
    return user;
  });

  const policy = data.passwordReset ?? { enabled: 'none', groups: [] };
  if (!isRecord(policy))
    return problem('"passwordReset"', 'must be an object like { "enabled": "none", "groups": [] }');
  if (typeof policy.enabled !== 'string' || !SCOPES.includes(policy.enabled)) {
    return problem('passwordReset.enabled', 'must be "none", "selected" or "all"');
  }
  const groups = list(policy.groups, 'passwordReset.groups') ?? [];
  if (policy.enabled === 'selected' && groups.length === 0) {
    problem('passwordReset.groups', 'must name at least one group when enabled is "selected"');
  }
  return { users, passwordReset: { enabled: policy.enabled as ResetScope, groups } };
}

/** Reads and checks a seed file. */
export async function readSeedFile(file: string): Promise<Seed> {
  let raw: string;
  try {
    raw = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new SeedError(
      `seed file ${file}: cannot be read (${code ?? 'error'}); set SEED_FILE to a JSON file`,
    );
  }
  let data: unknown;
  try {
    data = JSON.parse(raw);
  } catch (error) {
    throw new SeedError(`seed file ${file}: is not valid JSON (${(error as Error).message})`);
  }
  return parseSeed(data, file);
}

/** Explains an express-sspr error about one account, e.g. a password the policy rejects. */
function describe(error: unknown): string {
  if (isSsprError(error)) {
    const reasons = error.details.reasons;
    if (Array.isArray(reasons) && reasons.length > 0) {
      const messages = reasons.map((reason: { message?: unknown }) => String(reason.message ?? ''));
      return `${error.message} ${messages.join(' ')}`.trim();
    }
    const field = typeof error.details.field === 'string' ? ` (${error.details.field})` : '';
    return `${error.message}${field}`;
  }
  return (error as Error).message ?? String(error);
}

/**
 * Creates the seed's accounts and sets its policy. Every password is checked
 * against the policy first, so a bad entry stops the seed before anything is written.
 */
export async function applySeed(idp: Identity, seed: Seed, file: string): Promise<void> {
  for (const [index, user] of seed.users.entries()) {
    try {
      idp.users.checkPassword(user.password, {
        email: user.email.trim().toLowerCase(),
        username: user.username ?? null,
        displayName: user.displayName ?? null,
      });
    } catch (error) {
      throw new SeedError(`seed file ${file}: users[${index}] (${user.email}): ${describe(error)}`);
    }
  }
  for (const [index, user] of seed.users.entries()) {
    try {
      await idp.users.create({ ...user, emailVerified: true }, { actor: 'seed' });
    } catch (error) {
      throw new SeedError(`seed file ${file}: users[${index}] (${user.email}): ${describe(error)}`);
    }
  }
  try {
    await idp.policy.set(seed.passwordReset, { actor: 'seed' });
  } catch (error) {
    throw new SeedError(`seed file ${file}: passwordReset: ${describe(error)}`);
  }
}
