/**
 * Load generation with autocannon's programmatic API, from the parent
 * process, over loopback. A sign-in connection keeps its session cookie and
 * fetches a CSRF token from `GET /auth/csrf` when it has none; after a
 * successful sign-in it takes the regenerated session's cookie and the new
 * token from the answer, so each further sign-in is one request.
 */
import { request as httpRequest } from 'node:http';
import autocannon from 'autocannon';
import { quantile, round } from './stats.js';

export interface LoadSummary {
  /** Responses by status code. */
  statuses: Record<string, number>;
  /** Responses of the route under test (sign-ins or resets) with the expected success status. */
  successes: number;
  /** Successes per second over the run. */
  perSecond: number;
  durationSeconds: number;
  latencyMs: { p50: number; p99: number; max: number };
  errors: number;
  timeouts: number;
  /** 503 answers that came without a Retry-After header. */
  unavailableWithoutRetryAfter: number;
  /** The longest any answered request took, in ms (pauses left out); sign-in loads only. */
  longestAnsweredMs?: number;
  /**
   * The longest a request still unanswered when the run stopped had waited, in ms; sign-in
   * loads only. Without it a request that waited the whole run would go unnoticed.
   */
  longestUnansweredMs?: number;
  /** Latency by request and status (e.g. `signin 503`), in ms; sign-in loads only. */
  latencyByAnswer?: Record<string, { count: number; p50: number; max: number }>;
}

type Headers = Record<string, string>;

function run(options: autocannon.Options): { result: Promise<autocannon.Result>; stop: () => void } {
  let instance: autocannon.Instance | null = null;
  const result = new Promise<autocannon.Result>((resolve, reject) => {
    instance = autocannon(options, (error: unknown, value) => (error ? reject(error) : resolve(value)));
  });
  return { result, stop: () => instance?.stop() };
}

function headerValue(headers: Record<string, unknown> | undefined, name: string): string[] {
  const values: string[] = [];
  for (const [key, value] of Object.entries(headers ?? {})) {
    if (key.toLowerCase() !== name) continue;
    if (Array.isArray(value)) values.push(...value.map(String));
    else if (value !== undefined) values.push(String(value));
  }
  return values;
}

/** `name=value` of the `connect.sid` cookie a response sets, or null. */
function sessionCookieOf(headers: Record<string, unknown> | undefined): string | null {
  for (const cookie of headerValue(headers, 'set-cookie')) {
    const match = /^(connect\.sid=[^;]+)/.exec(cookie);
    if (match?.[1]) return match[1];
  }
  return null;
}

function summarize(result: autocannon.Result, statuses: Record<string, number>, successes: number) {
  return {
    statuses,
    successes,
    perSecond: successes / result.duration,
    durationSeconds: result.duration,
    latencyMs: { p50: result.latency.p50, p99: result.latency.p99, max: result.latency.max },
    errors: result.errors,
    timeouts: result.timeouts,
  };
}

export interface SignInLoad {
  url: string;
  path: string;
  /** Whether the app wants a CSRF token (express-sspr) or not (the tutorial app). */
  csrf: boolean;
  email: string;
  password: string;
  connections: number;
  durationSeconds: number;
  /** Seconds before autocannon gives up on one response. Default: 30. */
  timeoutSeconds?: number;
  /**
   * After a 503, wait the `Retry-After` seconds before trying again, as a well-behaved client
   * does (default: retry at once). autocannon cannot leave a connection idle, so the wait is a
   * `GET /bench/pause?ms=…` that the app answers after a timer; it counts nowhere.
   */
  honourRetryAfter?: boolean;
}

