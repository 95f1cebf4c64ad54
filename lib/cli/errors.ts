/**
 * The two ways a CLI command stops early. Each carries the exit status it
 * maps to; `runCli` prints the message after `express-sspr: ` on stderr.
 *
 * @module
 */

/** The command line cannot be acted on (exit status 2): unknown command or option, missing or bad argument. */
export class UsageError extends Error {
  /**
   * @param message - what is wrong, in one line.
   * @param commandName - the command or command group whose usage to show (for example
   *   `users create` or `users`), or null for the top-level usage.
   * @param showUsage - false when the usage would not help (for example `MONGODB_URI` is not set).
   */
  constructor(
    message: string,
    readonly commandName: string | null = null,
    readonly showUsage = true,
  ) {
    super(message);
    this.name = 'UsageError';
  }
}

/** The command was understood but could not be carried out (exit status 1). */
export class CliFailure extends Error {
  /** @param lines - one or more lines to print on stderr, each after `express-sspr: `. */
  constructor(readonly lines: string[]) {
    super(lines.join(' '));
    this.name = 'CliFailure';
  }
}
