import type { RequestHandler } from 'express';
import type { Clock } from '../clock.js';
import { SsprError } from '../errors.js';
import type { RateLimit } from '../options.js';
import type { CounterStore } from '../store/types.js';

/**
 * A per-client-IP fixed-window limit kept in the store, so that every app
 * instance counts together (SECURITY.md BF-2, BF-4). The IP is `req.ip`, which
 * follows Express's `trust proxy` setting and nothing else (BF-5).
 */
export function ipRateLimit(
  counters: CounterStore,
  clock: Clock,
  name: string,
  limit: RateLimit,
): RequestHandler {
  return async (req, _res, next) => {
    try {
      const ip = req.ip ?? req.socket.remoteAddress ?? 'unknown';
      const now = clock.now();
      const { count, resetAt } = await counters.hit(`ip:${name}:${ip}`, { windowMs: limit.windowMs, now });
      if (count > limit.max) {
        const retryAfterSeconds = Math.max(1, Math.ceil((resetAt.getTime() - now.getTime()) / 1000));
        return next(new SsprError('rate_limited', undefined, { retryAfterSeconds }));
      }
      next();
    } catch (error) {
      next(error);
    }
  };
}
