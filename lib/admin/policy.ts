import { isValidLabel } from '../accounts/normalize.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { Clock } from '../clock.js';
import { SsprError } from '../errors.js';
import type { ResetScopeReader } from '../reset/scope.js';
import type { PasswordResetPolicy, PolicyStore, ResetScope } from '../store/types.js';

/** What an administrator sets. */
export interface PolicyInput {
  enabled: ResetScope;
  /** Required and non-empty for `selected`. */
  groups?: string[];
}

const SCOPES: readonly ResetScope[] = ['none', 'selected', 'all'];

/**
 * Validates a policy change from any source (HTTP, CLI, code): `enabled` is
 * one of none/selected/all; `groups` a list of plain group names, required
 * and non-empty for `selected`. Errors are `invalid_request` naming the field.
 */
export function parsePolicyInput(input: unknown): { enabled: ResetScope; groups: string[] } {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new SsprError('invalid_request', 'The policy must be an object with enabled and groups.');
  }
  const { enabled, groups } = input as Record<string, unknown>;
  if (typeof enabled !== 'string' || !SCOPES.includes(enabled as ResetScope)) {
    throw new SsprError('invalid_request', 'enabled must be one of none, selected, all.', {
      details: { field: 'enabled' },
    });
  }
  let list: string[] = [];
  if (groups !== undefined && groups !== null) {
    if (!Array.isArray(groups) || groups.length > 100) {
      throw new SsprError('invalid_request', 'groups must be a list of at most 100 group names.', {
        details: { field: 'groups' },
      });
    }
    for (const group of groups) {
      if (!isValidLabel(group)) {
        throw new SsprError(
          'invalid_request',
          'Each group must be a name of 1-64 letters, digits, spaces or . _ : @ -',
          {
            details: { field: 'groups' },
          },
        );
      }
    }
    list = [...new Set(groups as string[])];
  }
  if (enabled === 'selected' && list.length === 0) {
    throw new SsprError('invalid_request', 'groups must name at least one group when enabled is selected.', {
      details: { field: 'groups' },
    });
  }
  return { enabled: enabled as ResetScope, groups: enabled === 'selected' ? list : [] };
}

/** The password reset policy for administrators (`idp.policy`): read, change with audit. */
export class PolicyAdmin {
  constructor(
    private readonly store: PolicyStore,
    private readonly deps: { audit: AuditLog; clock: Clock; scope?: ResetScopeReader },
  ) {}

  /** The policy as stored now (no cache). */
  get(): Promise<PasswordResetPolicy> {
    return this.store.getPasswordResetPolicy();
  }

  /**
   * Changes the policy, records who and when, and writes one `policy.changed`
   * audit event with the old and new values. Takes effect on every app
   * instance within the policy cache time (2 s).
   */
  async set(input: PolicyInput, change: { actor: string; ip?: string | null }): Promise<PasswordResetPolicy> {
    const policy = parsePolicyInput(input);
    if (typeof change?.actor !== 'string' || change.actor.length === 0) {
      throw new SsprError('invalid_request', 'actor is required.', { details: { field: 'actor' } });
    }
    const { previous, current } = await this.store.setPasswordResetPolicy(policy, {
      actor: change.actor,
      now: this.deps.clock.now(),
    });
    this.deps.scope?.invalidate();
    await this.deps.audit.record('policy.changed', {
      actor: change.actor,
      ip: change.ip ?? null,
      data: {
        oldEnabled: previous.enabled,
        oldGroups: previous.groups,
        newEnabled: current.enabled,
        newGroups: current.groups,
      },
    });
    return current;
  }
}
