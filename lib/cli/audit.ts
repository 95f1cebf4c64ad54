/**
 * `express-sspr audit`: read the audit log.
 *
 * @module
 */
import { nonEmpty, parseCommand, parseIsoDate, parseLimit } from './args.js';
import type { CommandSpec } from './context.js';
import { auditJson, auditLines, safeJson } from './format.js';

const NAME = 'audit';

/** The `audit` command. */
export const auditCommand: CommandSpec = {
  name: NAME,
  summary: 'Show audit events, newest first',
  usage: ['express-sspr audit [--type TYPE] [--user-id ID] [--since DATE] [--limit N] [--json]'],
  details: `Show audit events, newest first, one a line: time, type, user id, actor, IP
address, and the event's data as compact JSON ("-" where there is none).
Events never hold a password, code, hash or session id.

Types: signin.success, signin.failure, signin.lockout, signout, reset.started,
reset.blocked_by_policy, reset.code_sent, reset.code_failed, reset.verified,
reset.completed, mail.failed, policy.changed, user.created,
user.groups_changed, user.roles_changed.

Options:
  --type TYPE                Only events of this type
  --user-id ID               Only events about this account id
  --since DATE               Only events at or after this ISO 8601 date or time
                             (2025-01-31 is midnight UTC; 2025-01-31T12:00:00Z)
  --limit N                  How many events, 1 to 500 (default 20)
  --json                     Print one JSON object a line
  -h, --help                 Show this help

Example:
  express-sspr audit --type policy.changed --limit 5`,
  async run(args, context) {
    const { values } = parseCommand(
      NAME,
      args,
      {
        type: { type: 'string' },
        'user-id': { type: 'string' },
        since: { type: 'string' },
        limit: { type: 'string' },
        json: { type: 'boolean' },
      },
      { min: 0, max: 0 },
    );
    const type = nonEmpty(NAME, '--type', values.type);
    const userId = nonEmpty(NAME, '--user-id', values['user-id']);
    const since = parseIsoDate(NAME, '--since', values.since);
    const limit = parseLimit(NAME, values.limit, 20, 500);
    const { store } = await context.services();
    const events = await store.audit.query({
      limit,
      ...(type === undefined ? {} : { type }),
      ...(userId === undefined ? {} : { userId }),
      ...(since === undefined ? {} : { since }),
    });
    if (values.json) {
      for (const event of events) context.print(safeJson(auditJson(event)));
    } else if (events.length === 0) {
      context.print('No audit events.');
    } else {
      for (const line of auditLines(events)) context.print(line);
    }
  },
};
