import type { PasswordResetPolicy, UserStore } from '../store/types.js';

/** Who a policy covers, as Entra ID's registration and reset reports count it. */
export interface EligibilityReport {
  policy: { enabled: PasswordResetPolicy['enabled']; groups: string[] };
  /** Every account. */
  total: number;
  /** Accounts the current policy lets reset. */
  covered: number;
  /** Accounts it does not. */
  notCovered: number;
  /** Accounts with no email address (never covered: the code goes by email). */
  withoutEmail: number;
  /** For each group the policy selects: its members, and those with an email address. */
  groups: Array<{ group: string; members: number; covered: number }>;
  /** How many accounts each choice would cover. */
  byChoice: { none: number; selected: number; all: number };
}

/** Counts accounts for the eligibility report and the blade. */
export async function eligibilityReport(
  users: UserStore,
  policy: PasswordResetPolicy,
): Promise<EligibilityReport> {
  const groups = policy.groups;
  const [total, withEmail, selected, perGroup] = await Promise.all([
    users.count(),
    users.count({ hasEmail: true }),
    groups.length === 0 ? Promise.resolve(0) : users.count({ hasEmail: true, inAnyGroup: groups }),
    Promise.all(
      groups.map(async (group) => ({
        group,
        members: await users.count({ inAnyGroup: [group] }),
        covered: await users.count({ hasEmail: true, inAnyGroup: [group] }),
      })),
    ),
  ]);
  const byChoice = { none: 0, selected, all: withEmail };
  const covered = byChoice[policy.enabled];
  return {
    policy: { enabled: policy.enabled, groups: [...groups] },
    total,
    covered,
    notCovered: total - covered,
    withoutEmail: total - withEmail,
    groups: perGroup,
    byChoice,
  };
}
