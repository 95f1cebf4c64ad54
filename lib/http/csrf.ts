import { csrfSync } from 'csrf-sync';
import type { Request, RequestHandler } from 'express';
import type {} from 'express-session';
import { SsprError } from '../errors.js';

const EBADCSRFTOKEN = 'EBADCSRFTOKEN';

/**
 * Synchronizer-token CSRF protection (csrf-sync): the token lives in the
 * session; a state-changing request sends it as form field `_csrf` or header
 * `x-csrf-token`.
 */
export function createCsrf() {
  const csrf = csrfSync({
    getTokenFromRequest: (req: Request) => {
      const header = req.headers['x-csrf-token'];
      if (typeof header === 'string') return header;
      const body: unknown = req.body;
      if (typeof body === 'object' && body !== null && Object.hasOwn(body, '_csrf')) {
        const field = (body as Record<string, unknown>)._csrf;
        return typeof field === 'string' ? field : undefined;
      }
      return undefined;
    },
    errorConfig: { code: EBADCSRFTOKEN, statusCode: 403, message: 'invalid csrf token' },
  });
  const protect: RequestHandler = (req, res, next) => {
    if (!req.session) return next(sessionMissing());
    csrf.csrfSynchronisedProtection(req, res, next);
  };
  return {
    protect,
    /** The session's token, made on first use. */
    token(req: Request): string {
      if (!req.session) throw sessionMissing();
      return csrf.generateToken(req, false);
    },
  };
}

export type Csrf = ReturnType<typeof createCsrf>;

export function isCsrfError(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === EBADCSRFTOKEN;
}

function sessionMissing(): Error {
  return new Error(
    'express-sspr needs express-session: mount session() and passport.session() before its routers',
  );
}

/** Maps a CSRF failure to the catalogue. */
export function fromCsrfError(error: unknown): SsprError | null {
  return isCsrfError(error) ? new SsprError('csrf_invalid') : null;
}
