import { SsprError } from '../errors.js';

/**
 * Guards that every adapter runs on caller-supplied values before a query is
 * built, so that an operator object such as `{"$ne": null}` or an array can
 * never reach a filter (SECURITY.md IN-1).
 */
export function assertString(value: unknown, field: string): asserts value is string {
  if (typeof value !== 'string') {
    throw new SsprError('invalid_request', `${field} must be a string.`, { details: { field } });
  }
}

export function assertStringArray(value: unknown, field: string): asserts value is string[] {
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) {
    throw new SsprError('invalid_request', `${field} must be a list of strings.`, { details: { field } });
  }
}

export function assertNullableString(value: unknown, field: string): asserts value is string | null {
  if (value !== null) assertString(value, field);
}

export function assertDate(value: unknown, field: string): asserts value is Date {
  if (!(value instanceof Date) || Number.isNaN(value.getTime())) {
    throw new SsprError('invalid_request', `${field} must be a valid date.`, { details: { field } });
  }
}

export function assertPositiveInteger(value: unknown, field: string): asserts value is number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new SsprError('invalid_request', `${field} must be a non-negative integer.`, {
      details: { field },
    });
  }
}

/** How long an expired reset flow is kept (so a late request can be told `flow_expired`). */
export const FLOW_RETENTION_AFTER_EXPIRY_MS = 60 * 60 * 1000;

/** Default audit retention: 90 days. */
export const DEFAULT_AUDIT_RETENTION_DAYS = 90;

/** `_id` of the password reset policy in the `settings` collection. */
export const RESET_POLICY_ID = 'passwordReset';
