/**
 * Hostile input: generated bodies for every POST and PUT route, in JSON and
 * in form encoding (see support/hostile.ts for what is generated). Every
 * answer is a 4xx, or a 2xx/3xx where the input happens to be valid for the
 * route (listed per route below), never a 5xx and never a crash; JSON
 * requests get the `{"error": {"code", "message"}}` format; the store does
 * not change beyond the legitimate effects of a request (audit events,
 * rate-limit counters, sign-in lockouts, wrong-code counts on the decoy flow,
 * decoy flows for valid unknown addresses, policy changes for valid policies);
 * and nothing pollutes a prototype.
 *
 * Which answers below 400 are legitimate, per route:
 * - POST /auth/signin: none (no generated body holds valid credentials).
 * - POST /auth/signout: 204 (JSON) and 303 (form): it ignores its body. Each
 *   case gets a new session, since a successful sign-out destroys it.
 * - POST /auth/reset: 202 and 303 for a valid address; the policy is `all`,
 *   and generated addresses belong to nobody, so each makes a decoy flow.
 * - POST /auth/reset/resend, /verify, /password: none (the only real flow
 *   is a decoy whose resend time never comes and that never verifies).
 * - POST /auth/reset/change: 204 and 303: it only forgets the session's flow.
 * - PUT and POST /auth/admin/password-reset (signed-in admin): 200 and 303
 *   for a valid policy, which then changes the policy.
 * A 2xx or 3xx without the CSRF token would be a failure on every route.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ERROR_CATALOGUE } from '../../lib/errors.js';
import type { Store } from '../../lib/store/types.js';
import { backends } from '../support/backends.js';
import { ManualClock } from '../support/clock.js';
import { encodedBody, type HostileCase, hostileCase } from './support/hostile.js';
import { type Browser, type Reply, send, sendRaw } from './support/http.js';
import { adminBrowser } from './support/journeys.js';
import { ledger } from './support/ledger.js';
import {
  type CallCounts,
  countingStore,
  createUser,
  OPEN_RATE_LIMITS,
  type RunningApp,
  sectionStore,
  startApp,
  stopApp,
} from './support/world.js';

interface Route {
  method: 'POST' | 'PUT';
  path: string;
  /** The body fields the handler reads. */
  fields: string[];
  /** Whose session sends the request. */
  who: 'anonymous' | 'admin' | 'fresh';
  /** Answers below 400 that a valid body may earn. */
  ok: number[];
}

const ROUTES: Route[] = [
  {
    method: 'POST',
    path: '/auth/signin',
    fields: ['email', 'password', 'returnTo'],
    who: 'anonymous',
    ok: [],
  },
  { method: 'POST', path: '/auth/signout', fields: [], who: 'fresh', ok: [204, 303] },
  { method: 'POST', path: '/auth/reset', fields: ['email'], who: 'anonymous', ok: [202, 303] },
  { method: 'POST', path: '/auth/reset/resend', fields: ['flowId'], who: 'anonymous', ok: [] },
  { method: 'POST', path: '/auth/reset/verify', fields: ['flowId', 'code'], who: 'anonymous', ok: [] },
  {
    method: 'POST',
    path: '/auth/reset/password',
    fields: ['flowId', 'password', 'confirmPassword'],
    who: 'anonymous',
    ok: [],
  },
  { method: 'POST', path: '/auth/reset/change', fields: [], who: 'anonymous', ok: [204, 303] },
  {
    method: 'PUT',
    path: '/auth/admin/password-reset',
    fields: ['enabled', 'groups'],
    who: 'admin',
    ok: [200],
  },
  {
    method: 'POST',
    path: '/auth/admin/password-reset',
    fields: ['enabled', 'groups'],
    who: 'admin',
    ok: [200, 303],
  },
];

