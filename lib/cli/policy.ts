/**
 * `express-sspr policy ...`: show and change who may use self-service
 * password reset.
 *
 * @module
 */
import { parsePolicyInput } from '../admin/policy.js';
import { isSsprError, type SsprError } from '../errors.js';
import type { PasswordResetPolicy } from '../store/types.js';
import { nonEmpty, parseCommand } from './args.js';
import { type CommandContext, type CommandSpec, DEFAULT_ACTOR } from './context.js';
import { UsageError } from './errors.js';
import { policyJson, policyLines, safeJson } from './format.js';

function printPolicy(context: CommandContext, policy: PasswordResetPolicy, json: boolean | undefined): void {
  if (json) context.print(safeJson(policyJson(policy)));
  else for (const line of policyLines(policy)) context.print(line);
}

const SHOW = 'policy show';
const SET = 'policy set';

/** A policy validation error as a usage error that names the field and the option to fix. */
function policyUsageError(error: SsprError, scope: string): UsageError {
  const field = error.details.field;
  const message = error.message.replace(/\.$/, '');
  const hint =
    field === 'enabled'
      ? ` (got ${JSON.stringify(scope)})`
      : field === 'groups'
        ? ' (--group)'
        : field === 'actor'
          ? ' (--actor)'
          : '';
  return new UsageError(`${message}${hint}`, SET);
}

const show: CommandSpec = {
  name: SHOW,
  summary: 'Show the password reset policy',
  usage: ['express-sspr policy show [--json]'],
  details: `Show who may use self-service password reset: enabled (none, selected or
all), the groups allowed when it is selected, and when and by whom it was last
changed. A database where it was never set shows none.

Options:
  --json                     Print the policy as one line of JSON
  -h, --help                 Show this help`,
  async run(args, context) {
    const { values } = parseCommand(SHOW, args, { json: { type: 'boolean' } }, { min: 0, max: 0 });
    const { policyAdmin } = await context.services();
    printPolicy(context, await policyAdmin.get(), values.json);
  },
};

const set: CommandSpec = {
  name: SET,
  summary: 'Change the password reset policy',
  usage: ['express-sspr policy set none|all|selected [--group GROUP]... [--actor NAME] [--json]'],
  details: `Change who may use self-service password reset:
  none        nobody (the default)
  selected    members of any --group given (at least one is required)
  all         every local account with an email address
The change is recorded with who made it and when, and written to the audit log
as a policy.changed event. Running app instances apply it within seconds.

Options:
  --group GROUP              A group allowed to reset (repeatable; only with selected)
  --actor NAME               Who made the change, for the record and the audit log (default "cli")
  --json                     Print the new policy as one line of JSON
  -h, --help                 Show this help

Prints the new policy.

Example:
  express-sspr policy set selected --group pilot --group helpdesk --actor ada@example.com`,
  async run(args, context) {
    const { values, positionals } = parseCommand(
      SET,
      args,
      { group: { type: 'string', multiple: true }, actor: { type: 'string' }, json: { type: 'boolean' } },
      { min: 1, max: 1, names: 'the scope: none, all or selected' },
    );
    const [scope = ''] = positionals;
    const groups = values.group ?? [];
    let input: ReturnType<typeof parsePolicyInput>;
    try {
      input = parsePolicyInput({ enabled: scope, groups });
    } catch (error) {
      if (isSsprError(error, 'invalid_request')) throw policyUsageError(error, scope);
      throw error;
    }
    if (input.enabled !== 'selected' && groups.length > 0) {
      throw new UsageError(`--group is only used with selected, not with ${input.enabled}`, SET);
    }
    const actor = nonEmpty(SET, '--actor', values.actor) ?? DEFAULT_ACTOR;
    const { policyAdmin } = await context.services();
    let policy: PasswordResetPolicy;
    try {
      policy = await policyAdmin.set(input, { actor });
    } catch (error) {
      if (isSsprError(error, 'invalid_request')) throw policyUsageError(error, scope);
      throw error;
    }
    printPolicy(context, policy, values.json);
  },
};

/** The `policy` commands. */
export const policyCommands: CommandSpec[] = [show, set];
