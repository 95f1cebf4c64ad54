/**
 * `express-sspr users ...`: create, list, and change the groups and roles of
 * local accounts.
 *
 * @module
 */
import type { Accounts, SsprUser } from '../accounts/accounts.js';
import { PasswordPolicy, type PasswordPolicyPreset } from '../accounts/password-policy.js';
import { DEFAULTS } from '../options.js';
import { nonEmpty, parseCommand, parseLimit } from './args.js';
import { type CommandContext, type CommandSpec, DEFAULT_ACTOR } from './context.js';
import { CliFailure, UsageError } from './errors.js';
import { safeJson, userJson, userLines, userTable } from './format.js';
import type { CliIo } from './io.js';

const ACTOR_HELP = '  --actor NAME               Who acted, for the audit log (default "cli")';
const JSON_HELP = '  --json                     Print the account as one line of JSON';
const HELP_HELP = '  -h, --help                 Show this help';

function printUser(context: CommandContext, user: SsprUser, json: boolean | undefined): void {
  if (json) context.print(safeJson(userJson(user)));
  else for (const line of userLines(user)) context.print(line);
}

/**
 * Finds an account by email, then username, then id. Throws a
 * {@link CliFailure} (exit status 1) when none matches.
 */
export async function findUser(accounts: Accounts, reference: string): Promise<SsprUser> {
  const user =
    (await accounts.findByEmail(reference)) ??
    (await accounts.findByUsername(reference)) ??
    (await accounts.findById(reference));
  if (!user) throw new CliFailure([`no user has the email, username or id ${JSON.stringify(reference)}`]);
  return user;
}

/**
 * The password for `users create`: the first line of standard input with
 * `--password-stdin`, else `SSPR_PASSWORD`, else a usage error.
 */
async function readPassword(command: string, fromStdin: boolean, io: CliIo): Promise<string> {
  if (fromStdin) {
    const text = await io.readStdin();
    const line = (text.split('\n')[0] ?? '').replace(/\r$/, '');
    if (line === '') throw new UsageError('standard input held no password', command);
    return line;
  }
  const fromEnv = io.env.SSPR_PASSWORD;
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  throw new UsageError('pass the password on standard input with --password-stdin', command);
}

const PRESETS = Object.keys(PasswordPolicy.presets) as PasswordPolicyPreset[];

/** Accounts with the library's defaults, for the commands that do not set a password. */
async function defaultAccounts(context: CommandContext): Promise<Accounts> {
  const services = await context.services();
  return services.accounts({
    policy: new PasswordPolicy(),
    signInName: DEFAULTS.signInName,
    companyName: DEFAULTS.branding.companyName,
  });
}

function actorOf(command: string, value: string | undefined): string {
  return nonEmpty(command, '--actor', value) ?? DEFAULT_ACTOR;
}

const create: CommandSpec = {
  name: 'users create',
  summary: 'Create a local account',
  usage: [
    'express-sspr users create --email EMAIL [--username NAME] [--display-name NAME]',
    '    [--group GROUP]... [--role ROLE]... [--password-stdin]',
    '    [--sign-in-name email|username] [--company NAME] [--password-policy PRESET]',
    '    [--actor NAME] [--json]',
  ],
  details: `Create a local account. The password is never taken from the command line:
with --password-stdin it is the first line of standard input; without it, the
SSPR_PASSWORD environment variable is used when set. The password must meet the
password policy: 8 to 128 characters, not a common password, and not containing
the email, username, display name or company name.

Options:
  --email EMAIL              Email address (required unless --sign-in-name username)
  --username NAME            Username (required with --sign-in-name username)
  --display-name NAME        Display name
  --group GROUP              Put the account in GROUP (repeatable)
  --role ROLE                Give the account ROLE, for example admin (repeatable)
  --password-stdin           Read the password from the first line of standard input
  --sign-in-name KIND        What users sign in with: email (default) or username
  --company NAME             Company name a password must not contain (default "${DEFAULTS.branding.companyName}")
  --password-policy PRESET   ${PRESETS.join(' (default) or ')}
${ACTOR_HELP}
${JSON_HELP}
${HELP_HELP}

Prints the new account: id, email, username, groups and roles.

Example:
  printf '%s\\n' "$ADMIN_PASSWORD" |
    express-sspr users create --email ada@example.com --role admin --password-stdin`,
  async run(args, context) {
    const { values } = parseCommand(
      'users create',
      args,
      {
        email: { type: 'string' },
        username: { type: 'string' },
        'display-name': { type: 'string' },
        group: { type: 'string', multiple: true },
        role: { type: 'string', multiple: true },
        'password-stdin': { type: 'boolean' },
        'sign-in-name': { type: 'string' },
        company: { type: 'string' },
        'password-policy': { type: 'string' },
        actor: { type: 'string' },
        json: { type: 'boolean' },
      },
      { min: 0, max: 0 },
    );
    const signInName = values['sign-in-name'] ?? 'email';
    if (signInName !== 'email' && signInName !== 'username') {
      throw new UsageError('--sign-in-name must be email or username', 'users create');
    }
    const email = nonEmpty('users create', '--email', values.email);
    const username = nonEmpty('users create', '--username', values.username);
    if (signInName === 'email' && email === undefined) {
      throw new UsageError('--email is required', 'users create');
    }
    if (signInName === 'username' && username === undefined) {
      throw new UsageError('--username is required with --sign-in-name username', 'users create');
    }
    const preset = values['password-policy'] ?? 'nist';
    if (!PRESETS.includes(preset as PasswordPolicyPreset)) {
      throw new UsageError(`--password-policy must be one of ${PRESETS.join(', ')}`, 'users create');
    }
    const companyName =
      nonEmpty('users create', '--company', values.company) ?? DEFAULTS.branding.companyName;
    const actor = actorOf('users create', values.actor);
    const password = await readPassword('users create', values['password-stdin'] === true, context.io);
    const services = await context.services();
    const accounts = services.accounts({
      policy: new PasswordPolicy(preset as PasswordPolicyPreset),
      signInName,
      companyName,
    });
    const user = await accounts.create(
      {
        email: email ?? null,
        username: username ?? null,
        displayName: values['display-name'] ?? null,
        groups: values.group ?? [],
        roles: values.role ?? [],
        password,
      },
      { actor },
    );
    printUser(context, user, values.json);
  },
};

