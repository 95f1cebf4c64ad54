import { type Algorithm, hash, parseOptions, verify } from '@node-rs/argon2';
import { type Argon2Parameters, DEFAULT_ARGON2_PARAMETERS, type PasswordHasher } from './hasher.js';

// `Algorithm.Argon2id` and `Version.V0x13` of @node-rs/argon2; its enums are
// `const enum`s, which cannot be read under `isolatedModules`.
const ARGON2ID = 2 as Algorithm;
const ARGON2_VERSION_0X13 = 1;

/**
 * The `@node-rs/argon2` package (argon2id, Rust, prebuilt for every
 * platform, no node-gyp) as a {@link PasswordHasher}: an alternative to the
 * default `argon2Hasher` with the same parameters and the same PHC
 * strings, so either one verifies what the other hashed and an app can switch
 * in both directions without a rehash. On the benchmark machine it verified
 * about 1.5 times as many passwords per second as `argon2` at the default
 * parameters (bench/README.md, row 8).
 *
 * `argon2` stays the default; `@node-rs/argon2` must be installed to use
 * this one, which is passed as the `hasher` option:
 *
 * ```ts
 * const idp = await createIdentity({ store, secret, hasher: nodeRsArgon2Hasher() });
 * ```
 *
 * @param parameters argon2id cost; defaults as `argon2Hasher`: m=19456 KiB, t=2, p=1.
 * @throws TypeError when a parameter is not a positive integer, or memory is under 8 KiB per lane.
 */
export function nodeRsArgon2Hasher(parameters: Argon2Parameters = {}): PasswordHasher {
  const resolved = { ...DEFAULT_ARGON2_PARAMETERS, ...parameters };
  for (const [name, value] of Object.entries(resolved)) {
    if (!Number.isSafeInteger(value) || value < 1) {
      throw new TypeError(`nodeRsArgon2Hasher: ${name} must be a positive integer`);
    }
  }
  if (resolved.memoryCost < 8 * resolved.parallelism) {
    throw new TypeError('nodeRsArgon2Hasher: memoryCost must be at least 8 KiB per lane');
  }
  const options = { algorithm: ARGON2ID, ...resolved };
  return {
    hash: (password) => hash(password, options),
    async verify(stored, password) {
      try {
        // The PHC string carries algorithm, version and cost; nothing else is passed.
        return await verify(stored, password);
      } catch {
        return false;
      }
    },
    needsRehash(stored) {
      try {
        if (!stored.startsWith('$argon2id$')) return true;
        const current = parseOptions(stored);
        // As argon2's needsRehash: any difference from the current parameters.
        return (
          (current.version as number) !== ARGON2_VERSION_0X13 ||
          current.memoryCost !== resolved.memoryCost ||
          current.timeCost !== resolved.timeCost ||
          current.parallelism !== resolved.parallelism
        );
      } catch {
        return true;
      }
    },
  };
}
