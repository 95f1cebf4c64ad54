/**
 * The one catalogue of error codes. Every error that reaches a client or a
 * caller of the library is an {@link SsprError} with one of these codes; the
 * HTTP status belongs to the code, so it is decided here and nowhere else.
 */
export const ERROR_CATALOGUE = {
  invalid_request: { status: 400, message: 'The request is not valid.' },
  invalid_credentials: { status: 401, message: 'Your sign-in name or password is incorrect.' },
  unauthenticated: { status: 401, message: 'You need to sign in.' },
  csrf_invalid: { status: 403, message: 'Your session has expired. Reload the page and try again.' },
  forbidden: { status: 403, message: 'You do not have permission to do that.' },
  reset_disabled: { status: 403, message: 'Self-service password reset is not available.' },
  not_verified: { status: 403, message: 'Verify the code before choosing a new password.' },
  flow_not_found: { status: 404, message: 'This password reset was not found. Start again.' },
  not_found: { status: 404, message: 'Not found.' },
  conflict: { status: 409, message: 'An account with that sign-in name already exists.' },
  flow_expired: { status: 410, message: 'This password reset has expired. Start again.' },
  invalid_code: { status: 400, message: 'That code is not correct.' },
  too_many_attempts: { status: 429, message: 'Too many wrong codes. Start again.' },
  weak_password: { status: 400, message: 'Choose a stronger password.' },
  rate_limited: { status: 429, message: 'Too many requests. Try again later.' },
  unsupported_media_type: { status: 415, message: 'Send the request as JSON or as a form.' },
  payload_too_large: { status: 413, message: 'The request is too large.' },
  unavailable: { status: 503, message: 'The service is temporarily unavailable. Try again shortly.' },
  internal_error: { status: 500, message: 'Something went wrong.' },
} as const satisfies Record<string, { status: number; message: string }>;

/** A stable, machine-readable error code. */
export type ErrorCode = keyof typeof ERROR_CATALOGUE;

/** Extra, code-specific fields of an error (for example `attemptsLeft`, `reasons`, `field`). */
export type ErrorDetails = Record<string, string | number | boolean | readonly unknown[] | null>;

/**
 * The library's one error class. `code` is stable and documented; `status` is
 * the HTTP status the code maps to; `details` are safe to show to the client.
 * `retryAfterSeconds`, when set, becomes a `Retry-After` header.
 */
export class SsprError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly details: ErrorDetails;
  readonly retryAfterSeconds: number | undefined;

  constructor(
    code: ErrorCode,
    message?: string,
    options: { details?: ErrorDetails; retryAfterSeconds?: number; cause?: unknown } = {},
  ) {
    super(
      message ?? ERROR_CATALOGUE[code].message,
      options.cause === undefined ? {} : { cause: options.cause },
    );
    this.name = 'SsprError';
    this.code = code;
    this.status = ERROR_CATALOGUE[code].status;
    this.details = options.details ?? {};
    this.retryAfterSeconds = options.retryAfterSeconds;
  }

  /** Throws an error about one request field (usable where an expression is needed). */
  static throw(code: ErrorCode, message: string, field: string): never {
    throw new SsprError(code, message, { details: { field } });
  }
}

/** True when `error` is an {@link SsprError}, optionally with the given code. */
export function isSsprError(error: unknown, code?: ErrorCode): error is SsprError {
  return error instanceof SsprError && (code === undefined || error.code === code);
}
