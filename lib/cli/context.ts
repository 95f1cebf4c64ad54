/**
 * What every command gets: output helpers and a lazily opened store with the
 * services built on it.
 *
 * @module
 */
import { Accounts } from '../accounts/accounts.js';
import { argon2Hasher } from '../accounts/hasher.js';
import type { PasswordPolicy } from '../accounts/password-policy.js';
import { PolicyAdmin } from '../admin/policy.js';
import { AuditLog } from '../audit/audit-log.js';
import { systemClock } from '../clock.js';
import { jsonLogger } from '../logger.js';
import { cryptoRandom } from '../random.js';
import type { Store } from '../store/types.js';
import type { CliIo } from './io.js';

/** The prefix of every line the CLI writes to stderr. */
export const PREFIX = 'express-sspr: ';

/** The actor recorded in audit events when `--actor` is not given. */
export const DEFAULT_ACTOR = 'cli';

/** The services a command may use, all on one store. */
export interface Services {
  store: Store;
  audit: AuditLog;
  policyAdmin: PolicyAdmin;
  /** Accounts applying `policy`, with `signInName` required and `companyName` as a context word. */
  accounts(options: {
    policy: PasswordPolicy;
    signInName: 'email' | 'username';
    companyName: string;
  }): Accounts;
}

/** What a command runs with. */
export interface CommandContext {
  readonly io: CliIo;
  /** Writes one line to stdout. */
  print(line: string): void;
  /** Writes one line to stderr after `express-sspr: `. */
  warn(line: string): void;
  /**
   * Connects to MongoDB (once) and returns the services. Throws a usage error
   * when `MONGODB_URI` is not set, and a failure when the server cannot be reached.
   */
  services(): Promise<Services>;
}

/** One command: its name, help and behaviour. */
export interface CommandSpec {
  /** `users create`, `policy show`, `audit`. */
  name: string;
  /** One line for the command list. */
  summary: string;
  /** Synopsis lines, each starting with `express-sspr `. */
  usage: string[];
  /** The rest of the help: description, options, examples. */
  details: string;
  /** Runs the command; returns normally for exit status 0 and throws otherwise. */
  run(args: string[], context: CommandContext): Promise<void>;
}

/** Builds the services on an open store. */
export function buildServices(store: Store, io: CliIo): Services {
  const logger = jsonLogger((line) => io.stderr(`${line}\n`));
  const audit = new AuditLog(store.audit, systemClock, cryptoRandom, logger);
  return {
    store,
    audit,
    policyAdmin: new PolicyAdmin(store.policy, { audit, clock: systemClock }),
    accounts: (options) =>
      new Accounts(store.users, {
        hasher: argon2Hasher(),
        policy: options.policy,
        clock: systemClock,
        random: cryptoRandom,
        audit,
        signInName: options.signInName,
        companyName: options.companyName,
      }),
  };
}
