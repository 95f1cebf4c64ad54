/**
 * The CLI's contact with the outside world, passed in so that tests can run
 * commands in-process.
 *
 * @module
 */

/** What {@link runCli} reads from and writes to. */
export interface CliIo {
  /** Writes text to standard output. The CLI passes whole lines, each ending in `\n`. */
  stdout: (text: string) => void;
  /** Writes text to standard error. The CLI passes whole lines, each ending in `\n`. */
  stderr: (text: string) => void;
  /** The environment (`MONGODB_URI`, `MONGODB_DB`, `SSPR_PASSWORD`). */
  env: Record<string, string | undefined>;
  /**
   * Reads standard input. Called only for `--password-stdin`; the CLI uses the
   * first line of what it returns. The real one stops at the first line break.
   */
  readStdin: () => Promise<string>;
}

/** Most of standard input read while looking for the first line (a password is far shorter). */
const MAX_STDIN_CHARS = 64 * 1024;

/**
 * Reads `stream` up to and including its first line break, or to its end,
 * or up to {@link MAX_STDIN_CHARS} characters, then stops reading and
 * destroys the stream, so that the process can exit while the writer still
 * holds the pipe open.
 */
export function readFirstLine(stream: NodeJS.ReadableStream): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const cleanup = () => {
      stream.off('data', onData);
      stream.off('end', onEnd);
      stream.off('error', onError);
      stream.pause();
      // A paused pipe still holds the event loop open until the writer closes it.
      if ('destroy' in stream && typeof stream.destroy === 'function') stream.destroy();
    };
    const onData = (chunk: string | Buffer) => {
      text += typeof chunk === 'string' ? chunk : chunk.toString('utf8');
      const newline = text.indexOf('\n');
      if (newline !== -1 || text.length >= MAX_STDIN_CHARS) {
        cleanup();
        resolve(newline === -1 ? text : text.slice(0, newline + 1));
      }
    };
    const onEnd = () => {
      cleanup();
      resolve(text);
    };
    const onError = (error: unknown) => {
      cleanup();
      reject(error);
    };
    stream.setEncoding('utf8');
    stream.on('data', onData);
    stream.on('end', onEnd);
    stream.on('error', onError);
    stream.resume();
  });
}

let pipeGuard = false;

/** A closed pipe (`express-sspr audit | head`) must not crash the process with a stack trace. */
function guardPipes(): void {
  if (pipeGuard) return;
  pipeGuard = true;
  const ignore = () => {};
  process.stdout.on('error', ignore);
  process.stderr.on('error', ignore);
}

/** The process's own streams and environment. */
export const realIo: CliIo = {
  stdout: (text) => {
    guardPipes();
    process.stdout.write(text);
  },
  stderr: (text) => {
    guardPipes();
    process.stderr.write(text);
  },
  env: process.env,
  readStdin: () => readFirstLine(process.stdin),
};
