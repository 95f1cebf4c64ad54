import { randomBytes, randomInt } from 'node:crypto';

/** The source of randomness. Tests may pass their own; production uses the CSPRNG. */
export interface Random {
  /** `length` random bytes. */
  bytes(length: number): Buffer;
  /** A uniformly random integer in [0, max). */
  int(max: number): number;
}

/** The operating system's CSPRNG (`crypto.randomBytes`, `crypto.randomInt`); never `Math.random`. */
export const cryptoRandom: Random = {
  bytes: (length) => randomBytes(length),
  int: (max) => randomInt(max),
};

/** A URL-safe random id of `bytes` random bytes (default 18 bytes = 144 bits). */
export function randomId(random: Random, bytes = 18): string {
  return random.bytes(bytes).toString('base64url');
}
