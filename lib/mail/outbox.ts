import type { AuditLog } from '../audit/audit-log.js';
import type { Clock } from '../clock.js';
import { isSsprError } from '../errors.js';
import type { Logger } from '../logger.js';
import { type Random, randomId } from '../random.js';
import type { OutboxStore } from '../store/types.js';
import { isPermanentMailError, type Mailer, type MailMessage } from './mailer.js';

/** Outbox delivery settings. */
export interface OutboxOptions {
  /** Tries before a message is recorded as failed. Default: 8. */
  maxAttempts?: number;
  /** First retry delay; each further one doubles, up to `maxBackoffMs`. Default: 5 000 ms. */
  backoffMs?: number;
  /** Longest retry delay. Default: 600 000 ms (10 minutes). */
  maxBackoffMs?: number;
  /** How long a worker holds a message while sending it. Default: 300 000 ms. */
  leaseMs?: number;
  /** How often the worker looks for due mail. Default: 1 000 ms. */
  pollMs?: number;
}

export const OUTBOX_DEFAULTS: Required<OutboxOptions> = {
  maxAttempts: 8,
  backoffMs: 5_000,
  maxBackoffMs: 600_000,
  leaseMs: 300_000,
  pollMs: 1_000,
};

/**
 * The mail outbox: requests queue mail in the store, and a worker delivers
 * it. Each message is claimed with a lease, so two app instances never send
 * one twice; failures are retried with backoff and, after the last try,
 * recorded as a `mail.failed` audit event.
 */
export class Outbox {
  private readonly owner: string;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<number> | null = null;
  private rerun = false;
  /** Messages this worker sent whose removal from the store has not succeeded yet. */
  private readonly sentNotRemoved = new Set<string>();

  constructor(
    private readonly store: OutboxStore,
    private readonly deps: {
      mailer: Mailer | null;
      clock: Clock;
      random: Random;
      audit: AuditLog;
      logger: Logger;
      options: Required<OutboxOptions>;
    },
  ) {
    this.owner = `worker-${randomId(deps.random, 9)}`;
  }

  /**
   * Queues a message. It is delivered by a worker, never inside the request.
   * With `id`, queueing is idempotent while the message waits: a second
   * enqueue of the same id is a no-op (for callers that may repeat a step
   * whose first answer from the store was lost).
   */
  async enqueue(
    message: MailMessage & { kind: string; userId: string | null },
    options: { id?: string } = {},
  ): Promise<void> {
    const now = this.deps.clock.now();
    try {
      await this.store.enqueue({
        id: options.id ?? randomId(this.deps.random, 16),
        to: message.to,
        subject: message.subject,
        text: message.text,
        html: message.html,
        kind: message.kind,
        userId: message.userId,
        attempts: 0,
        notBefore: now,
        leaseUntil: null,
        leaseOwner: null,
        createdAt: now,
        lastError: null,
      });
    } catch (error) {
      if (!(options.id !== undefined && isSsprError(error, 'conflict'))) throw error;
    }
    if (this.timer) this.kick();
  }

  /** Starts delivering in the background, looking for due mail every `pollMs`. */
  start(): void {
    if (this.timer || !this.deps.mailer) return;
    this.timer = setInterval(() => this.kick(), this.deps.options.pollMs);
    this.timer.unref();
  }

  /** Stops the background worker and waits for a delivery in progress. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running?.catch(() => 0);
  }

  private kick(): void {
    this.deliverDue().catch((error: unknown) => {
      this.deps.logger.warn('mail.worker_failed', {
        reason: error instanceof Error ? error.name : 'unknown',
      });
    });
  }

  /**
   * Delivers every message that is due now, one at a time, and returns how
   * many were sent. Concurrent calls share one run.
   */
  deliverDue(): Promise<number> {
    if (this.running) {
      this.rerun = true;
      return this.running;
    }
    this.running = this.drain().finally(() => {
      this.running = null;
      if (this.rerun) {
        this.rerun = false;
        this.kick();
      }
    });
    return this.running;
  }

  private async drain(): Promise<number> {
    const { mailer, clock, options, logger, audit } = this.deps;
    if (!mailer) return 0;
    await this.settleSent();
    let sent = 0;
    for (;;) {
      const now = clock.now();
      const message = await this.store.claim(this.owner, {
        now,
        leaseUntil: new Date(now.getTime() + options.leaseMs),
      });
      if (!message) return sent;
      if (this.sentNotRemoved.has(message.id)) {
        // Sent by this worker already; only its removal from the store failed.
        await this.removeSent(message.id);
        continue;
      }
      let failure: { error: unknown } | null = null;
      try {
        await mailer.send({
          to: message.to,
          subject: message.subject,
          text: message.text,
          html: message.html,
        });
      } catch (error) {
        failure = { error };
      }
      if (failure === null) {
        // A store failure from here on is not a send failure: the message is
        // out, and retrying it would send it twice. Remember it until removed.
        this.sentNotRemoved.add(message.id);
        await this.removeSent(message.id);
        sent += 1;
        logger.info('mail.sent', { kind: message.kind, attempts: message.attempts });
        continue;
      }
      const reason = describe(failure.error);
      const permanent = isPermanentMailError(failure.error);
      if (permanent || message.attempts >= options.maxAttempts) {
        await this.store.abandon(message.id, this.owner);
        logger.error('mail.failed', { kind: message.kind, attempts: message.attempts, reason });
        await audit.record('mail.failed', {
          userId: message.userId,
          data: { kind: message.kind, attempts: message.attempts, reason },
        });
      } else {
        const delay = Math.min(options.backoffMs * 2 ** (message.attempts - 1), options.maxBackoffMs);
        await this.store.retry(message.id, this.owner, {
          notBefore: new Date(clock.now().getTime() + delay),
          error: reason,
        });
        logger.warn('mail.retry', {
          kind: message.kind,
          attempts: message.attempts,
          reason,
          delayMs: delay,
        });
      }
    }
  }

  /** Removes a sent message from the store; on success it is forgotten locally too. */
  private async removeSent(id: string): Promise<void> {
    await this.store.complete(id, this.owner);
    this.sentNotRemoved.delete(id);
  }

  /** Removes messages sent by an earlier run whose removal failed (the store was unavailable). */
  private async settleSent(): Promise<void> {
    for (const id of [...this.sentNotRemoved]) await this.removeSent(id);
  }
}

/** A short, safe description of a send failure (never the message). */
function describe(error: unknown): string {
  if (typeof error !== 'object' || error === null) return 'unknown';
  const { code, responseCode } = error as { code?: unknown; responseCode?: unknown };
  if (typeof responseCode === 'number') return `smtp_${responseCode}`;
  if (typeof code === 'string') return code;
  return error instanceof Error ? error.name : 'unknown';
}
