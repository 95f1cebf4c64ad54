import argon2 from 'argon2';

/** Hashes and verifies passwords. The default adapter is {@link argon2Hasher}. */
export interface PasswordHasher {
  /** A PHC string of the password's hash. */
  hash(password: string): Promise<string>;
  /** False for a wrong password or a hash it cannot read; never throws for those. */
  verify(hash: string, password: string): Promise<boolean>;
  /** Whether a stored hash is weaker than the current parameters and should be replaced. */
  needsRehash(hash: string): boolean;
}

/** argon2id cost parameters. */
export interface Argon2Parameters {
  /** Memory in KiB. Default: 19456 (19 MiB, OWASP). */
  memoryCost?: number;
  /** Iterations. Default: 2. */
  timeCost?: number;
  /** Lanes. Default: 1. */
  parallelism?: number;
}

/** OWASP Password Storage Cheat Sheet's argon2id minimum. */
export const DEFAULT_ARGON2_PARAMETERS: Required<Argon2Parameters> = {
  memoryCost: 19456,
  timeCost: 2,
  parallelism: 1,
};

/** The `argon2` package (argon2id) as a {@link PasswordHasher}. */
export function argon2Hasher(parameters: Argon2Parameters = {}): PasswordHasher {
  const resolved = { ...DEFAULT_ARGON2_PARAMETERS, ...parameters };
  for (const [name, value] of Object.entries(resolved)) {
    if (!Number.isSafeInteger(value) || value < 1) {
      throw new TypeError(`argon2Hasher: ${name} must be a positive integer`);
    }
  }
  if (resolved.memoryCost < 8 * resolved.parallelism) {
    throw new TypeError('argon2Hasher: memoryCost must be at least 8 KiB per lane');
  }
  const options = { type: argon2.argon2id as 2, ...resolved };
  return {
    hash: (password) => argon2.hash(password, options),
    async verify(hash, password) {
      try {
        return await argon2.verify(hash, password);
      } catch {
        return false;
      }
    },
    needsRehash(hash) {
      try {
        if (!hash.startsWith('$argon2id$')) return true;
        return argon2.needsRehash(hash, resolved);
      } catch {
        return true;
      }
    },
  };
}
