import express, { type Express } from 'express';
import session, { type Store as SessionStore } from 'express-session';
import { Passport } from 'passport';
import supertest from 'supertest';
import { createIdentity, type Identity } from '../../lib/identity.js';
import type { LogFields, Logger } from '../../lib/logger.js';
import type { Mailer } from '../../lib/mail/mailer.js';
import type { IdentityOptions } from '../../lib/options.js';
import { memoryStore } from '../../lib/store/memory/index.js';
import type { Store } from '../../lib/store/types.js';
import { ManualClock } from './clock.js';

export const TEST_SECRET = 'test-secret-0123456789-abcdefghijklmnopqrstuvwxyz';

/** A logger that keeps every line, so tests can search them for secrets. */
export class CapturingLogger implements Logger {
  readonly lines: string[] = [];
  private write(level: string, event: string, fields?: LogFields) {
    this.lines.push(JSON.stringify({ level, event, ...fields }));
  }
  info(event: string, fields?: LogFields) {
    this.write('info', event, fields);
  }
  warn(event: string, fields?: LogFields) {
    this.write('warn', event, fields);
  }
  error(event: string, fields?: LogFields) {
    this.write('error', event, fields);
  }
}

export interface TestApp {
  app: Express;
  idp: Identity;
  store: Store;
  clock: ManualClock;
  logger: CapturingLogger;
  sessionStore: SessionStore;
}

/**
 * An Express app the way a host app mounts express-sspr: express-session,
 * its own Passport instance, the routers under /auth, a protected route.
 */
export async function buildTestApp(
  options: {
    store?: Store;
    clock?: ManualClock;
    sessionStore?: SessionStore;
    trustProxy?: string | number | boolean;
    /** Where mail goes; without it the outbox keeps everything. */
    mailer?: Mailer;
    identity?: Partial<IdentityOptions>;
  } = {},
): Promise<TestApp> {
  const clock = options.clock ?? new ManualClock();
  const store = options.store ?? memoryStore({ clock, warn: () => {} });
  const logger = new CapturingLogger();
  const idp = await createIdentity({
    store,
    secret: TEST_SECRET,
    clock,
    logger,
    baseUrl: 'https://app.example.com',
    branding: { companyName: 'Contoso' },
    outbox: { worker: false },
    ...(options.mailer ? { mailer: options.mailer } : {}),
    ...options.identity,
  });
  const passport = new Passport();
  passport.use(idp.strategy);
  passport.serializeUser(idp.serializeUser);
  passport.deserializeUser(idp.deserializeUser);
  const sessionStore = options.sessionStore ?? new session.MemoryStore();
  const app = express();
  if (options.trustProxy !== undefined) app.set('trust proxy', options.trustProxy);
  app.use(
    session({
      secret: TEST_SECRET,
      resave: false,
      saveUninitialized: false,
      store: sessionStore,
      cookie: { httpOnly: true, sameSite: 'lax', secure: 'auto' },
    }),
  );
  app.use(passport.initialize());
  app.use(passport.session());
  app.use('/auth', idp.signInRouter);
  app.use('/auth', idp.resetRouter);
  app.get('/private', (req, res) => {
    if (!req.user) return res.status(401).json({ signedIn: false });
    res.json({ signedIn: true });
  });
  app.use(idp.errorHandler);
  return { app, idp, store, clock, logger, sessionStore };
}

/** A supertest agent (keeps cookies) with the session's CSRF token. */
export async function agentWithCsrf(app: Express) {
  const agent = supertest.agent(app);
  const response = await agent.get('/auth/csrf').set('Accept', 'application/json').expect(200);
  const csrfToken = (response.body as { csrfToken: string }).csrfToken;
  const sid = sessionCookie(response);
  return { agent, csrfToken, cookie: sid ? `connect.sid=${sid}` : '' };
}

/** Reads the `connect.sid` cookie value from a response. */
export function sessionCookie(response: { headers: Record<string, unknown> }): string | null {
  const cookies = response.headers['set-cookie'];
  const list = Array.isArray(cookies) ? (cookies as string[]) : typeof cookies === 'string' ? [cookies] : [];
  for (const cookie of list) {
    const match = /^connect\.sid=([^;]+)/.exec(cookie);
    if (match?.[1]) return match[1];
  }
  return null;
}

/** The value of a page's hidden `_csrf` field ('' when it has none). */
export function csrfFromPage(markup: string): string {
  return /name="_csrf" value="([^"]+)"/.exec(markup)?.[1] ?? '';
}
