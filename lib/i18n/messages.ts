import type { PasswordProblemCode } from '../accounts/password-policy.js';
import type { SsprError } from '../errors.js';
import { type Catalogue, en, format, type MessageKey, placeholders } from './en.js';
import { es } from './es.js';

/** The catalogues express-sspr ships, by language tag: English (the reference) and Spanish. */
export const SHIPPED_CATALOGUES: Readonly<Record<string, Catalogue>> = Object.freeze({ en, es });

/** Every message key, in the reference (English) order. */
export const MESSAGE_KEYS: readonly MessageKey[] = Object.freeze(Object.keys(en) as MessageKey[]);

/** Host-supplied catalogues: a complete one for a new language, or some strings of a shipped one. */
export type MessageOverrides = Record<string, Partial<Catalogue>>;

/** The numbers the `password.*` messages mention. */
export interface PasswordRuleValues {
  /** Fewest characters (`{min}`). */
  min: number;
  /** Most characters (`{max}`). */
  max: number;
  /** Character classes required (`{classes}`). */
  classes: number;
}

/** A BCP 47 language tag as catalogues are named: `en`, `es`, `pt-BR`. */
const LANGUAGE_TAG = /^[a-z]{2,3}(-[a-z0-9]{2,8})*$/i;

/** Placeholders every page and mail message may use besides its own. */
const ALWAYS_AVAILABLE = new Set(['companyName']);

function fail(option: string, expectation: string): never {
  throw new TypeError(`createIdentity: options.${option} ${expectation}`);
}

/**
 * Merges host catalogues and overrides over the shipped ones. A new language
 * must be complete (a `TypeError` lists the missing keys); a shipped one may
 * be overridden in part. Unknown keys, non-string messages and placeholders
 * the English message does not have are refused, so a typo fails at start-up.
 */
export function buildCatalogues(overrides?: unknown, option = 'messages'): Record<string, Catalogue> {
  const catalogues: Record<string, Catalogue> = { ...SHIPPED_CATALOGUES };
  if (overrides === undefined) return catalogues;
  if (typeof overrides !== 'object' || overrides === null || Array.isArray(overrides)) {
    fail(option, 'must be an object of catalogues by language tag, e.g. { es: { ... } }');
  }
  for (const [tag, partial] of Object.entries(overrides)) {
    if (!LANGUAGE_TAG.test(tag)) fail(`${option}.${tag}`, 'is not a language tag such as "es" or "pt-BR"');
    if (typeof partial !== 'object' || partial === null || Array.isArray(partial)) {
      fail(`${option}.${tag}`, 'must be an object of messages by key');
    }
    const entries = Object.entries(partial as Record<string, unknown>);
    for (const [key, message] of entries) {
      if (!Object.hasOwn(en, key)) fail(`${option}.${tag}`, `has an unknown key: ${key}`);
      if (typeof message !== 'string' || message === '') {
        fail(`${option}.${tag}['${key}']`, 'must be a non-empty string');
      }
      const allowed = placeholders(en[key as MessageKey]);
      const unknown = [...placeholders(message)].filter(
        (name) => !allowed.has(name) && !ALWAYS_AVAILABLE.has(name),
      );
      if (unknown.length > 0) {
        fail(
          `${option}.${tag}['${key}']`,
          `uses placeholders the message does not have: ${unknown.map((name) => `{${name}}`).join(', ')}`,
        );
      }
    }
    const existing = Object.keys(catalogues).find((name) => name.toLowerCase() === tag.toLowerCase());
    if (existing) {
      catalogues[existing] = { ...(catalogues[existing] as Catalogue), ...(partial as Partial<Catalogue>) };
      continue;
    }
    const missing = MESSAGE_KEYS.filter((key) => !Object.hasOwn(partial, key));
    if (missing.length > 0) {
      fail(`${option}.${tag}`, `is a new language and must be complete; missing keys: ${missing.join(', ')}`);
    }
    catalogues[tag] = { ...(partial as Catalogue) };
  }
  return catalogues;
}

