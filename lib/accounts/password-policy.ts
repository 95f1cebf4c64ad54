/**
 * Password policy: the rules a new password must meet, following NIST
 * SP 800-63B §3.1.1.2 and OWASP ASVS 5 (V6.2).
 *
 * - The password is normalised to Unicode NFKC before every check, and its
 *   length is counted in Unicode code points after NFKC (so an emoji counts
 *   as one character, and fullwidth `ｐａｓｓｗｏｒｄ` is `password`).
 * - By default (preset `'nist'`): 8 to 128 code points, no composition rules,
 *   common passwords and context-derived passwords are rejected.
 * - Preset `'azure-b2c-strong'` mirrors Azure AD B2C's "strong" policy:
 *   8 to 64 code points and at least 3 of the 4 character classes, plus the
 *   common and context checks.
 *
 * {@link PasswordPolicy.check} returns every problem that applies rather than
 * throwing, so a form can show them all at once; the caller decides whether to
 * turn them into an `SsprError('weak_password')`.
 *
 * @module
 */

// Common-password list: the `passwords-common` dictionary of
// `@zxcvbn-ts/language-common` (MIT licence, https://github.com/zxcvbn-ts/zxcvbn),
// about 49,000 lower-case entries in order of frequency.
import { dictionary } from '@zxcvbn-ts/language-common';

/** A stable, machine-readable reason why a password is not acceptable. */
export type PasswordProblemCode =
  | 'not_a_string'
  | 'too_short'
  | 'too_long'
  | 'common'
  | 'contains_context'
  | 'too_few_classes'
  | 'control_characters';

/**
 * Every {@link PasswordProblemCode}, in the order in which
 * {@link PasswordPolicy.check} reports them. Exported so that translations can
 * be checked for completeness.
 */
export const PASSWORD_PROBLEM_CODES: readonly PasswordProblemCode[] = Object.freeze([
  'not_a_string',
  'too_short',
  'too_long',
  'common',
  'contains_context',
  'too_few_classes',
  'control_characters',
] as const);

/** One reason a password was rejected: a stable `code` and an English `message` (safe to show). */
export interface PasswordProblem {
  code: PasswordProblemCode;
  message: string;
}

/** Options of a {@link PasswordPolicy}. Every option is optional; the defaults are the `'nist'` preset. */
export interface PasswordPolicyOptions {
  /** Fewest code points (after NFKC) allowed. Integer >= 1. Default `8`. */
  minLength?: number;
  /** Most code points (after NFKC) allowed. Integer from `minLength` to 1024. Default `128`. */
  maxLength?: number;
  /**
   * How many of the four character classes (lower-case letter, upper-case
   * letter, digit, symbol) must appear. Integer from 0 to 4. Default `0`: no
   * composition rules, as NIST SP 800-63B recommends.
   */
  minCharacterClasses?: number;
  /** Reject passwords found in the common-password list. Default `true`. */
  rejectCommon?: boolean;
  /** Reject passwords that contain the account's email, username, names or service words. Default `true`. */
  rejectContext?: boolean;
}

/**
 * A named set of options. `'nist'` (the default) is 8–128 code points with no
 * composition rules; `'azure-b2c-strong'` is 8–64 code points with at least 3
 * of 4 character classes. Both reject common and context-derived passwords.
 */
export type PasswordPolicyPreset = 'nist' | 'azure-b2c-strong';

/**
 * What is known about the account, used to reject passwords derived from it.
 * Every field is optional; `null`, empty and very short (< 3 code points)
 * values are ignored.
 */
export interface PasswordContext {
  /** The account's email address; the whole address and its local part are checked. */
  email?: string | null;
  /** The sign-in name. */
  username?: string | null;
  /** The display name; each of its words of 4 or more code points is checked. */
  displayName?: string | null;
  /** The company or tenant name, as a whole. */
  companyName?: string | null;
  /** Service-derived words (product name, site name, ...), each checked as a whole. */
  extraWords?: readonly string[];
}

/** The result of {@link PasswordPolicy.check}. */
export interface PasswordCheck {
  /** `true` when `problems` is empty. */
  ok: boolean;
  /**
   * The NFKC form of the password: the value to hash and store. Empty when the
   * input is not a string or is too long (it is then not normalised at all).
   */
  normalized: string;
  /** Every problem that applies, in {@link PASSWORD_PROBLEM_CODES} order; empty when `ok`. */
  problems: PasswordProblem[];
}

/** The hard upper limit for `maxLength`, so that hashing cost stays bounded. */
const MAX_MAX_LENGTH = 1024;

