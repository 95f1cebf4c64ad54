/**
 * The example app: a small, real Express app that adopts express-sspr the
 * way yours would. Read it top to bottom:
 *
 * 1. pick a store (memory, or MongoDB) and a mailer (real SMTP, or the dev inbox);
 * 2. `createIdentity(...)`;
 * 3. express-session + a Passport instance using `idp.strategy`;
 * 4. mount `idp.signInRouter` and `idp.resetRouter` (and the admin router) under `/auth`;
 * 5. your own pages, reading `req.user`;
 * 6. `idp.errorHandler` last.
 *
 * `main.ts` reads the environment and listens; tests import
 * {@link createExampleApp} and drive the app in-process.
 */
import { randomBytes } from 'node:crypto';
import MongoStore from 'connect-mongo';
import express, { type Request, type RequestHandler, type Response } from 'express';
import session, { type Store as SessionStore } from 'express-session';
import { MongoClient } from 'mongodb';
import nodemailer, { type Transporter } from 'nodemailer';
import { Passport } from 'passport';
import { databaseName, redactUri } from '../lib/cli/mongo.js';
import {
  createIdentity,
  type Identity,
  type IdentityOptions,
  jsonLogger,
  memoryStore,
  mongoStore,
  nodemailerMailer,
  type SsprUser,
  type Store,
  silentLogger,
} from '../lib/index.js';
import { type ExampleConfig, parseTrustProxy } from './config.js';
import { DevInbox } from './dev-inbox.js';
import { applySeed, readSeedFile } from './seed.js';
import { DEV_MAIL_CSP, devMailPage, EXAMPLE_CSS, homePage, PAGE_CSP, profilePage } from './views.js';

export { type ExampleConfig, loadConfigFromEnv } from './config.js';
export { DevInbox, type DevMail } from './dev-inbox.js';
export { SeedError } from './seed.js';

export const COMPANY_NAME = 'Contoso';
export const MAIL_FROM = '"Contoso" <no-reply@contoso.example>';

/** A demo account, for the startup message. */
export interface DemoAccount {
  email: string;
  password: string;
  note: string;
}

export interface ExampleApp {
  app: express.Express;
  idp: Identity;
  /** The in-process SMTP server's mail, or null when `smtpUrl` is set. */
  inbox: DevInbox | null;
  /** The seed file's accounts (whether seeded now or earlier). */
  demoAccounts: DemoAccount[];
  /** What the app runs on, for the startup message. */
  describe: {
    store: string;
    mail: string;
    /** Whether the seed was loaded now (false: the store already had users). */
    seeded: boolean;
    /** Things worth saying once at startup, such as generated secrets. */
    notes: string[];
  };
  /** Stops the mail worker, the dev inbox, the session store and the MongoDB client. */
  close(): Promise<void>;
}

function currentUser(req: Request): SsprUser | null {
  const user = req.user as Partial<SsprUser> | undefined;
  return user && typeof user.id === 'string' ? (user as SsprUser) : null;
}

function sendPage(res: Response, markup: string, csp = PAGE_CSP): void {
  res.set('Content-Security-Policy', csp);
  res.set('X-Frame-Options', 'DENY');
  res.set('Cache-Control', 'no-store');
  res.type('html').send(markup);
}

/**
 * Builds the app and everything behind it. Resolves once it is ready to
 * serve: the store is prepared, the seed loaded and the dev inbox listening.
 * On failure, whatever was started is stopped again before the error is thrown.
 */
export async function createExampleApp(config: ExampleConfig): Promise<ExampleApp> {
  const cleanups: Array<() => Promise<unknown>> = [];
  const close = async () => {
    // Last started, first stopped; keep going if one fails.
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => {});
  };
  try {
    return await build(config, cleanups, close);
  } catch (error) {
    await close();
    throw error;
  }
}