/** Recognises a message some code produced in one of the catalogues, to say it in another language. */
interface Recognised {
  key: MessageKey;
  values: Record<string, string>;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * The languages in force and their messages: picks a catalogue for a
 * language tag, and says errors and password rules in a language.
 */
export class Messages {
  /** The language tags with a catalogue, the default first. */
  readonly languages: readonly string[];
  private readonly exact = new Map<string, MessageKey>();
  private readonly patterns: Array<{ pattern: RegExp; names: string[]; key: MessageKey }> = [];

  /**
   * @param catalogues - complete catalogues by language tag (see {@link buildCatalogues}).
   * @param defaultLanguage - the language when nothing better matches; must have a catalogue.
   */
  constructor(
    private readonly catalogues: Readonly<Record<string, Catalogue>>,
    readonly defaultLanguage: string,
  ) {
    if (!Object.hasOwn(catalogues, defaultLanguage)) {
      throw new TypeError(`Messages: no catalogue for the default language ${defaultLanguage}`);
    }
    this.languages = [defaultLanguage, ...Object.keys(catalogues).filter((tag) => tag !== defaultLanguage)];
    // Error messages are thrown as text (in English, or in a catalogue's words);
    // knowing every catalogue's error texts lets them be said in any language.
    for (const catalogue of [en, ...Object.values(catalogues)]) {
      for (const key of MESSAGE_KEYS) {
        if (!key.startsWith('error.')) continue;
        const template = catalogue[key];
        const names = [...template.matchAll(/\{(\w+)\}/g)].map((match) => match[1] ?? '');
        if (names.length === 0) {
          if (!this.exact.has(template)) this.exact.set(template, key);
          continue;
        }
        const source = template
          .split(/\{\w+\}/)
          .map(escapeRegExp)
          .join('(.+?)');
        this.patterns.push({ pattern: new RegExp(`^${source}$`, 's'), names, key });
      }
    }
  }

  /**
   * The catalogue tag that best serves a language tag: the same tag, then one
   * with the same primary language (`es-MX` → `es`, `pt` → `pt-BR`), then the
   * default language.
   */
  resolve(tag: string | null | undefined): string {
    if (typeof tag !== 'string' || tag === '') return this.defaultLanguage;
    const wanted = tag.toLowerCase();
    const primary = wanted.split('-')[0];
    const match =
      this.languages.find((name) => name.toLowerCase() === wanted) ??
      this.languages.find((name) => name.toLowerCase() === primary) ??
      this.languages.find((name) => name.toLowerCase().split('-')[0] === primary);
    return match ?? this.defaultLanguage;
  }

  /** The catalogue of a language (resolved with {@link Messages.resolve}). */
  catalogue(tag: string | null | undefined): Catalogue {
    return this.catalogues[this.resolve(tag)] as Catalogue;
  }

  /**
   * An error's message in a language. A message from a catalogue is said in
   * the language's words (a wrong code with `attemptsLeft` says how many
   * tries are left); any other message stays as it is in English and becomes
   * the code's generic `error.<code>` message in other languages.
   */
  errorMessage(error: SsprError, tag: string): string {
    const messages = this.catalogue(tag);
    const recognised = this.recognise(error.message);
    const attemptsLeft = error.details.attemptsLeft;
    if (
      error.code === 'invalid_code' &&
      typeof attemptsLeft === 'number' &&
      (recognised === null || recognised.key === 'error.invalid_code')
    ) {
      return format(messages['error.attemptsLeft'], { count: attemptsLeft });
    }
    if (recognised) return format(messages[recognised.key], recognised.values);
    if (this.resolve(tag).toLowerCase().split('-')[0] === 'en') return error.message;
    return messages[`error.${error.code}`];
  }

  /** A password rule's message (`password.<code>`) in a language, or null for an unknown code. */
  passwordReason(code: string, tag: string, rules: PasswordRuleValues): string | null {
    const key = `password.${code}`;
    if (!Object.hasOwn(en, key)) return null;
    return format(this.catalogue(tag)[key as `password.${PasswordProblemCode}`], { ...rules });
  }

  private recognise(text: string): Recognised | null {
    const key = this.exact.get(text);
    if (key) return { key, values: {} };
    for (const { pattern, names, key: patternKey } of this.patterns) {
      const match = pattern.exec(text);
      if (!match) continue;
      const values: Record<string, string> = {};
      names.forEach((name, index) => {
        values[name] = match[index + 1] ?? '';
      });
      return { key: patternKey, values };
    }
    return null;
  }
}