/** Signs in over and over on every connection; a success is a 200 from the sign-in route. */
export function signInLoad(load: SignInLoad): { result: Promise<LoadSummary>; stop: () => void } {
  const statuses: Record<string, number> = {};
  let successes = 0;
  let unavailableWithoutRetryAfter = 0;
  const body = JSON.stringify({ email: load.email, password: load.password });

  const latencies: Record<string, number[]> = {};
  const states: Array<{ waitingSince: number | null }> = [];
  const setupClient = (client: autocannon.Client) => {
    const state = {
      cookie: '',
      token: '',
      sent: 'signin' as 'csrf' | 'signin' | 'pause',
      pauseMs: 0,
      /** When the request in flight was set up (it is written at once), unless it is a pause. */
      waitingSince: null as number | null,
    };
    states.push(state);
    // Emitted after onResponse and before the next request is set up: `state.sent` is still this one's.
    client.on('response', (status: number, _bytes: number, responseTime: number) => {
      state.waitingSince = null;
      const key = `${state.sent} ${status}`;
      latencies[key] ??= [];
      latencies[key].push(responseTime);
    });
    client.setRequests([
      {
        setupRequest(request) {
          const cookie: Headers = state.cookie ? { cookie: state.cookie } : {};
          if (state.pauseMs > 0) {
            state.sent = 'pause';
            state.waitingSince = null;
            const path = `/bench/pause?ms=${state.pauseMs}`;
            state.pauseMs = 0;
            return { ...request, method: 'GET', path, headers: {}, body: Buffer.alloc(0) };
          }
          state.waitingSince = performance.now();
          if (load.csrf && !state.token) {
            state.sent = 'csrf';
            return {
              ...request,
              method: 'GET',
              path: '/auth/csrf',
              headers: { accept: 'application/json', ...cookie },
              body: Buffer.alloc(0),
            };
          }
          state.sent = 'signin';
          return {
            ...request,
            method: 'POST',
            path: load.path,
            headers: {
              'content-type': 'application/json',
              accept: 'application/json',
              ...cookie,
              ...(load.csrf ? { 'x-csrf-token': state.token } : {}),
            },
            body,
          };
        },
        onResponse(status, responseBody, _context, headers) {
          if (state.sent === 'pause') return;
          const cookie = sessionCookieOf(headers);
          if (cookie) state.cookie = cookie;
          if (state.sent === 'csrf') {
            if (status === 200) state.token = (JSON.parse(responseBody) as { csrfToken: string }).csrfToken;
            else statuses[`csrf ${status}`] = (statuses[`csrf ${status}`] ?? 0) + 1;
            return;
          }
          statuses[status] = (statuses[status] ?? 0) + 1;
          if (status === 200) {
            successes += 1;
            // The sign-in regenerated the session (new cookie above) and answered
            // its new CSRF token: the next sign-in on this connection uses both,
            // so the route is measured without an extra GET /auth/csrf.
            const token = load.csrf
              ? (JSON.parse(responseBody) as { csrfToken?: string }).csrfToken
              : undefined;
            if (token) state.token = token;
            else {
              state.cookie = '';
              state.token = '';
            }
          } else if (status === 503) {
            const retryAfter = headerValue(headers, 'retry-after')[0];
            if (retryAfter === undefined) unavailableWithoutRetryAfter += 1;
            if (load.honourRetryAfter) state.pauseMs = Math.max(1, Number(retryAfter ?? '1') || 1) * 1000;
          } else {
            state.token = '';
          }
        },
      },
    ]);
  };

  const { result, stop } = run({
    url: load.url,
    connections: load.connections,
    duration: load.durationSeconds,
    timeout: load.timeoutSeconds ?? 30,
    setupClient,
  });

  return {
    result: result.then((value) => {
      const stoppedAt = performance.now();
      return {
        ...summarize(value, statuses, successes),
        unavailableWithoutRetryAfter,
        longestAnsweredMs: round(
          Math.max(
            0,
            ...Object.entries(latencies)
              .filter(([key]) => !key.startsWith('pause'))
              .map(([, list]) => Math.max(...list)),
          ),
          1,
        ),
        longestUnansweredMs: round(
          Math.max(0, ...states.map((s) => (s.waitingSince === null ? 0 : stoppedAt - s.waitingSince))),
          1,
        ),
        latencyByAnswer: Object.fromEntries(
          Object.entries(latencies).map(([key, list]) => [
            key,
            { count: list.length, p50: round(quantile(list, 0.5), 1), max: round(Math.max(...list), 1) },
          ]),
        ),
      };
    }),
    stop,
  };
}

/** A session with its CSRF token, as a browser would hold it. */
export interface BrowserSession {
  cookie: string;
  token: string;
}

/** Starts a session on the server: `GET /auth/csrf`, keeping the cookie and the token. */
export function openSession(url: string): Promise<BrowserSession> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${url}/auth/csrf`, { headers: { accept: 'application/json' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const cookie = sessionCookieOf(res.headers as Record<string, unknown>);
        if (res.statusCode !== 200 || !cookie) {
          reject(new Error(`GET /auth/csrf answered ${res.statusCode}`));
          return;
        }
        const { csrfToken } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { csrfToken: string };
        resolve({ cookie, token: csrfToken });
      });
    });
    req.on('error', reject);
    req.end();
  });
}

export interface ResetLoad {
  url: string;
  /** One session per connection, opened beforehand. */
  sessions: BrowserSession[];
  /** The address of the n-th request (n counts over every connection). */
  email: (n: number) => string;
  durationSeconds: number;
}

/** `POST /auth/reset` over and over, each with the next address; a success is a 202. */
export async function resetLoad(load: ResetLoad): Promise<LoadSummary> {
  const statuses: Record<string, number> = {};
  let successes = 0;
  let n = 0;
  let connection = 0;

  const setupClient = (client: autocannon.Client) => {
    const session = load.sessions[connection++ % load.sessions.length] as BrowserSession;
    const headers: Headers = {
      'content-type': 'application/json',
      accept: 'application/json',
      cookie: session.cookie,
      'x-csrf-token': session.token,
    };
    client.setRequests([
      {
        method: 'POST',
        path: '/auth/reset',
        headers,
        setupRequest: (request) => ({ ...request, body: JSON.stringify({ email: load.email(n++) }) }),
        onResponse(status) {
          statuses[status] = (statuses[status] ?? 0) + 1;
          if (status === 202) successes += 1;
        },
      },
    ]);
  };

  const result = await run({
    url: load.url,
    connections: load.sessions.length,
    duration: load.durationSeconds,
    setupClient,
  }).result;
  return { ...summarize(result, statuses, successes), unavailableWithoutRetryAfter: 0 };
}

export interface ProbeLoad {
  url: string;
  path: string;
  durationSeconds: number;
  /** Requests per second, in all. */
  rate: number;
}

/** A light, steady probe (one connection at a fixed rate), for the latency others see under load. */
export async function probeLoad(load: ProbeLoad): Promise<LoadSummary> {
  const statuses: Record<string, number> = {};
  let successes = 0;
  const result = await run({
    url: `${load.url}${load.path}`,
    connections: 1,
    overallRate: load.rate,
    duration: load.durationSeconds,
    setupClient(client) {
      client.on('response', (status: number) => {
        statuses[status] = (statuses[status] ?? 0) + 1;
        if (status === 200) successes += 1;
      });
    },
  }).result;
  return { ...summarize(result, statuses, successes), unavailableWithoutRetryAfter: 0 };
}