/**
 * A string of UTF-16 length L normalises (NFKC) to at least L / 8 code points,
 * so a string longer than `8 * maxLength` UTF-16 units is certainly too long
 * and need not be normalised. Why 8:
 *
 * - NFKC never deletes a code point; it only expands (compatibility
 *   decomposition, up to 18 code points for U+FDFA) or composes.
 * - Composition merges at most 4 decomposed code points into one (the longest
 *   full canonical decomposition is 4 code points, e.g. U+1F82), and each of
 *   those came from a code point of at most 2 UTF-16 units.
 *
 * So each output code point accounts for at most 4 × 2 = 8 input units. The
 * worst case in Unicode 17 is 6 (U+16126 from three supplementary code
 * points), which is why a factor of 4 would wrongly reject some valid input.
 * A string at or under the bound is at most 8 × 1024 units, which normalises
 * in well under a millisecond.
 */
const UTF16_UNITS_PER_CODE_POINT_BOUND = 8;

/** C0 and C1 control characters (U+0000–U+001F, U+007F–U+009F), and lone surrogates (not valid text). */
const FORBIDDEN_CHARACTER = /[\p{Cc}\p{Cs}]/u;

/** Trailing characters that are neither letters nor combining marks: digits, punctuation, symbols, spaces. */
const TRAILING_NON_LETTERS = /[^\p{L}\p{M}]+$/u;

/** Separators between the words of a display name. */
const WORD_SEPARATOR = /[^\p{L}\p{M}\p{N}]+/u;

/** Shortest stem (after stripping trailing digits and symbols) that is looked up in the common list. */
const MIN_COMMON_STEM_LENGTH = 4;
/** Shortest context string that is checked. */
const MIN_CONTEXT_LENGTH = 3;
/** Shortest display-name word that is checked. */
const MIN_DISPLAY_NAME_WORD_LENGTH = 4;

let commonPasswords: Set<string> | undefined;

/** The common-password set, built on first use and then cached for the life of the process. */
function commonPasswordSet(): Set<string> {
  if (commonPasswords === undefined) {
    const set = new Set<string>();
    for (const entry of dictionary['passwords-common']) set.add(entry.normalize('NFKC').toLowerCase());
    commonPasswords = set;
  }
  return commonPasswords;
}

/**
 * How many distinct entries the common-password list holds (about 49,000).
 * Builds the list on first call.
 */
export function COMMON_PASSWORD_COUNT(): number {
  return commonPasswordSet().size;
}

/** The number of Unicode code points in `text` (a lone surrogate counts as one). */
function codePointLength(text: string): number {
  let count = 0;
  for (const _ of text) count++;
  return count;
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

/** Lower-cases an already NFKC-normalised string for case-insensitive comparison. */
function fold(normalized: string): string {
  return normalized.toLowerCase();
}

/** NFKC, trim and lower-case a context value; `undefined` when it is not a non-empty string. */
function contextTerm(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const term = fold(value.normalize('NFKC').trim());
  return term === '' ? undefined : term;
}

/** The lower-cased context strings a password must not contain. */
function contextTerms(context: PasswordContext): string[] {
  const terms: string[] = [];
  const email = contextTerm(context.email);
  if (email !== undefined) {
    terms.push(email);
    const at = email.lastIndexOf('@');
    if (at > 0) {
      const local = email.slice(0, at);
      terms.push(local);
      // Sub-address: "jane.doe+shop@example.com" → also "jane.doe".
      const plus = local.indexOf('+');
      if (plus > 0) terms.push(local.slice(0, plus));
    }
  }
  for (const value of [context.username, context.companyName]) {
    const term = contextTerm(value);
    if (term !== undefined) terms.push(term);
  }
  const displayName = contextTerm(context.displayName);
  if (displayName !== undefined) {
    for (const word of displayName.split(WORD_SEPARATOR)) {
      if (codePointLength(word) >= MIN_DISPLAY_NAME_WORD_LENGTH) terms.push(word);
    }
  }
  if (Array.isArray(context.extraWords)) {
    for (const value of context.extraWords) {
      const term = contextTerm(value);
      if (term !== undefined) terms.push(term);
    }
  }
  return terms.filter((term) => codePointLength(term) >= MIN_CONTEXT_LENGTH);
}

/** How many of the four classes (lower, upper, digit, other non-space) `normalized` uses. */
function characterClasses(normalized: string): number {
  let classes = 0;
  if (/\p{Ll}/u.test(normalized)) classes++;
  if (/\p{Lu}/u.test(normalized)) classes++;
  if (/\p{Nd}/u.test(normalized)) classes++;
  if (/[^\p{Ll}\p{Lu}\p{Nd}\s]/u.test(normalized)) classes++;
  return classes;
}

function isCommon(folded: string): boolean {
  const set = commonPasswordSet();
  if (set.has(folded)) return true;
  const stem = folded.replace(TRAILING_NON_LETTERS, '');
  return stem !== folded && codePointLength(stem) >= MIN_COMMON_STEM_LENGTH && set.has(stem);
}

const OPTION_NAMES: ReadonlySet<string> = new Set([
  'minLength',
  'maxLength',
  'minCharacterClasses',
  'rejectCommon',
  'rejectContext',
]);

function isIntegerIn(value: unknown, min: number, max: number): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max;
}

