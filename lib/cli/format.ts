/**
 * Text and JSON output of the CLI. Text is for people; `--json` output is one
 * JSON document a line, for scripts. Values that came from the database are
 * cleaned of control characters before they reach a terminal.
 *
 * @module
 */
import { type PublicUser, type SsprUser, toPublicUser } from '../accounts/accounts.js';
import { neutralize } from '../logger.js';
import type { AuditEvent, PasswordResetPolicy } from '../store/types.js';

/**
 * `JSON.stringify` that also escapes C1 controls, DEL and the Unicode line
 * separators (still valid JSON), so that no line can carry a terminal escape.
 */
export function safeJson(value: unknown): string {
  return JSON.stringify(value).replace(
    /[\u007f-\u009f\u2028\u2029]/g,
    (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/** A value for a text column: control characters neutralised, `-` for nothing. */
export function cell(value: string | null | undefined): string {
  if (value === null || value === undefined || value === '') return '-';
  return neutralize(value, 500);
}

/** A list for a text column: comma-separated, `-` when empty. */
export function listCell(values: readonly string[]): string {
  return values.length === 0 ? '-' : values.map((value) => neutralize(value, 100)).join(',');
}

/** Rows aligned in columns two spaces apart; the last column is not padded. */
export function table(rows: readonly (readonly string[])[]): string[] {
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((value, index) => {
      widths[index] = Math.max(widths[index] ?? 0, [...value].length);
    });
  }
  return rows.map((row) =>
    row
      .map((value, index) =>
        index === row.length - 1 ? value : value + ' '.repeat((widths[index] ?? 0) - [...value].length),
      )
      .join('  '),
  );
}

/** `label: value` lines with the values aligned. */
export function fields(pairs: readonly (readonly [string, string])[]): string[] {
  const width = Math.max(...pairs.map(([label]) => label.length)) + 1;
  return pairs.map(([label, value]) => `${`${label}:`.padEnd(width)}  ${value}`);
}

/** One user as `label: value` lines (id, email, username, display name when set, groups, roles). */
export function userLines(user: SsprUser): string[] {
  const pairs: [string, string][] = [
    ['id', cell(user.id)],
    ['email', cell(user.email)],
    ['username', cell(user.username)],
  ];
  if (user.displayName) pairs.push(['displayName', cell(user.displayName)]);
  pairs.push(['groups', listCell(user.groups)], ['roles', listCell(user.roles)]);
  return fields(pairs);
}

/** The user fields a script gets (no credentials version, nothing secret). */
export function userJson(user: SsprUser): PublicUser {
  return toPublicUser(user);
}

/** The user list as a table with a header row. */
export function userTable(users: readonly SsprUser[]): string[] {
  return table([
    ['ID', 'EMAIL', 'USERNAME', 'GROUPS', 'ROLES'],
    ...users.map((user) => [
      cell(user.id),
      cell(user.email),
      cell(user.username),
      listCell(user.groups),
      listCell(user.roles),
    ]),
  ]);
}

/** The password reset policy as `label: value` lines. */
export function policyLines(policy: PasswordResetPolicy): string[] {
  return fields([
    ['enabled', policy.enabled],
    ['groups', listCell(policy.groups)],
    ['updatedAt', policy.updatedAt ? policy.updatedAt.toISOString() : 'never'],
    ['updatedBy', cell(policy.updatedBy)],
  ]);
}

/** The policy as JSON, in the shape of `GET /auth/admin/password-reset`. */
export function policyJson(policy: PasswordResetPolicy): Record<string, unknown> {
  return {
    enabled: policy.enabled,
    groups: policy.groups,
    updatedAt: policy.updatedAt ? policy.updatedAt.toISOString() : null,
    updatedBy: policy.updatedBy,
  };
}

/** Audit events one a line: time, type, userId, actor, ip, data as compact JSON; columns aligned. */
export function auditLines(events: readonly AuditEvent[]): string[] {
  return table(
    events.map((event) => [
      event.at.toISOString(),
      cell(event.type),
      cell(event.userId),
      cell(event.actor),
      cell(event.ip),
      safeJson(event.data ?? {}),
    ]),
  );
}

/** An audit event as JSON. */
export function auditJson(event: AuditEvent): Record<string, unknown> {
  return {
    id: event.id,
    at: event.at.toISOString(),
    type: event.type,
    userId: event.userId,
    actor: event.actor,
    ip: event.ip,
    data: event.data ?? {},
  };
}
