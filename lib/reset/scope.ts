import type { Clock } from '../clock.js';
import type { PasswordResetPolicy, PolicyStore, UserRecord } from '../store/types.js';

/** How long a read policy may be reused. DESIGN.md caps it at 5 seconds. */
export const POLICY_CACHE_MS = 2000;

/**
 * Reads the password reset policy from the store, reusing a read for at most
 * {@link POLICY_CACHE_MS} so that a change made on one app instance holds on
 * every instance within seconds. A failed read is thrown, never replaced by a
 * default: callers fail closed.
 */
export class ResetScopeReader {
  private cached: { policy: PasswordResetPolicy; readAt: number } | null = null;

  constructor(
    private readonly store: PolicyStore,
    private readonly clock: Clock,
    private readonly cacheMs = POLICY_CACHE_MS,
  ) {}

  async current(): Promise<PasswordResetPolicy> {
    const now = this.clock.now().getTime();
    if (this.cached && now - this.cached.readAt < this.cacheMs && now >= this.cached.readAt) {
      return this.cached.policy;
    }
    const policy = await this.store.getPasswordResetPolicy();
    this.cached = { policy, readAt: now };
    return policy;
  }

  /** Forgets the cached read (after this instance changes the policy). */
  invalidate(): void {
    this.cached = null;
  }

  /** Whether self-service reset is on for anyone. */
  async isEnabled(): Promise<boolean> {
    return (await this.current()).enabled !== 'none';
  }

  /** Whether the policy lets this account reset its password. */
  static covers(policy: PasswordResetPolicy, user: Pick<UserRecord, 'email' | 'groups'>): boolean {
    if (user.email === null) return false;
    if (policy.enabled === 'all') return true;
    if (policy.enabled === 'selected') return user.groups.some((group) => policy.groups.includes(group));
    return false;
  }
}