/** Validates options merged over the defaults; throws a TypeError naming the first bad option. */
function resolveOptions(options: PasswordPolicyOptions | PasswordPolicyPreset | undefined) {
  if (options === undefined) return PasswordPolicy.presets.nist;
  if (typeof options === 'string') {
    if (!Object.hasOwn(PasswordPolicy.presets, options)) {
      throw new TypeError(
        `passwordPolicy preset must be one of ${Object.keys(PasswordPolicy.presets)
          .map((name) => `'${name}'`)
          .join(', ')}; got ${JSON.stringify(options)}.`,
      );
    }
    return PasswordPolicy.presets[options];
  }
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new TypeError('passwordPolicy must be an options object or a preset name.');
  }
  for (const key of Object.keys(options)) {
    if (!OPTION_NAMES.has(key)) throw new TypeError(`passwordPolicy.${key} is not a known option.`);
  }
  const resolved: Required<PasswordPolicyOptions> = { ...PasswordPolicy.presets.nist };
  for (const [key, value] of Object.entries(options)) {
    if (value !== undefined) Object.assign(resolved, { [key]: value });
  }
  if (!isIntegerIn(resolved.minLength, 1, MAX_MAX_LENGTH)) {
    throw new TypeError(
      `passwordPolicy.minLength must be an integer from 1 to ${MAX_MAX_LENGTH}; got ${String(resolved.minLength)}.`,
    );
  }
  if (!isIntegerIn(resolved.maxLength, resolved.minLength, MAX_MAX_LENGTH)) {
    throw new TypeError(
      `passwordPolicy.maxLength must be an integer from minLength (${resolved.minLength}) to ${MAX_MAX_LENGTH}; got ${String(resolved.maxLength)}.`,
    );
  }
  if (!isIntegerIn(resolved.minCharacterClasses, 0, 4)) {
    throw new TypeError(
      `passwordPolicy.minCharacterClasses must be an integer from 0 to 4; got ${String(resolved.minCharacterClasses)}.`,
    );
  }
  for (const key of ['rejectCommon', 'rejectContext'] as const) {
    if (typeof resolved[key] !== 'boolean') {
      throw new TypeError(`passwordPolicy.${key} must be true or false; got ${String(resolved[key])}.`);
    }
  }
  return resolved;
}

/**
 * A validated password policy. Construct it once at start-up (bad options
 * throw there) and call {@link PasswordPolicy.check} for every new password.
 *
 * @example
 * ```ts
 * const policy = new PasswordPolicy();                    // 'nist': 8–128, no composition rules
 * const strong = new PasswordPolicy('azure-b2c-strong');  // 8–64, 3 of 4 classes
 * const result = policy.check(body.password, { email: account.email });
 * if (!result.ok) throw new SsprError('weak_password', undefined, {
 *   details: { reasons: result.problems.map((p) => p.code) },
 * });
 * await hash(result.normalized);
 * ```
 */
export class PasswordPolicy {
  /**
   * The presets, frozen. `nist`: `{ minLength: 8, maxLength: 128, minCharacterClasses: 0,
   * rejectCommon: true, rejectContext: true }`; `azure-b2c-strong`: `{ minLength: 8,
   * maxLength: 64, minCharacterClasses: 3, rejectCommon: true, rejectContext: true }`.
   */
  static readonly presets: Readonly<Record<PasswordPolicyPreset, Required<PasswordPolicyOptions>>> =
    Object.freeze({
      nist: Object.freeze({
        minLength: 8,
        maxLength: 128,
        minCharacterClasses: 0,
        rejectCommon: true,
        rejectContext: true,
      }),
      'azure-b2c-strong': Object.freeze({
        minLength: 8,
        maxLength: 64,
        minCharacterClasses: 3,
        rejectCommon: true,
        rejectContext: true,
      }),
    });

  /** Fewest code points allowed after NFKC (default 8). */
  readonly minLength: number;
  /** Most code points allowed after NFKC (default 128). */
  readonly maxLength: number;
  /** Character classes required, 0 to 4 (default 0). */
  readonly minCharacterClasses: number;
  /** Whether common passwords are rejected (default true). */
  readonly rejectCommon: boolean;
  /** Whether context-derived passwords are rejected (default true). */
  readonly rejectContext: boolean;

