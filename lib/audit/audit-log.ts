import type { Clock } from '../clock.js';
import { type Logger, neutralize } from '../logger.js';
import { type Random, randomId } from '../random.js';
import type { AuditEvent, AuditStore } from '../store/types.js';

/** The audit event types express-sspr records. */
export type AuditEventType =
  | 'signin.success'
  | 'signin.failure'
  | 'signin.lockout'
  | 'signout'
  | 'reset.started'
  | 'reset.blocked_by_policy'
  | 'reset.code_sent'
  | 'reset.code_failed'
  | 'reset.verified'
  | 'reset.completed'
  | 'mail.failed'
  | 'policy.changed'
  | 'user.created'
  | 'user.groups_changed'
  | 'user.roles_changed';

export type AuditData = AuditEvent['data'];

// Keys that could only hold a secret. Dropped even if a caller slips.
const SECRET_KEYS = /password|passcode|hash|token|secret|session|cookie|^code$/i;

/**
 * Writes audit events. Data is cleaned on the way in: secret-looking keys are
 * dropped and control characters neutralised (SECURITY.md LO-1, LO-3). A
 * failure to write is logged and never fails the request that caused it.
 */
export class AuditLog {
  constructor(
    private readonly store: AuditStore,
    private readonly clock: Clock,
    private readonly random: Random,
    private readonly logger: Logger,
  ) {}

  async record(
    type: AuditEventType,
    event: { userId?: string | null; actor?: string | null; ip?: string | null; data?: AuditData } = {},
  ): Promise<void> {
    const data: AuditData = {};
    for (const [key, value] of Object.entries(event.data ?? {})) {
      if (SECRET_KEYS.test(key)) continue;
      data[key] =
        typeof value === 'string'
          ? neutralize(value)
          : Array.isArray(value)
            ? value.map((item) => neutralize(item))
            : value;
    }
    try {
      await this.store.record({
        id: `${this.clock.now().getTime().toString(36)}-${randomId(this.random, 9)}`,
        type,
        at: this.clock.now(),
        userId: event.userId ?? null,
        actor: event.actor ? neutralize(event.actor) : null,
        ip: event.ip ? neutralize(event.ip, 64) : null,
        data,
      });
    } catch (error) {
      this.logger.warn('audit.write_failed', {
        type,
        reason: error instanceof Error ? error.name : 'unknown',
      });
    }
  }
}
