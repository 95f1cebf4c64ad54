import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { SsprError } from '../errors.js';
import { hasBody } from './negotiate.js';

/**
 * Parses JSON and form bodies up to `limit`, and nothing else: any other
 * content type is 415, a larger body 413, malformed JSON 400. Forms are parsed
 * flat (`extended: false`), so `email[$gt]=` is a field named `email[$gt]`,
 * never an object.
 */
export function bodyParsers(limit: string): RequestHandler[] {
  const checkType: RequestHandler = (req: Request, _res: Response, next: NextFunction) => {
    if (!hasBody(req)) return next();
    if (!req.is(['application/json', 'application/x-www-form-urlencoded'])) {
      return next(new SsprError('unsupported_media_type'));
    }
    next();
  };
  return [
    checkType,
    mapErrors(express.json({ limit, strict: true, type: 'application/json' })),
    mapErrors(
      express.urlencoded({
        limit,
        extended: false,
        parameterLimit: 20,
        type: 'application/x-www-form-urlencoded',
      }),
    ),
  ];
}

/**
 * Turns every client-caused failure of a body parser into a catalogue error
 * where it happens. Some carry no `type` (a corrupt gzip or deflate body fails
 * inside zlib), and would otherwise surface as a 500.
 */
function mapErrors(parser: RequestHandler): RequestHandler {
  return (req, res, next) => {
    parser(req, res, (error?: unknown) => {
      if (error === undefined || error === null) return next();
      next(fromBodyParserError(error) ?? fromClientError(error) ?? error);
    });
  };
}

/** A 4xx error from body-parser or raw-body that has no known `type`. */
function fromClientError(error: unknown): SsprError | null {
  if (typeof error !== 'object' || error === null) return null;
  const status = (error as { status?: unknown }).status;
  if (typeof status !== 'number' || status < 400 || status > 499) return null;
  if (status === 413) return new SsprError('payload_too_large');
  if (status === 415) return new SsprError('unsupported_media_type');
  return new SsprError('invalid_request', 'The request body could not be read.');
}

/** body-parser's error types, mapped to the catalogue. */
export function fromBodyParserError(error: unknown): SsprError | null {
  if (typeof error !== 'object' || error === null || !('type' in error)) return null;
  switch ((error as { type: unknown }).type) {
    case 'entity.too.large':
    case 'parameters.too.many':
      return new SsprError('payload_too_large');
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new SsprError('unsupported_media_type');
    case 'entity.parse.failed':
    case 'entity.verify.failed':
    case 'querystring.parse.rangeError':
    case 'request.size.invalid':
    case 'request.aborted':
      return new SsprError('invalid_request', 'The request body could not be read.');
    default:
      return null;
  }
}

/** The request body as a plain record, or an empty one. */
export function bodyOf(req: Request): Record<string, unknown> {
  const body: unknown = req.body;
  if (body === undefined || body === null) return {};
  if (typeof body !== 'object' || Array.isArray(body)) {
    throw new SsprError('invalid_request', 'The request body must be an object.');
  }
  return body as Record<string, unknown>;
}

/** A required string field of the body; anything else (objects, arrays, numbers) is `invalid_request`. */
export function stringField(
  body: Record<string, unknown>,
  field: string,
  options: { maxLength?: number } = {},
): string {
  const value = Object.hasOwn(body, field) ? body[field] : undefined;
  if (typeof value !== 'string') {
    throw new SsprError('invalid_request', `${field} is required and must be a string.`, {
      details: { field },
    });
  }
  if (value.length > (options.maxLength ?? 1024)) {
    throw new SsprError('invalid_request', `${field} is too long.`, { details: { field } });
  }
  return value;
}

/** An optional string field: undefined when absent, `invalid_request` when not a string. */
export function optionalStringField(body: Record<string, unknown>, field: string): string | undefined {
  if (!Object.hasOwn(body, field) || body[field] === undefined) return undefined;
  return stringField(body, field);
}
