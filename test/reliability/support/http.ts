/**
 * A small HTTP client for the reliability suite: keep-alive connections to a
 * listening app (much cheaper than supertest's server per request), a
 * one-cookie jar per browser, raw bodies and headers, and raw sockets for
 * framing faults. Every session cookie and CSRF token it sees goes to the ledger.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import type { Express } from 'express';
import { ledger } from './ledger.js';

export interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  /** The parsed body when it is JSON, else undefined. */
  json: unknown;
  /** Milliseconds from sending to the end of the answer. */
  ms: number;
}

export interface Served {
  port: number;
  /** The listening server (to observe every request it answers). */
  server: http.Server;
  close(): Promise<void>;
}

const keepAlive = new http.Agent({ keepAlive: true, maxSockets: 128 });

/** Listens on a loopback port. */
export async function serve(app: Express): Promise<Served> {
  const server = http.createServer(app);
  // Longer than any pause in a run, so that a kept-alive connection is never closed under a request.
  server.keepAliveTimeout = 120_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface RequestSpec {
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** Use a fresh connection, closed afterwards (for requests that may spoil a connection). */
  fresh?: boolean;
  /** Send the body chunked (Transfer-Encoding: chunked) instead of with a Content-Length. */
  chunked?: boolean;
}

/** Sends one request and reads the whole answer. */
export function send(port: number, spec: RequestSpec): Promise<Reply> {
  const started = performance.now();
  return new Promise<Reply>((resolve, reject) => {
    const headers: Record<string, string> = { ...spec.headers };
    if (
      spec.body !== undefined &&
      !spec.chunked &&
      !Object.keys(headers).some((name) => name.toLowerCase() === 'content-length')
    ) {
      headers['Content-Length'] = String(Buffer.byteLength(spec.body));
    }
    if (spec.fresh) headers.Connection = 'close';
    const request = http.request(
      {
        host: '127.0.0.1',
        port,
        method: spec.method,
        path: spec.path,
        headers,
        agent: spec.fresh ? false : keepAlive,
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('error', reject);
        response.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: unknown;
          if (/application\/json/.test(String(response.headers['content-type']))) {
            try {
              json = JSON.parse(text);
            } catch {
              json = undefined;
            }
          }
          noteCookies(response.headers);
          resolve({
            status: response.statusCode ?? 0,
            headers: response.headers,
            text,
            json,
            ms: performance.now() - started,
          });
        });
      },
    );
    request.on('error', reject);
    if (spec.body !== undefined) request.write(spec.body);
    request.end();
  });
}

/**
 * Writes raw bytes on a new connection (the request should say
 * `Connection: close`) and reads until the server closes it. With `waitMs`,
 * the client ends its side after that long (for a Content-Length larger than
 * the body, which the server would wait for). Resolves with the status
 * line's code, or 0 when the server closed without answering.
 */
export function sendRaw(
  port: number,
  bytes: Buffer,
  waitMs: number | null = null,
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const nudge = waitMs === null ? undefined : setTimeout(() => socket.end(), waitMs);
    const fail = setTimeout(() => {
      socket.destroy();
      reject(new Error('raw request: the server neither answered nor closed'));
    }, 10_000);
    socket.on('connect', () => socket.write(bytes));
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', () => {
      // A reset after the answer is fine; the answer (if any) is what counts.
    });
    socket.on('close', () => {
      clearTimeout(nudge);
      clearTimeout(fail);
      const text = Buffer.concat(chunks).toString('latin1');
      const match = /^HTTP\/1\.[01] (\d{3})/.exec(text);
      resolve({ status: match ? Number(match[1]) : 0, text });
    });
  });
}

function noteCookies(headers: http.IncomingHttpHeaders): void {
  for (const cookie of headers['set-cookie'] ?? []) {
    const value = /^connect\.sid=([^;]*)/.exec(cookie)?.[1];
    if (value) noteSessionCookie(value);
  }
}

/** Notes a connect.sid value, its decoded form and the session id inside it. */
export function noteSessionCookie(value: string): void {
  ledger.note('session id', value);
  const decoded = decodeURIComponent(value);
  ledger.note('session id', decoded);
  const sid = /^s:(.+)\.[^.]+$/.exec(decoded)?.[1];
  ledger.note('session id', sid);
}

/**
 * A browser: one session cookie, the session's CSRF token, JSON and form
 * requests. `port` may be changed to talk to another app instance that
 * shares the session store.
 */
export class Browser {
  cookie = '';
  csrfToken = '';

  constructor(public port: number) {}

  /** Opens a session and fetches its CSRF token. */
  async open(): Promise<this> {
    const reply = await this.request({
      method: 'GET',
      path: '/auth/csrf',
      headers: { Accept: 'application/json' },
    });
    if (reply.status !== 200) throw new Error(`GET /auth/csrf answered ${reply.status}`);
    this.csrfToken = (reply.json as { csrfToken: string }).csrfToken;
    ledger.note('csrf token', this.csrfToken);
    return this;
  }

  /** Refetches the CSRF token (after a sign-in, which makes a new session). */
  async refreshCsrf(): Promise<void> {
    await this.open();
  }

  async request(spec: RequestSpec): Promise<Reply> {
    const headers: Record<string, string> = { ...spec.headers };
    if (this.cookie && !Object.keys(headers).some((name) => name.toLowerCase() === 'cookie')) {
      headers.Cookie = `connect.sid=${this.cookie}`;
    }
    const reply = await send(this.port, { ...spec, headers });
    for (const cookie of reply.headers['set-cookie'] ?? []) {
      const match = /^connect\.sid=([^;]*)/.exec(cookie);
      if (!match) continue;
      this.cookie = /expires=Thu, 01 Jan 1970/i.test(cookie) ? '' : (match[1] ?? '');
    }
    return reply;
  }

  /** A JSON request with the CSRF header. */
  json(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Reply> {
    return this.request({
      method,
      path,
      headers: {
        Accept: 'application/json',
        ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
        'x-csrf-token': this.csrfToken,
        ...headers,
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  }

  post(path: string, body: unknown): Promise<Reply> {
    return this.json('POST', path, body);
  }

  get(path: string): Promise<Reply> {
    return this.request({ method: 'GET', path, headers: { Accept: 'application/json' } });
  }
}

/** The `{"error": {"code", "message"}}` shape, or a description of what is wrong with it. */
export function errorShapeProblem(reply: Reply): string | null {
  const body = reply.json as { error?: { code?: unknown; message?: unknown } } | undefined;
  if (!body || typeof body !== 'object') return `not JSON: ${reply.text.slice(0, 120)}`;
  if (!body.error || typeof body.error !== 'object') return 'no error object';
  if (typeof body.error.code !== 'string' || !/^[a-z_]+$/.test(body.error.code)) return 'no error code';
  if (typeof body.error.message !== 'string' || body.error.message.length === 0) return 'no error message';
  return null;
}