const list: CommandSpec = {
  name: 'users list',
  summary: 'List accounts',
  usage: ['express-sspr users list [--limit N] [--group GROUP]... [--json]'],
  details: `List accounts in id order, as a table (id, email, username, groups, roles)
or, with --json, one JSON object a line.

Options:
  --limit N                  How many accounts, 1 to 1000 (default 50)
  --group GROUP              Only members of GROUP (repeatable: members of any)
  --json                     Print one JSON object a line
${HELP_HELP}`,
  async run(args, context) {
    const { values } = parseCommand(
      'users list',
      args,
      { limit: { type: 'string' }, group: { type: 'string', multiple: true }, json: { type: 'boolean' } },
      { min: 0, max: 0 },
    );
    const limit = parseLimit('users list', values.limit, 50, 1000);
    const groups = values.group ?? [];
    for (const group of groups) nonEmpty('users list', '--group', group);
    const accounts = await defaultAccounts(context);
    const found = await accounts.list({
      limit: limit + 1,
      ...(groups.length > 0 ? { query: { inAnyGroup: groups } } : {}),
    });
    const users = found.slice(0, limit);
    if (values.json) {
      for (const user of users) context.print(safeJson(userJson(user)));
    } else if (users.length === 0) {
      context.print('No users.');
    } else {
      for (const line of userTable(users)) context.print(line);
    }
    if (found.length > limit) context.warn(`showing the first ${limit} users; raise --limit to see more`);
  },
};

function groupCommand(name: 'users add-group' | 'users remove-group'): CommandSpec {
  const adding = name === 'users add-group';
  return {
    name,
    summary: adding ? 'Add an account to a group' : 'Remove an account from a group',
    usage: [`express-sspr ${name} USER GROUP [--actor NAME] [--json]`],
    details: `${adding ? 'Add the account USER to GROUP' : 'Remove the account USER from GROUP'}. USER is an email address, a
username or an account id, tried in that order.

Options:
${ACTOR_HELP}
${JSON_HELP}
${HELP_HELP}

Prints the account with its groups.`,
    async run(args, context) {
      const { values, positionals } = parseCommand(
        name,
        args,
        { actor: { type: 'string' }, json: { type: 'boolean' } },
        { min: 2, max: 2, names: 'USER and GROUP' },
      );
      const [reference = '', group = ''] = positionals;
      const actor = actorOf(name, values.actor);
      const accounts = await defaultAccounts(context);
      const user = await findUser(accounts, reference);
      const updated = adding
        ? await accounts.addGroup(user.id, group, { actor })
        : await accounts.removeGroup(user.id, group, { actor });
      printUser(context, updated, values.json);
    },
  };
}

const setRoles: CommandSpec = {
  name: 'users set-roles',
  summary: "Replace an account's roles",
  usage: ['express-sspr users set-roles USER [--role ROLE]... [--actor NAME] [--json]'],
  details: `Replace the roles of the account USER with the --role options given (none
clears them). USER is an email address, a username or an account id, tried in
that order. Users with the role admin may use /auth/admin.

Options:
  --role ROLE                A role, for example admin (repeatable)
${ACTOR_HELP}
${JSON_HELP}
${HELP_HELP}`,
  async run(args, context) {
    const { values, positionals } = parseCommand(
      'users set-roles',
      args,
      { role: { type: 'string', multiple: true }, actor: { type: 'string' }, json: { type: 'boolean' } },
      { min: 1, max: 1, names: 'USER' },
    );
    const [reference = ''] = positionals;
    const actor = actorOf('users set-roles', values.actor);
    const accounts = await defaultAccounts(context);
    const user = await findUser(accounts, reference);
    const updated = await accounts.setRoles(user.id, values.role ?? [], { actor });
    printUser(context, updated, values.json);
  },
};

/** The `users` commands. */
export const userCommands: CommandSpec[] = [
  create,
  list,
  groupCommand('users add-group'),
  groupCommand('users remove-group'),
  setRoles,
];
