/**
 * Command-line parsing shared by the commands: `node:util` `parseArgs` in
 * strict mode, with its errors turned into {@link UsageError}s.
 *
 * @module
 */
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { UsageError } from './errors.js';

/** Whether `args` ask for help (`-h` or `--help` before any `--`). */
export function wantsHelp(args: readonly string[]): boolean {
  for (const arg of args) {
    if (arg === '--') return false;
    if (arg === '-h' || arg === '--help') return true;
  }
  return false;
}

/** The `options` of a `parseArgs` configuration. */
export type OptionsConfig = NonNullable<ParseArgsConfig['options']>;

/** The value of one parsed option. */
type OptionValue<O> = O extends { type: 'string'; multiple: true }
  ? string[]
  : O extends { type: 'string' }
    ? string
    : O extends { type: 'boolean'; multiple: true }
      ? boolean[]
      : boolean;

/** What {@link parseCommand} returns: the options given, and the positional arguments. */
export interface ParsedCommand<T extends OptionsConfig> {
  values: { [K in keyof T]?: OptionValue<T[K]> };
  positionals: string[];
}

function isParseArgsError(error: unknown): error is Error & { code: string } {
  return (
    error instanceof Error &&
    'code' in error &&
    typeof error.code === 'string' &&
    error.code.startsWith('ERR_PARSE_ARGS_')
  );
}

/** Node's message, first sentence only, without its advice about `--`. */
function parseArgsMessage(error: Error & { code: string }): string {
  const sentence = error.message.split(/\.\s/)[0] ?? error.message;
  const text = sentence.replace(/\.$/, '');
  return text.charAt(0).toLowerCase() + text.slice(1);
}

/**
 * Parses a command's arguments strictly (unknown options and option values
 * that look like options are usage errors) and checks the number of
 * positional arguments.
 *
 * @param command - the command's name, for the usage shown with an error.
 * @param args - the arguments after the command's name.
 * @param options - the command's options (`--help` is handled before this).
 * @param positionals - how many positional arguments are allowed, and what they are called.
 */
export function parseCommand<const T extends OptionsConfig>(
  command: string,
  args: string[],
  options: T,
  positionals: { min: number; max: number; names?: string },
): ParsedCommand<T> {
  let parsed: ParsedCommand<T>;
  try {
    const result = parseArgs({ args, options, strict: true, allowPositionals: true });
    parsed = { values: result.values as ParsedCommand<T>['values'], positionals: result.positionals };
  } catch (error) {
    if (isParseArgsError(error)) throw new UsageError(parseArgsMessage(error), command);
    throw error;
  }
  const count = parsed.positionals.length;
  if (count < positionals.min) {
    throw new UsageError(`missing ${positionals.names ?? 'argument'}`, command);
  }
  if (count > positionals.max) {
    const extra = parsed.positionals[positionals.max] ?? '';
    throw new UsageError(`unexpected argument ${JSON.stringify(extra)}`, command);
  }
  return parsed;
}

/**
 * Reads a `--limit`-style value: a whole number from 1 to `max`, or
 * `fallback` when not given.
 */
export function parseLimit(
  command: string,
  value: string | undefined,
  fallback: number,
  max: number,
): number {
  if (value === undefined) return fallback;
  if (!/^\d{1,7}$/.test(value) || Number(value) < 1 || Number(value) > max) {
    throw new UsageError(`--limit must be a whole number from 1 to ${max}`, command);
  }
  return Number(value);
}

/** A string option that, when given, must not be empty. */
export function nonEmpty(command: string, flag: string, value: string | undefined): string | undefined {
  if (value !== undefined && value.trim() === '') throw new UsageError(`${flag} must not be empty`, command);
  return value;
}

/**
 * Reads an ISO 8601 date or date-time (`2025-01-31`, `2025-01-31T12:00:00Z`);
 * a date without a time means midnight UTC.
 */
export function parseIsoDate(command: string, flag: string, value: string | undefined): Date | undefined {
  if (value === undefined) return undefined;
  const iso = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/i;
  const date = new Date(value);
  if (!iso.test(value) || Number.isNaN(date.getTime())) {
    throw new UsageError(
      `${flag} must be an ISO 8601 date such as 2025-01-31 or 2025-01-31T12:00:00Z`,
      command,
    );
  }
  return date;
}
