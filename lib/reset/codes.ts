import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Random } from '../random.js';

/** A verification code of `digits` digits from the CSPRNG, leading zeros kept (SECURITY.md CG-1). */
export function generateCode(random: Random, digits: number): string {
  return String(random.int(10 ** digits)).padStart(digits, '0');
}

/**
 * The stored form of a code: an HMAC keyed by the configured secret over the
 * flow id and the code, so a code works only for its own flow and the store
 * never holds the code (CG-2, CG-3).
 */
export function codeDigest(secret: Buffer, flowId: string, code: string): string {
  return createHmac('sha256', secret).update(`reset-code\u0000${flowId}\u0000${code}`).digest('base64url');
}

// Compared against when a flow has no code (a decoy), so the work is the same.
const DECOY_DIGEST = Buffer.alloc(32);

/** Constant-time comparison of a typed code with the stored digest. A decoy (null) never matches. */
export function codeMatches(secret: Buffer, flowId: string, code: string, stored: string | null): boolean {
  const typed = Buffer.from(codeDigest(secret, flowId, code), 'base64url');
  const expected = stored === null ? DECOY_DIGEST : Buffer.from(stored, 'base64url');
  if (expected.length !== typed.length) return false;
  return timingSafeEqual(typed, expected) && stored !== null;
}

/** What the user typed, with spaces and dashes removed (they are ignored). */
export function normalizeCodeInput(code: string): string {
  return code.normalize('NFKC').replace(/[\s-]/g, '');
}

/** A keyed digest for values that must be compared but not stored in clear (addresses, session nonces). */
export function keyedDigest(secret: Buffer, purpose: string, value: string): string {
  return createHmac('sha256', secret).update(`${purpose}\u0000${value}`).digest('base64url');
}
