/** Values a log line may carry. Never a password, code, hash, session id or token. */
export type LogFields = Record<string, string | number | boolean | null | undefined>;

/** Where express-sspr writes operational log lines. */
export interface Logger {
  /** Something worth knowing happened (a mail was sent). */
  info(event: string, fields?: LogFields): void;
  /** Something went wrong and was handled (a retry). */
  warn(event: string, fields?: LogFields): void;
  /** Something failed (a request answered 5xx, a mail given up). */
  error(event: string, fields?: LogFields): void;
}

// C0 and C1 controls, DEL, and the Unicode line/paragraph separators.
const CONTROL_CHARACTERS = /[\p{Cc}\u2028\u2029]/gu;

/**
 * Neutralises control characters in text that came from a request, so that a
 * log line cannot be split or forged (SECURITY.md LO-3): each becomes `\uXXXX`.
 */
export function neutralize(text: string, maxLength = 200): string {
  const clipped = text.length > maxLength ? `${text.slice(0, maxLength)}…` : text;
  return clipped.replace(
    CONTROL_CHARACTERS,
    (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

function clean(fields: LogFields | undefined): Record<string, string | number | boolean | null> {
  const out: Record<string, string | number | boolean | null> = {};
  for (const [key, value] of Object.entries(fields ?? {})) {
    if (value === undefined) continue;
    out[neutralize(key, 64)] = typeof value === 'string' ? neutralize(value) : value;
  }
  return out;
}

/** One JSON object a line on stdout (info) or stderr (warn, error). */
export function jsonLogger(
  write: (line: string, level: 'info' | 'warn' | 'error') => void = defaultWrite,
): Logger {
  const log = (level: 'info' | 'warn' | 'error') => (event: string, fields?: LogFields) =>
    write(
      JSON.stringify({
        time: new Date().toISOString(),
        level,
        event: neutralize(event, 80),
        ...clean(fields),
      }),
      level,
    );
  return { info: log('info'), warn: log('warn'), error: log('error') };
}

function defaultWrite(line: string, level: 'info' | 'warn' | 'error'): void {
  if (level === 'info') process.stdout.write(`${line}\n`);
  else process.stderr.write(`${line}\n`);
}

/** A logger that drops everything. */
export const silentLogger: Logger = { info() {}, warn() {}, error() {} };
