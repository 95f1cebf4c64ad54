import { SsprError } from '../errors.js';
import type { AuditEvent, AuditQuery } from '../store/types.js';

/** Largest page of audit events. */
export const MAX_AUDIT_LIMIT = 500;

function single(query: Record<string, unknown>, name: string): string | undefined {
  const value = query[name];
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string' || value.length > 200) {
    throw new SsprError('invalid_request', `${name} must be a single value.`, { details: { field: name } });
  }
  return value;
}

/** Parses `type`, `userId`, `since`, `limit` and `cursor` from a query string. */
export function parseAuditQuery(query: Record<string, unknown>): AuditQuery {
  const parsed: AuditQuery = { limit: 50 };
  const type = single(query, 'type');
  if (type !== undefined) {
    if (!/^[a-z_.]{1,64}$/.test(type)) {
      throw new SsprError('invalid_request', 'type is not an event type.', { details: { field: 'type' } });
    }
    parsed.type = type;
  }
  const userId = single(query, 'userId');
  if (userId !== undefined) parsed.userId = userId;
  const since = single(query, 'since');
  if (since !== undefined) {
    const date = new Date(since);
    if (Number.isNaN(date.getTime())) {
      throw new SsprError('invalid_request', 'since must be a date such as 2026-01-31.', {
        details: { field: 'since' },
      });
    }
    parsed.since = date;
  }
  const limit = single(query, 'limit');
  if (limit !== undefined) {
    const number = Number(limit);
    if (!/^\d+$/.test(limit) || number < 1 || number > MAX_AUDIT_LIMIT) {
      throw new SsprError('invalid_request', `limit must be 1 to ${MAX_AUDIT_LIMIT}.`, {
        details: { field: 'limit' },
      });
    }
    parsed.limit = number;
  }
  const cursor = single(query, 'cursor');
  if (cursor !== undefined) parsed.before = decodeCursor(cursor);
  return parsed;
}

/** The cursor for the page after `events` (null when it was the last). */
export function nextCursor(events: AuditEvent[], limit: number): string | null {
  const last = events.at(-1);
  if (!last || events.length < limit) return null;
  return Buffer.from(JSON.stringify({ at: last.at.toISOString(), id: last.id })).toString('base64url');
}

function decodeCursor(cursor: string): { at: Date; id: string } {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    const { at, id } = value as { at?: unknown; id?: unknown };
    const date = typeof at === 'string' ? new Date(at) : new Date(Number.NaN);
    if (typeof id !== 'string' || Number.isNaN(date.getTime())) throw new Error('bad cursor');
    return { at: date, id };
  } catch {
    throw new SsprError('invalid_request', 'cursor is not valid.', { details: { field: 'cursor' } });
  }
}