/** Bodies per route and encoding: 1,000 each on the memory store, 500 each through the MongoDB adapter. */
const RUNS: Record<string, number> = {
  memory: Number(process.env.SSPR_HOSTILE_RUNS ?? 1000),
  mongodb: Number(process.env.SSPR_HOSTILE_RUNS ?? 1000) / 2,
};
const BATCH = 20;
const CLIENT_ERRORS = new Set([400, 401, 403, 404, 410, 413, 415, 429]);
const LEAK =
  /\bat [\w.<>$]+ \(|node_modules|Mongo\w*Error|ECONN|EPIPE|SyntaxError|TypeError|RangeError|stack/;

/** Store calls a hostile request may never cause. */
const FORBIDDEN_CALLS = [
  'users.create',
  'users.changePassword',
  'users.upgradePasswordHash',
  'users.addGroup',
  'users.removeGroup',
  'users.setRoles',
  'resetFlows.transition',
  'resetFlows.replaceCode',
  'resetFlows.cancelOpenFlows',
  'outbox.enqueue',
  'outbox.claim',
  'counters.reset',
  'lockouts.clear',
];

const ADMIN = {
  email: 'admin@hostile-input.example',
  password: 'quiet lantern harbor 41',
  roles: ['admin'],
};
const ALICE = { email: 'alice@hostile-input.example', password: 'velvet compass meadow 72' };
const FLOW_PLACEHOLDER = '@@FLOW@@';

/** Every own key of the built-in prototypes, to see that nothing was added or replaced. */
function prototypeFingerprint(): string {
  const prototypes = [
    Object.prototype,
    Array.prototype,
    Function.prototype,
    String.prototype,
    Number.prototype,
  ];
  return prototypes
    .map((proto) =>
      Reflect.ownKeys(proto)
        .map((key) => {
          const descriptor = Object.getOwnPropertyDescriptor(proto, key);
          return `${String(key)}:${typeof descriptor?.value}:${descriptor?.enumerable}`;
        })
        .sort()
        .join(','),
    )
    .join('|');
}

function assertNoPollution(fingerprint: string): void {
  const probe = {} as Record<string, unknown>;
  for (const key of ['polluted', 'isAdmin', 'roles', 'email', 'enabled']) {
    assert.equal(probe[key], undefined, `Object.prototype.${key} is set`);
    assert.equal(([] as unknown as Record<string, unknown>)[key], undefined, `Array.prototype.${key} is set`);
  }
  for (const key in probe) assert.fail(`enumerable key ${key} on Object.prototype`);
  assert.equal(prototypeFingerprint(), fingerprint, 'a built-in prototype changed');
}

const summary = {
  bodies: 0,
  raw: 0,
  fiveHundreds: 0,
  byStore: new Map<string, { flows: number; policies: number }>(),
};

describe('reliability: hostile input', () => {
  const fingerprint = prototypeFingerprint();

  after(() => {
    assertNoPollution(fingerprint);
    const perStore = [...summary.byStore]
      .map(
        ([name, s]) =>
          `${name}: ${s.flows} valid addresses made decoy flows, ${s.policies} valid policies saved`,
      )
      .join('; ');
    ledger.summary(
      `hostile input: ${summary.bodies.toLocaleString('en')} generated bodies (per route and encoding: ` +
        `${RUNS.memory} on the memory store, ${RUNS.mongodb} through the MongoDB adapter; ` +
        `${summary.raw} of them raw with wrong framing, content type or encoding) to ${ROUTES.length} routes on ` +
        `${summary.byStore.size} stores: ${summary.fiveHundreds} 5xx, 0 crashes, 0 store changes beyond legitimate effects ` +
        `(${perStore}), 0 prototype pollution`,
    );
  });

  for (const backend of backends) {
    describe(`${backend.name} store`, () => {
      let clock: ManualClock;
      let inner: Store;
      let release: () => Promise<void>;
      let store: Store;
      let calls: CallCounts;
      let app: RunningApp;
      let anonymous: Browser;
      let admin: Browser;
      let decoyFlowId: string;
      const totals = { flows: 0, policies: 0 };
      summary.byStore.set(backend.name, totals);

      before(async () => {
        clock = new ManualClock();
        ({ store: inner, release } = await sectionStore(backend, clock));
        ({ store, calls } = countingStore(inner));
        app = await startApp({ store, clock, identity: OPEN_RATE_LIMITS });
        await createUser(app, ADMIN);
        await createUser(app, ALICE);
        await app.idp.policy.set({ enabled: 'all' }, { actor: 'admin' });
        admin = await adminBrowser(app.port, ADMIN.email, ADMIN.password);
        anonymous = await app.browser();
        const started = await anonymous.post('/auth/reset', { email: 'nobody@hostile-input.example' });
        assert.equal(started.status, 202);
        decoyFlowId = (started.json as { flowId: string }).flowId;
      });

      after(async () => {
        await ledger.harvestAudit(inner);
        await stopApp(app);
        await release();
      });

      async function snapshot() {
        const users = await inner.users.list({ limit: 1000 });
        const policy = await inner.policy.getPasswordResetPolicy();
        return { users: JSON.stringify(users), policy: JSON.stringify(policy) };
      }

      function contentTypeOf(c: HostileCase): string | null {
        if (c.framing.kind === 'content-type') return c.framing.contentType;
        return c.encoding === 'json' ? 'application/json' : 'application/x-www-form-urlencoded';
      }

      /** Sends one case over a keep-alive connection, or raw bytes for framing faults. */
      async function sendCase(
        route: Route,
        c: HostileCase,
      ): Promise<Reply | { status: number; text: string; raw: true }> {
        const session =
          route.who === 'admin' ? admin : route.who === 'fresh' ? await app.browser() : anonymous;
        const body = Buffer.from(
          c.body.toString('latin1').replaceAll(FLOW_PLACEHOLDER, decoyFlowId),
          'latin1',
        );
        const headers: Record<string, string> = {
          Accept: c.encoding === 'json' ? 'application/json' : 'text/html',
          Cookie: `connect.sid=${session.cookie}`,
        };
        if (c.csrf === 'header') headers['x-csrf-token'] = session.csrfToken;
        const contentType = contentTypeOf(c);
        if (contentType !== null) headers['Content-Type'] = contentType;
        if (c.framing.kind === 'content-length') {
          summary.raw += 1;
          const lengths: Record<typeof c.framing.variant, string> = {
            smaller: `Content-Length: ${Math.floor(body.length / 2)}\r\n`,
            larger: `Content-Length: ${body.length + 10}\r\n`,
            'not-a-number': 'Content-Length: twelve\r\n',
            negative: 'Content-Length: -1\r\n',
            twice: `Content-Length: ${body.length}\r\nContent-Length: ${body.length + 1}\r\n`,
            'with-chunked': `Content-Length: ${body.length}\r\nTransfer-Encoding: chunked\r\n`,
          };
          const head =
            `${route.method} ${route.path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n` +
            Object.entries(headers)
              .map(([name, value]) => `${name}: ${value}\r\n`)
              .join('') +
            lengths[c.framing.variant];
          const reply = await sendRaw(
            app.port,
            Buffer.concat([Buffer.from(`${head}\r\n`, 'latin1'), body]),
            c.framing.variant === 'larger' ? 30 : null,
          );
          return { ...reply, raw: true };
        }
        if (c.framing.kind === 'encoding') {
          summary.raw += 1;
          headers['Content-Encoding'] = c.framing.encoding;
        }
        if (c.framing.kind === 'chunked') {
          summary.raw += 1;
          headers['Transfer-Encoding'] = 'chunked';
        }
        if (c.framing.kind === 'content-type') summary.raw += 1;
        return send(app.port, {
          method: route.method,
          path: route.path,
          headers,
          body: encodedBody(body, c.framing),
          ...(c.framing.kind === 'chunked' ? { chunked: true } : {}),
        });
      }

      /** What is wrong with an answer, or null. */
      function judge(
        route: Route,
        c: HostileCase,
        reply: Reply | { status: number; text: string; raw: true },
      ): string | null {
        if (reply.status >= 500) {
          summary.fiveHundreds += 1;
          return `answered ${reply.status}`;
        }
        // A body shorter than its Content-Length: the client gave up waiting, so there is no answer to read.
        const hungUp = c.framing.kind === 'content-length' && c.framing.variant === 'larger';
        if (reply.status < 100 && !hungUp) return 'no answer (connection closed)';
        if (reply.status < 100) return null;
        if (LEAK.test(reply.text)) return `the answer leaks internals: ${reply.text.slice(0, 200)}`;
        if (reply.status < 400) {
          if (!route.ok.includes(reply.status)) return `answered ${reply.status}`;
          if (c.csrf !== 'header') return `answered ${reply.status} without the CSRF token`;
          return null;
        }
        if (!CLIENT_ERRORS.has(reply.status)) return `answered ${reply.status}`;
        if ('raw' in reply) return null;
        const json = /application\/json/.test(String(reply.headers['content-type']));
        const askedJson = c.encoding === 'json' && c.framing.kind !== 'content-type';
        if (askedJson && !json) return `asked for JSON, got ${reply.headers['content-type']}`;
        if (json) {
          const error = (reply.json as { error?: { code?: string; message?: string } } | undefined)?.error;
          if (!error || typeof error.code !== 'string' || typeof error.message !== 'string') {
            return `not the error format: ${reply.text.slice(0, 200)}`;
          }
          const entry = (ERROR_CATALOGUE as Record<string, { status: number }>)[error.code];
          if (!entry) return `unknown error code ${error.code}`;
          if (entry.status !== reply.status) return `${error.code} with status ${reply.status}`;
        }
        return null;
      }

      for (const route of ROUTES) {
        for (const encoding of ['json', 'form'] as const) {
          it(`${route.method} ${route.path} (${encoding}): ${RUNS[backend.name]} hostile bodies, never a 5xx, no store change`, async () => {
            const before = await snapshot();
            const callsBefore = new Map(calls);
            const changesPolicy = route.path.startsWith('/auth/admin');
            const policyEventsBefore = (await inner.audit.query({ type: 'policy.changed', limit: 100_000 }))
              .length;
            let accepted = 0;
            const flowField = route.fields.includes('flowId');
            const arbitrary = fc.array(
              hostileCase(encoding, route.fields).map((c) =>
                flowField && c.body.length % 3 === 0
                  ? {
                      ...c,
                      body: Buffer.from(
                        c.body
                          .toString('latin1')
                          .replace(/(flowId"?\s*[:=]\s*"?)[^"&,}]*/, `$1${FLOW_PLACEHOLDER}`),
                        'latin1',
                      ),
                    }
                  : c,
              ),
              { minLength: BATCH, maxLength: BATCH },
            );
            await fc.assert(
              fc.asyncProperty(arbitrary, async (cases) => {
                const replies = await Promise.all(cases.map((c) => sendCase(route, c)));
                summary.bodies += cases.length;
                for (const [i, reply] of replies.entries()) {
                  const c = cases[i] as HostileCase;
                  const problem = judge(route, c, reply);
                  assert.equal(problem, null, `${route.method} ${route.path}: ${problem} for ${c.label}`);
                  if (reply.status < 400) accepted += 1;
                }
              }),
              { numRuns: Math.ceil((RUNS[backend.name] ?? 1000) / BATCH), endOnFailure: true },
            );
            const after = await snapshot();
            assert.equal(after.users, before.users, 'user documents changed');
            if (!changesPolicy) assert.equal(after.policy, before.policy, 'the policy changed');
            const delta = (name: string) => (calls.get(name) ?? 0) - (callsBefore.get(name) ?? 0);
            for (const name of FORBIDDEN_CALLS) assert.equal(delta(name), 0, `${name} was called`);
            if (route.path === '/auth/reset') {
              assert.equal(delta('resetFlows.create'), accepted, 'one decoy flow per accepted address');
              totals.flows += accepted;
            } else {
              assert.equal(delta('resetFlows.create'), 0, 'a flow was created');
            }
            if (changesPolicy) {
              assert.equal(
                delta('policy.setPasswordResetPolicy'),
                accepted,
                'one policy write per accepted body',
              );
              const events = (await inner.audit.query({ type: 'policy.changed', limit: 100_000 })).length;
              assert.equal(
                events - policyEventsBefore,
                accepted,
                'one policy.changed event per accepted body',
              );
              totals.policies += accepted;
              await app.idp.policy.set({ enabled: 'all' }, { actor: 'admin' });
            } else {
              assert.equal(delta('policy.setPasswordResetPolicy'), 0, 'the policy was written');
            }
            assertNoPollution(fingerprint);
            // The process still serves a normal request.
            assert.equal((await anonymous.get('/auth/csrf')).status, 200);
          });
        }
      }
    });
  }
});
