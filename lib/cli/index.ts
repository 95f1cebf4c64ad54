/**
 * The `express-sspr` command: manage accounts, the self-service password
 * reset policy and the audit log of an express-sspr MongoDB database.
 *
 * Run it in-process with {@link runCli}; `main.ts` is the executable.
 *
 * @module
 */
import { SsprError } from '../errors.js';
import { neutralize } from '../logger.js';
import { wantsHelp } from './args.js';
import { auditCommand } from './audit.js';
import { buildServices, type CommandContext, type CommandSpec, PREFIX, type Services } from './context.js';
import { CliFailure, UsageError } from './errors.js';
import type { CliIo } from './io.js';
import { type CliConnection, connectCli, describeDatabaseFailure } from './mongo.js';
import { policyCommands } from './policy.js';
import { userCommands } from './users.js';

export type { CliIo } from './io.js';
export { realIo } from './io.js';
export { databaseName, redactUri } from './mongo.js';

/** Every command, in the order the help lists them. */
const COMMANDS: readonly CommandSpec[] = [...userCommands, ...policyCommands, auditCommand];

/** Command groups: the first word of a two-word command. */
const GROUPS: Readonly<Record<string, string>> = {
  users: 'Manage local accounts',
  policy: 'Show or change who may use self-service password reset',
};

/** Exit status: success. */
export const EXIT_OK = 0;
/** Exit status: the command could not be carried out (not found, conflict, weak password, database unreachable). */
export const EXIT_FAILURE = 1;
/** Exit status: the command line is wrong (unknown command or option, missing argument, `MONGODB_URI` not set). */
export const EXIT_USAGE = 2;

const EXIT_STATUS_HELP = `Exit status:
  0  success
  1  the command failed: no such user, the account exists already, the
     password is too weak, MongoDB cannot be reached
  2  usage error: unknown command or option, missing or invalid argument,
     MONGODB_URI not set`;

const ENVIRONMENT_HELP = `Environment:
  MONGODB_URI     MongoDB connection string (required by every command but help)
  MONGODB_DB      Database name (default: the database in MONGODB_URI, else express-sspr)
  SSPR_PASSWORD   The password for users create when --password-stdin is not given`;

function commandList(commands: readonly CommandSpec[]): string {
  const width = Math.max(...commands.map((command) => command.name.length));
  return commands.map((command) => `  ${command.name.padEnd(width)}  ${command.summary}`).join('\n');
}

/** The top-level help: every command, the environment and the exit statuses. */
export function mainHelp(): string {
  return `Usage: express-sspr <command> [options]

Manage the local accounts, the self-service password reset policy and the
audit log of an express-sspr MongoDB database.

Commands:
${commandList([
  ...COMMANDS,
  { name: 'help [COMMAND]', summary: 'Show help for a command', usage: [], details: '', run: async () => {} },
])}

${ENVIRONMENT_HELP}

${EXIT_STATUS_HELP}

Run 'express-sspr <command> --help' for a command's options.
`;
}

function groupHelp(group: string): string {
  return `Usage: express-sspr ${group} <command> [options]

${GROUPS[group] ?? ''}.

Commands:
${commandList(COMMANDS.filter((command) => command.name.startsWith(`${group} `)))}

Run 'express-sspr ${group} <command> --help' for a command's options.
`;
}

function commandHelp(command: CommandSpec): string {
  return `Usage: ${command.usage.join('\n')}

${command.details}

${ENVIRONMENT_HELP}

${EXIT_STATUS_HELP}
`;
}

function findCommand(name: string): CommandSpec | undefined {
  return COMMANDS.find((command) => command.name === name);
}

/** The short usage shown after a usage error. */
function usageFor(name: string | null): string {
  const command = name === null ? undefined : findCommand(name);
  if (command) {
    return `Usage: ${command.usage.join('\n')}\nRun 'express-sspr ${command.name} --help' for more.\n`;
  }
  if (name !== null && Object.hasOwn(GROUPS, name)) return groupHelp(name);
  return mainHelp();
}

/** Holds the one database connection a command may open, and closes it. */
class Session {
  private connection: Promise<CliConnection> | null = null;
  private services: Services | null = null;
  /** The connection string with the password redacted, once a command asked for the store. */
  displayUri: string | null = null;

  constructor(private readonly io: CliIo) {}

  async open(): Promise<Services> {
    if (this.services) return this.services;
    const uri = this.io.env.MONGODB_URI?.trim();
    if (!uri) {
      throw new UsageError(
        'MONGODB_URI is not set; set it to the connection string of the MongoDB database, for example mongodb://127.0.0.1:27017/app',
        null,
        false,
      );
    }
    this.connection ??= connectCli(uri, this.io.env);
    const connection = await this.connection;
    this.displayUri = connection.displayUri;
    this.services = buildServices(connection.store, this.io);
    return this.services;
  }

  async close(): Promise<void> {
    const connection = this.connection;
    this.connection = null;
    this.services = null;
    if (!connection) return;
    try {
      await (await connection).close();
    } catch {
      // connectCli failed and closed its client already.
    }
  }
}