async function build(
  config: ExampleConfig,
  cleanups: Array<() => Promise<unknown>>,
  close: () => Promise<void>,
): Promise<ExampleApp> {
  const notes: string[] = [];
  const secret = config.secret ?? randomBytes(32).toString('base64url');
  const sessionSecret = config.sessionSecret ?? randomBytes(32).toString('base64url');
  if (config.secret === undefined || config.sessionSecret === undefined) {
    notes.push(
      'SSPR_SECRET / SESSION_SECRET not set: using random secrets for this process ' +
        '(sessions and reset codes do not survive a restart; set both in production).',
    );
  }

  // 1. The store: memory by default, MongoDB with mongodbUri (sessions go there too).
  let store: Store;
  let sessionStore: SessionStore | undefined;
  let storeDescription: string;
  if (config.mongodbUri) {
    const dbName = databaseName(config.mongodbUri, { MONGODB_DB: config.mongodbDb });
    const client = new MongoClient(config.mongodbUri, { serverSelectionTimeoutMS: 10_000 });
    cleanups.push(() => client.close());
    try {
      await client.connect();
    } catch {
      // The driver's message can quote the connection string, password included.
      throw new Error(`cannot reach MongoDB at ${redactUri(config.mongodbUri)}`);
    }
    store = mongoStore(client.db(dbName));
    const mongoSessions = MongoStore.create({ client, dbName, collectionName: 'sessions' });
    // Wait for its TTL index, so close() never races the index build (connect-mongo issue #413).
    await mongoSessions.collectionP;
    cleanups.push(() => mongoSessions.close());
    sessionStore = mongoSessions;
    storeDescription = `MongoDB at ${redactUri(config.mongodbUri)}, database ${dbName} (sessions too, via connect-mongo)`;
  } else {
    store = memoryStore({
      ...(config.clock ? { clock: config.clock } : {}),
      ...(config.quiet ? { warn: () => {} } : {}),
    });
    storeDescription = 'memory (data is lost on restart; set MONGODB_URI to use MongoDB)';
  }

  // 2. Mail: a real SMTP server with smtpUrl, else the in-process dev inbox. Either way through SMTP.
  let inbox: DevInbox | null = null;
  let transport: Transporter;
  let mailDescription: string;
  if (config.smtpUrl) {
    transport = nodemailer.createTransport(config.smtpUrl);
    mailDescription = `SMTP at ${redactUri(config.smtpUrl)}`;
  } else {
    const clock = config.clock;
    const devInbox = await DevInbox.start(clock ? { now: () => clock.now() } : {});
    inbox = devInbox;
    cleanups.push(() => devInbox.stop());
    transport = nodemailer.createTransport({ ...devInbox.address, secure: false, ignoreTLS: true });
    mailDescription = `in-process SMTP server on ${devInbox.address.host}:${devInbox.address.port} (see /dev/mail)`;
  }
  cleanups.push(async () => transport.close());

  // 3. The identity provider.
  const reset: NonNullable<IdentityOptions['reset']> = {};
  if (config.resetCodeTtlSeconds !== undefined) {
    reset.codeTtlMs = config.resetCodeTtlSeconds * 1000;
    // A code cannot outlive its flow (15 minutes by default): stretch the flow if needed.
    reset.flowTtlMs = Math.max(15 * 60_000, reset.codeTtlMs);
  }
  if (config.resetResendAfterSeconds !== undefined)
    reset.resendAfterMs = config.resetResendAfterSeconds * 1000;
  const idp = await createIdentity({
    store,
    secret,
    mailer: nodemailerMailer(transport, { from: MAIL_FROM }),
    baseUrl: config.baseUrl,
    branding: { companyName: COMPANY_NAME, accentColor: '#0067b8' },
    reset,
    outbox: { worker: config.outboxWorker ?? true },
    logger: config.quiet ? silentLogger : jsonLogger(),
    ...(config.clock ? { clock: config.clock } : {}),
  });
  cleanups.push(() => idp.close());

  // 4. Demo accounts and the initial policy, into an empty store only.
  const seed = config.seedFile ? await readSeedFile(config.seedFile) : null;
  let seeded = false;
  if (seed && config.seedFile && (await idp.users.count()) === 0) {
    await applySeed(idp, seed, config.seedFile);
    seeded = true;
  }
  const demoAccounts: DemoAccount[] = (seed?.users ?? []).map((user) => ({
    email: user.email,
    password: user.password,
    note: [
      user.displayName,
      user.username ? `username ${user.username}` : null,
      user.roles?.length ? `roles: ${user.roles.join(', ')}` : null,
      user.groups?.length ? `groups: ${user.groups.join(', ')}` : null,
    ]
      .filter(Boolean)
      .join('; '),
  }));

  // 5. Express, sessions and Passport.
  const app = express();
  app.disable('x-powered-by');
  if (config.trustProxy !== undefined) app.set('trust proxy', parseTrustProxy(config.trustProxy));
  app.use(
    session({
      secret: sessionSecret,
      resave: false,
      saveUninitialized: false,
      ...(sessionStore ? { store: sessionStore } : {}),
      cookie: { httpOnly: true, sameSite: 'lax', secure: 'auto' },
    }),
  );
  const passport = new Passport();
  passport.use(idp.strategy);
  passport.serializeUser(idp.serializeUser);
  passport.deserializeUser(idp.deserializeUser);
  app.use(passport.initialize());
  app.use(passport.session());

  // 6. express-sspr's routers.
  app.use('/auth', idp.signInRouter);
  app.use('/auth', idp.resetRouter);
  // The policy blade and audit log; by default only users with the role `admin` get in.
  app.use('/auth/admin', idp.adminRouter());

  // 7. The app's own routes.
  app.get('/healthz', (_req, res) => {
    res.set('Cache-Control', 'no-store').json({ status: 'ok' });
  });

  app.get('/example.css', (_req, res) => {
    res.set('Cache-Control', 'public, max-age=300').type('css').send(EXAMPLE_CSS);
  });

  app.get('/', (req, res) => {
    const user = currentUser(req);
    sendPage(
      res,
      homePage(COMPANY_NAME, {
        user,
        // Only signed-in visitors get a token (and so a session): anonymous ones get no cookie.
        csrfToken: user ? idp.csrfToken(req) : null,
        isAdmin: user?.roles.includes('admin') ?? false,
        devInbox: inbox !== null,
      }),
    );
  });

  /** Your own protected routes look like this. */
  const requireSignIn: RequestHandler = (req, res, next) => {
    if (currentUser(req)) return next();
    // express-sspr follows returnTo only when it is a path on this site.
    const returnTo = encodeURIComponent(req.originalUrl).replaceAll('%2F', '/');
    res.redirect(303, `/auth/signin?returnTo=${returnTo}`);
  };

  app.get('/profile', requireSignIn, (req, res) => {
    sendPage(res, profilePage(COMPANY_NAME, currentUser(req) as SsprUser));
  });

  if (inbox) {
    const devInbox = inbox;
    app.get('/dev/mail', (_req, res) => {
      sendPage(res, devMailPage(COMPANY_NAME, devInbox.messages), DEV_MAIL_CSP);
    });
    app.get('/dev/mail.json', (_req, res) => {
      res.set('Cache-Control', 'no-store').json({ messages: devInbox.messages });
    });
  }

  // 8. Errors from express-sspr (and anything else) as its JSON and pages; last.
  app.use(idp.errorHandler);

  return {
    app,
    idp,
    inbox,
    demoAccounts,
    describe: { store: storeDescription, mail: mailDescription, seeded, notes },
    close,
  };
}