  /**
   * @param options - a preset name, or options merged over the `'nist'`
   *   preset. Default: the `'nist'` preset.
   * @throws TypeError naming the bad option (for example
   *   `"passwordPolicy.maxLength must be an integer from minLength (8) to 1024; got 4."`),
   *   for an unknown preset name, or for an unknown option key.
   */
  constructor(options?: PasswordPolicyOptions | PasswordPolicyPreset) {
    const resolved = resolveOptions(options);
    this.minLength = resolved.minLength;
    this.maxLength = resolved.maxLength;
    this.minCharacterClasses = resolved.minCharacterClasses;
    this.rejectCommon = resolved.rejectCommon;
    this.rejectContext = resolved.rejectContext;
  }

  /** The Unicode NFKC form of `password`: the form that is checked, hashed and compared. */
  normalize(password: string): string {
    return password.normalize('NFKC');
  }

  /**
   * Cheap check to run before hashing (for example at sign-in, so an attacker
   * cannot make the server hash megabytes): `true` when `password` is not a
   * string or is longer than `maxLength` code points after NFKC.
   *
   * A string longer than `8 × maxLength` UTF-16 units is reported as too long
   * without being normalised, because NFKC cannot shrink text by more than a
   * factor of 8 (see the bound's comment in the source; the worst real case is
   * 6). Shorter strings are normalised, since NFKC can also expand them (one
   * code point can become 18). So this is exact, and a 1 MB string costs one
   * `.length` read.
   */
  exceedsMaximum(password: unknown): boolean {
    return this.normalizeWithinMaximum(password) === undefined;
  }

  /**
   * Checks `password` against the policy and returns every problem that
   * applies, each with a stable code and an English message:
   *
   * - `not_a_string` (alone) when the input is not a string, for example an
   *   operator object such as `{"$ne": null}` from a JSON body;
   * - `too_long` (alone) when {@link PasswordPolicy.exceedsMaximum} is true, so
   *   no expensive check runs on oversized input;
   * - otherwise any of `too_short`, `common` (the lower-cased password, or it
   *   without trailing digits and symbols when that stem has 4 or more code
   *   points, is in the common list), `contains_context` (it contains, ignoring
   *   case, a context string of 3 or more code points),
   *   `too_few_classes` and `control_characters` (C0/C1 controls, including tab
   *   and line breaks, or lone surrogates).
   *
   * @param context - what is known about the account; default none.
   */
  check(password: unknown, context: PasswordContext = {}): PasswordCheck {
    if (typeof password !== 'string') {
      return { ok: false, normalized: '', problems: [this.problem('not_a_string')] };
    }
    const normalized = this.normalizeWithinMaximum(password);
    if (normalized === undefined) {
      return { ok: false, normalized: '', problems: [this.problem('too_long')] };
    }
    const found = new Set<PasswordProblemCode>();
    if (codePointLength(normalized) < this.minLength) found.add('too_short');
    const folded = fold(normalized);
    if (this.rejectCommon && isCommon(folded)) found.add('common');
    if (
      this.rejectContext &&
      typeof context === 'object' &&
      context !== null &&
      contextTerms(context).some((term) => folded.includes(term))
    ) {
      found.add('contains_context');
    }
    if (this.minCharacterClasses > 0 && characterClasses(normalized) < this.minCharacterClasses) {
      found.add('too_few_classes');
    }
    if (FORBIDDEN_CHARACTER.test(normalized)) found.add('control_characters');
    const problems = PASSWORD_PROBLEM_CODES.filter((code) => found.has(code)).map((code) =>
      this.problem(code),
    );
    return { ok: problems.length === 0, normalized, problems };
  }

  /** The NFKC form of `password`, or `undefined` when it is not a string or is over `maxLength`. */
  private normalizeWithinMaximum(password: unknown): string | undefined {
    if (typeof password !== 'string') return undefined;
    if (password.length > this.maxLength * UTF16_UNITS_PER_CODE_POINT_BOUND) return undefined;
    const normalized = this.normalize(password);
    return codePointLength(normalized) > this.maxLength ? undefined : normalized;
  }

  private problem(code: PasswordProblemCode): PasswordProblem {
    return { code, message: this.message(code) };
  }

  private message(code: PasswordProblemCode): string {
    switch (code) {
      case 'not_a_string':
        return 'The password must be text.';
      case 'too_short':
        return `Use at least ${plural(this.minLength, 'character')}.`;
      case 'too_long':
        return `Use no more than ${plural(this.maxLength, 'character')}.`;
      case 'common':
        return 'This password is too common. Choose one that is harder to guess.';
      case 'contains_context':
        return 'Your password must not contain your name, email address, username or the name of this service.';
      case 'too_few_classes':
        return `Use at least ${this.minCharacterClasses} of these: lower-case letters, upper-case letters, digits and symbols.`;
      case 'control_characters':
        return 'Your password must not contain control characters such as tabs or line breaks.';
    }
  }
}