function reasonLines(error: SsprError): string[] {
  const reasons = Array.isArray(error.details.reasons) ? error.details.reasons : [];
  const lines = reasons.flatMap((reason) =>
    typeof reason === 'object' &&
    reason !== null &&
    typeof (reason as { message?: unknown }).message === 'string'
      ? [`weak password: ${(reason as { message: string }).message}`]
      : [],
  );
  return lines.length > 0 ? lines : [`weak password: ${error.message}`];
}

/** The lines to print for an error that stops a command, and the exit status. */
function describe(error: unknown, session: Session): { lines: string[]; status: number } {
  if (error instanceof CliFailure) return { lines: error.lines, status: EXIT_FAILURE };
  const where = session.displayUri ?? 'the configured MONGODB_URI';
  if (error instanceof SsprError) {
    switch (error.code) {
      case 'weak_password':
        return { lines: reasonLines(error), status: EXIT_FAILURE };
      case 'conflict': {
        const field = typeof error.details.field === 'string' ? error.details.field : null;
        const taken = field === 'email' || field === 'username' ? ` (that ${field} is taken)` : '';
        return {
          lines: [`an account with that email/username already exists${taken}`],
          status: EXIT_FAILURE,
        };
      }
      case 'unavailable':
        return { lines: [describeDatabaseFailure(error, where)], status: EXIT_FAILURE };
      default:
        return { lines: [neutralize(error.message)], status: EXIT_FAILURE };
    }
  }
  if (error instanceof Error && error.name.startsWith('Mongo')) {
    return { lines: [describeDatabaseFailure(error, where)], status: EXIT_FAILURE };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { lines: [`unexpected error: ${neutralize(message)}`], status: EXIT_FAILURE };
}

async function dispatch(argv: readonly string[], io: CliIo, context: CommandContext): Promise<number> {
  const [first, second] = argv;
  if (first === undefined) throw new UsageError('missing command');
  if (first === '-h' || first === '--help') {
    io.stdout(mainHelp());
    return EXIT_OK;
  }
  if (first === 'help') {
    const names = argv.slice(1);
    if (names.length === 0) {
      io.stdout(mainHelp());
      return EXIT_OK;
    }
    const name = names.join(' ');
    const command = findCommand(name);
    if (command) io.stdout(commandHelp(command));
    else if (Object.hasOwn(GROUPS, name)) io.stdout(groupHelp(name));
    else throw new UsageError(`unknown command ${JSON.stringify(name)}`);
    return EXIT_OK;
  }
  if (first.startsWith('-')) throw new UsageError(`unknown option ${JSON.stringify(first)}`);
  let command: CommandSpec | undefined;
  let rest: string[];
  if (Object.hasOwn(GROUPS, first)) {
    if (second === undefined) throw new UsageError(`missing ${first} command`, first);
    if (second === '-h' || second === '--help') {
      io.stdout(groupHelp(first));
      return EXIT_OK;
    }
    command = findCommand(`${first} ${second}`);
    if (!command) throw new UsageError(`unknown command ${JSON.stringify(`${first} ${second}`)}`, first);
    rest = argv.slice(2);
  } else {
    command = findCommand(first);
    if (!command) throw new UsageError(`unknown command ${JSON.stringify(first)}`);
    rest = argv.slice(1);
  }
  if (wantsHelp(rest)) {
    io.stdout(commandHelp(command));
    return EXIT_OK;
  }
  await command.run(rest, context);
  return EXIT_OK;
}

/**
 * Runs the `express-sspr` command line and resolves to its exit status:
 * 0 success, 1 the command failed (no such user, the account exists already,
 * weak password, MongoDB unreachable), 2 usage error (unknown command or
 * option, missing argument, `MONGODB_URI` not set). Never rejects: errors are
 * printed on `io.stderr`, each line starting with `express-sspr: `, without a
 * stack trace. The database connection, if one was opened, is closed before
 * it resolves.
 *
 * @param argv - the arguments after the program name (`process.argv.slice(2)`).
 * @param io - where to read and write; {@link realIo} for the real process.
 *
 * @example
 * ```ts
 * const status = await runCli(['policy', 'show', '--json'], {
 *   stdout: (text) => out.push(text),
 *   stderr: (text) => err.push(text),
 *   env: { MONGODB_URI: 'mongodb://127.0.0.1:27017/app' },
 *   readStdin: async () => '',
 * });
 * ```
 */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const session = new Session(io);
  const context: CommandContext = {
    io,
    print: (line) => io.stdout(`${line}\n`),
    warn: (line) => io.stderr(`${PREFIX}${line}\n`),
    services: () => session.open(),
  };
  try {
    return await dispatch(argv, io, context);
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr(`${PREFIX}${error.message}\n`);
      if (error.showUsage) io.stderr(`\n${usageFor(error.commandName)}`);
      return EXIT_USAGE;
    }
    const { lines, status } = describe(error, session);
    for (const line of lines) io.stderr(`${PREFIX}${line}\n`);
    return status;
  } finally {
    await session.close();
  }
}
