/**
 * What every reliability section leaves behind for the final secrets check
 * (zz-secrets.test.ts): the log lines and audit events of every app the run
 * built, and every secret the run used (passwords, codes, password hashes,
 * session ids, CSRF tokens). Sections add to it as they go.
 */
import type { AuditEvent, Store } from '../../../lib/store/types.js';
import type { CapturingLogger } from '../../support/app.js';
import type { SmtpCapture } from '../../support/smtp.js';

export type SecretKind = 'password' | 'code' | 'hash' | 'session id' | 'csrf token';

class Ledger {
  private readonly loggers = new Set<CapturingLogger>();
  private readonly harvested = new WeakSet<Store>();
  /** Audit events, one JSON line each. */
  readonly audit: string[] = [];
  readonly secrets = new Map<SecretKind, Set<string>>();
  /** The summary line each section printed, in order. */
  readonly summaries: string[] = [];

  trackLogger(logger: CapturingLogger): void {
    this.loggers.add(logger);
  }

  logLines(): string[] {
    return [...this.loggers].flatMap((logger) => logger.lines);
  }

  note(kind: SecretKind, value: string | null | undefined): void {
    if (!value) return;
    let set = this.secrets.get(kind);
    if (!set) {
      set = new Set();
      this.secrets.set(kind, set);
    }
    set.add(value);
  }

  /** Copies a store's audit events (call before the store goes away). */
  async harvestAudit(store: Store): Promise<void> {
    if (this.harvested.has(store)) return;
    this.harvested.add(store);
    const events: AuditEvent[] = await store.audit.query({ limit: 10_000_000 });
    for (const event of events) this.audit.push(JSON.stringify(event));
  }

  /** Notes every code in the mail a capture received (they must never reach a log). */
  harvestMail(smtp: SmtpCapture): void {
    for (const message of smtp.messages) {
      for (const match of message.text.matchAll(/:\s*(\d{6})\b/g)) this.note('code', match[1]);
    }
  }

  /** Prints a section's one summary line and keeps it. */
  summary(line: string): void {
    this.summaries.push(line);
    console.log(`      ${line}`);
  }
}

export const ledger = new Ledger();
