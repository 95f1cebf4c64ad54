import type { ErrorRequestHandler, Request } from 'express';
import { SsprError } from '../errors.js';
import type { Logger } from '../logger.js';
import { fromBodyParserError } from './body.js';
import { fromCsrfError } from './csrf.js';
import { wantsJson } from './negotiate.js';
import type { LocalizedError, Pages } from './pages.js';

/**
 * How a router shows an error on its own page (a form with the error beside
 * it) instead of the generic error page. Set on `res.locals.ssprErrorView`.
 * `localized` is the error's message (and a weak password's reasons) in the
 * request's language.
 */
export type ErrorView = (error: SsprError, req: Request, localized: LocalizedError) => string;

/** Turns anything thrown into a catalogue error; unknown errors become `internal_error`. */
export function toSsprError(error: unknown): { error: SsprError; expected: boolean } {
  if (error instanceof SsprError) return { error, expected: true };
  const mapped = fromBodyParserError(error) ?? fromCsrfError(error);
  if (mapped) return { error: mapped, expected: true };
  return { error: new SsprError('internal_error'), expected: false };
}

/**
 * The one error handler. It renders every error from the catalogue, as JSON
 * (`{"error": {"code", "message", ...details}}`) or as a page, in the
 * language `Accept-Language` picks, and never sends a stack trace or driver
 * text.
 */
export function errorHandler(deps: { logger: Logger; pages: Pages }): ErrorRequestHandler {
  return (thrown, req, res, next) => {
    if (res.headersSent) return next(thrown);
    const { error, expected } = toSsprError(thrown);
    if (!expected || error.status >= 500) {
      const cause = error.cause ?? thrown;
      deps.logger.error('http.error', {
        code: error.code,
        method: req.method,
        path: req.originalUrl.split('?')[0],
        error: cause instanceof Error ? cause.name : typeof cause,
        message: cause instanceof Error && !expected ? cause.message : undefined,
      });
    }
    res.set('Cache-Control', 'no-store');
    if (error.retryAfterSeconds !== undefined) res.set('Retry-After', String(error.retryAfterSeconds));
    const localized = deps.pages.localize(error, req);
    if (wantsJson(req)) {
      res.vary('Accept-Language');
      res.status(error.status).json({
        error: {
          ...error.details,
          ...(localized.reasons ? { reasons: localized.reasons } : {}),
          code: error.code,
          message: localized.message,
        },
      });
      return;
    }
    const view = res.locals.ssprErrorView as ErrorView | undefined;
    const markup = view
      ? view(error, req, localized)
      : deps.pages.templates.error(deps.pages.context(req, null), {
          message: localized.message,
          code: error.code,
          status: error.status,
        });
    deps.pages.send(res, markup, error.status);
  };
}
