import type { Request } from 'express';

/**
 * A request is in JSON mode when its body is `application/json`, or, when it
 * has no body (or one of a type the routes refuse), when its `Accept` header
 * prefers JSON to HTML. Otherwise the routes serve pages and answer forms
 * with 303 redirects.
 */
export function wantsJson(req: Request): boolean {
  if (hasBody(req)) {
    if (req.is('application/json')) return true;
    if (req.is('application/x-www-form-urlencoded')) return false;
  }
  return req.accepts(['html', 'json']) === 'json';
}

/** Whether the request carries a body. */
export function hasBody(req: Request): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}
