import { randomFillSync, randomInt } from 'node:crypto';

/** The source of randomness. Tests may pass their own; production uses the CSPRNG. */
export interface Random {
  /** `length` random bytes. */
  bytes(length: number): Buffer;
  /** A uniformly random integer in [0, max). */
  int(max: number): number;
}

// Each crypto.randomBytes call costs several microseconds however few bytes
// it returns, and a reset request needs a handful of ids. As Node's own
// crypto.randomUUID does, small requests are served from a pool that is filled
// from the CSPRNG 4 kB at a time; every byte is handed out once, then zeroed.
const POOL_BYTES = 4096;
const POOLED_MAX = 256;
const pool = Buffer.alloc(POOL_BYTES);
let poolOffset = POOL_BYTES;

function pooledRandomBytes(length: number): Buffer {
  if (length > POOLED_MAX) return randomFillSync(Buffer.alloc(length));
  if (poolOffset + length > POOL_BYTES) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const bytes = Buffer.from(pool.subarray(poolOffset, poolOffset + length));
  pool.fill(0, poolOffset, poolOffset + length);
  poolOffset += length;
  return bytes;
}

/** The operating system's CSPRNG (`crypto.randomFillSync`, `crypto.randomInt`); never `Math.random`. */
export const cryptoRandom: Random = {
  bytes: (length) => pooledRandomBytes(length),
  int: (max) => randomInt(max),
};

/** A URL-safe random id of `bytes` random bytes (default 18 bytes = 144 bits). */
export function randomId(random: Random, bytes = 18): string {
  return random.bytes(bytes).toString('base64url');
}
