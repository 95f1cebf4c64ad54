/** Names and constants every bench process agrees on. */
import { randomBytes } from 'node:crypto';

/** The password of every benchmark account (passes the default `nist` policy). */
export const BENCH_PASSWORD = 'pale-Orbit-7-quartz-Lantern';

/** The account the sign-in rows sign in to (created through `idp.users.create`, so a real hash). */
export const SIGNIN_EMAIL = 'signin@bench.example.com';

/** A secret of the required length; the bench never keeps anything. */
export const BENCH_SECRET = randomBytes(32).toString('base64url');

/** Group whose members may reset under the `selected` policy (row 5). */
export const RESET_GROUP = 'sspr';

/** Seeded account number `i` (eligible under `all`, and under `selected` as a member of {@link RESET_GROUP}). */
export function accountEmail(i: number): string {
  return `user${i}@bench.example.com`;
}

/** Seeded account number `i` outside {@link RESET_GROUP}: ineligible under `selected`. */
export function outsiderEmail(i: number): string {
  return `outsider${i}@bench.example.com`;
}

/** An address no account has (a unique one per `i`). */
export function unknownEmail(i: number): string {
  return `nobody${i}@bench.example.com`;
}

/** A per-IP limit high enough never to trip during a run (the bench comes from one loopback address). */
export const UNLIMITED = { max: 1_000_000_000, windowMs: 60_000 } as const;
