import { SsprError } from '../errors.js';
import type { PasswordHasher } from './hasher.js';

/**
 * Wraps a hasher so that at most `maxConcurrent` hashes run at once and at
 * most `maxQueued` wait. Each argon2id hash holds its memory cost (19 MiB by
 * default) while it runs, so an unbounded flood of sign-ins would exhaust
 * memory; past the queue, callers get `unavailable` with a short Retry-After
 * at once instead of waiting without limit.
 */
export function boundedHasher(
  inner: PasswordHasher,
  limits: { maxConcurrent: number; maxQueued: number },
): PasswordHasher {
  let running = 0;
  const waiting: Array<() => void> = [];

  async function slot<T>(work: () => Promise<T>): Promise<T> {
    if (running >= limits.maxConcurrent) {
      if (waiting.length >= limits.maxQueued) {
        throw new SsprError('unavailable', 'The service is busy. Try again shortly.', {
          retryAfterSeconds: 1,
        });
      }
      await new Promise<void>((resolve) => waiting.push(resolve));
    } else {
      running += 1;
    }
    try {
      return await work();
    } finally {
      const next = waiting.shift();
      // The slot passes straight to the next waiter; otherwise it is freed.
      if (next) next();
      else running -= 1;
    }
  }

  return {
    hash: (password) => slot(() => inner.hash(password)),
    verify: (hash, password) => slot(() => inner.verify(hash, password)),
    needsRehash: (hash) => inner.needsRehash(hash),
  };
}
