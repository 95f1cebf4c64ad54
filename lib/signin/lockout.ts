import type { Clock } from '../clock.js';
import type { LockoutStore } from '../store/types.js';

/** How long a lock record is remembered after its last failure or lock. */
const LOCKOUT_MEMORY_MS = 24 * 60 * 60 * 1000;

/**
 * Sign-in lockout keyed by the normalised sign-in name, whether an account
 * has it or not (so locking reveals nothing). `threshold` consecutive failures
 * lock the name for `durationMs`, doubling on each further lock up to
 * `maxDurationMs`. Kept in the store so every app instance sees it.
 */
export class Lockout {
  constructor(
    private readonly store: LockoutStore,
    private readonly clock: Clock,
    private readonly options: { threshold: number; durationMs: number; maxDurationMs: number },
  ) {}

  private static key(name: string): string {
    return `signin:${name}`;
  }

  /** Seconds until the name is unlocked, or 0 when it is not locked. */
  async lockedFor(name: string): Promise<number> {
    const record = await this.store.get(Lockout.key(name));
    const until = record?.lockedUntil?.getTime() ?? 0;
    const remaining = until - this.clock.now().getTime();
    return remaining > 0 ? Math.ceil(remaining / 1000) : 0;
  }

  /** Counts a failure; returns true when this failure locked the name. */
  async recordFailure(name: string): Promise<boolean> {
    const now = this.clock.now();
    const record = await this.store.recordFailure(Lockout.key(name), {
      threshold: this.options.threshold,
      lockMs: (level) =>
        Math.min(this.options.durationMs * 2 ** Math.min(level, 30), this.options.maxDurationMs),
      now,
      expireAfterMs: LOCKOUT_MEMORY_MS,
    });
    return record.failures === 0 && (record.lockedUntil?.getTime() ?? 0) > now.getTime();
  }

  /** Forgets the name's failures and locks (a successful sign-in or a completed reset). */
  clear(name: string): Promise<void> {
    return this.store.clear(Lockout.key(name));
  }
}
