import type { ErrorRequestHandler, Request, Router } from 'express';
import { Strategy as LocalStrategy } from 'passport-local';
import { Accounts, type SsprUser, toSsprUser } from './accounts/accounts.js';
import { boundedHasher } from './accounts/bounded-hasher.js';
import { PolicyAdmin } from './admin/policy.js';
import { type Authorize, createAdminRouter } from './admin/router.js';
import { AuditLog } from './audit/audit-log.js';
import { isSsprError } from './errors.js';
import { createCsrf } from './http/csrf.js';
import { errorHandler } from './http/error-handler.js';
import { Pages } from './http/pages.js';
import { Messages } from './i18n/messages.js';
import type { Logger } from './logger.js';
import { Outbox } from './mail/outbox.js';
import type { MailContext } from './mail/templates.js';
import { type IdentityOptions, type ResolvedOptions, resolveOptions } from './options.js';
import { randomId } from './random.js';
import { createResetRouter } from './reset/router.js';
import { ResetScopeReader } from './reset/scope.js';
import { ResetService } from './reset/service.js';
import { Lockout } from './signin/lockout.js';
import { createSignInRouter } from './signin/router.js';
import { SignInService } from './signin/service.js';
import { contrastRatio, parseColor } from './views/colors.js';

/** WCAG AA: normal text needs 4.5:1. */
const MIN_CONTRAST = 4.5;

/** Warns when white button text on the accent colour is below WCAG AA contrast. */
function warnOnLowContrast(accentColor: string, logger: Logger): void {
  const accent = parseColor(accentColor);
  const white = parseColor('#ffffff');
  if (!accent || !white) return;
  const ratio = contrastRatio(white, accent);
  if (ratio < MIN_CONTRAST) {
    logger.warn('branding.low_contrast', {
      option: 'branding.accentColor',
      color: accentColor,
      ratio: Math.round(ratio * 100) / 100,
      minimum: MIN_CONTRAST,
      hint: 'white text on buttons of this colour is hard to read (WCAG AA needs 4.5:1)',
    });
  }
}

/** What Passport keeps in the session: the user id and the credentials version it was made with. */
export interface SessionPayload {
  id: string;
  v: number;
}

/** A Passport-style callback: an error, or the result. */
export type Done<T> = (error: unknown, result?: T) => void;

/** What `createIdentity` returns. */
export interface Identity {
  /** A passport-local strategy (name `local`) that checks names and passwords with argon2id and the lockout. */
  readonly strategy: LocalStrategy;
  /** Pass to `passport.serializeUser`: keeps the user id and credentials version. */
  readonly serializeUser: (user: Express.User, done: Done<SessionPayload>) => void;
  /** Pass to `passport.deserializeUser`: a session made before the last password change is signed out. */
  readonly deserializeUser: (payload: unknown, done: Done<SsprUser | false>) => void;
  /** `GET /signin`, `POST /signin`, `POST /signout`, `GET /session`, `GET /csrf`; mount with `app.use('/auth', ...)`. */
  readonly signInRouter: Router;
  /** The self-service password reset flow; mount with `app.use('/auth', ...)`. Needs the `mailer` option. */
  readonly resetRouter: Router;
  /**
   * The administration router (policy blade and API, eligibility report, audit log); mount with
   * `app.use('/auth/admin', idp.adminRouter())`. `authorize` decides who is an administrator;
   * the default is "signed in with the role `admin`".
   */
  adminRouter(authorize?: Authorize): Router;
  /** The session's CSRF token, for the host app's own forms (e.g. a sign-out button). */
  csrfToken(req: Request): string;
  /** The accounts API. */
  readonly users: Accounts;
  /** The password reset policy: `get()`, and `set({ enabled, groups }, { actor })` with audit. */
  readonly policy: PolicyAdmin;
  /** The mail outbox; `deliverDue()` sends what is due now (the background worker calls it too). */
  readonly outbox: Outbox;
  /** Renders errors from express-sspr (and anything else) in the documented JSON and page formats. */
  readonly errorHandler: ErrorRequestHandler;
  /** The options in force, after defaults. */
  readonly options: Readonly<ResolvedOptions>;
  /** Stops background work. */
  close(): Promise<void>;
}

/**
 * Builds everything from one options object: validates the options (a bad
 * one throws a `TypeError` naming it), prepares the store's indexes, and
 * wires the services into the Passport strategy and the routers.
 */
export async function createIdentity(options: IdentityOptions): Promise<Identity> {
  const resolved = resolveOptions(options);
  const { store, clock, random, logger } = resolved;
  await store.init();

  const hasher = boundedHasher(resolved.hasher, resolved.hashing);
  // A real hash of a random password with the current parameters: verifying
  // against it costs what verifying a real account costs.
  const dummyHash = await resolved.hasher.hash(randomId(random, 24));
  const audit = new AuditLog(store.audit, clock, random, logger);
  const lockout = new Lockout(store.lockouts, clock, resolved.lockout);
  const scope = new ResetScopeReader(store.policy, clock);
  warnOnLowContrast(resolved.branding.accentColor, logger);
  const messages = new Messages(resolved.messages, resolved.defaultLanguage);
  const pages = new Pages({
    branding: resolved.branding,
    messages,
    templates: resolved.pageTemplates,
    passwordRules: {
      min: resolved.passwordPolicy.minLength,
      max: resolved.passwordPolicy.maxLength,
      classes: resolved.passwordPolicy.minCharacterClasses,
    },
  });
  const csrf = createCsrf();
  const users = new Accounts(store.users, {
    hasher,
    policy: resolved.passwordPolicy,
    clock,
    random,
    audit,
    signInName: resolved.signInName,
    companyName: resolved.branding.companyName,
  });
  const signIn = new SignInService({
    users: store.users,
    hasher,
    policy: resolved.passwordPolicy,
    lockout,
    audit,
    clock,
    logger,
    signInName: resolved.signInName,
    dummyHash,
  });

  const strategy = new LocalStrategy(
    { usernameField: resolved.signInName, passwordField: 'password', passReqToCallback: true },
    (req, name, password, done) => {
      signIn
        .authenticate({ name, password, ip: req.ip ?? null })
        .then((user) => done(null, toSsprUser(user)))
        .catch((error: unknown) => {
          if (isSsprError(error, 'invalid_credentials')) done(null, false, { message: error.message });
          else done(error);
        });
    },
  );

  const signInRouter = createSignInRouter({
    service: signIn,
    scope,
    csrf,
    pages,
    counters: store.counters,
    clock,
    signInName: resolved.signInName,
    afterSignInUrl: resolved.afterSignInUrl,
    bodyLimit: resolved.bodyLimit,
    rateLimits: resolved.rateLimits,
    sessionCookieName: resolved.sessionCookieName,
  });
  const handleErrors = errorHandler({ logger, pages });
  signInRouter.use(handleErrors);

  const outbox = new Outbox(store.outbox, {
    mailer: resolved.mailer,
    clock,
    random,
    audit,
    logger,
    options: resolved.outbox,
  });
  if (resolved.outbox.worker) outbox.start();
  const siteUrl = resolved.baseUrl === null ? null : `${resolved.baseUrl}${resolved.mountPath}`;
  // Mail is read elsewhere: site paths become absolute from baseUrl (never the Host header), or are left out.
  const absolute = (url: string | null): string | null =>
    url === null || url.startsWith('https://')
      ? url
      : resolved.baseUrl === null
        ? null
        : `${resolved.baseUrl}${url}`;
  const mailBranding = {
    companyName: resolved.branding.companyName,
    accentColor: resolved.branding.accentColor,
    backgroundColor: resolved.branding.backgroundColor,
    logoUrl: absolute(resolved.branding.logoUrl),
    footerLinks: resolved.branding.footerLinks.flatMap((link) => {
      const url = absolute(link.url);
      return url === null ? [] : [{ text: link.text, url }];
    }),
  };
  const mailContext = (lang: string | null): MailContext => {
    const tag = messages.resolve(lang);
    return { ...mailBranding, messages: messages.catalogue(tag), lang: tag };
  };
  const reset = new ResetService({
    store,
    scope,
    accounts: users,
    hasher,
    lockout,
    outbox,
    audit,
    clock,
    random,
    logger,
    secret: resolved.secret,
    options: resolved.reset,
    templates: resolved.mailTemplates,
    mailContext,
    urls: {
      verify: siteUrl === null ? null : `${siteUrl}/reset/verify`,
      signIn: siteUrl === null ? null : `${siteUrl}/signin`,
    },
  });
  const resetRouter = createResetRouter({
    service: reset,
    csrf,
    pages,
    counters: store.counters,
    clock,
    random,
    bodyLimit: resolved.bodyLimit,
    rateLimit: resolved.rateLimits.other,
    passwordPolicy: resolved.passwordPolicy,
    options: resolved.reset,
  });
  if (resolved.mailer === null) {
    logger.warn('reset.no_mailer', { hint: 'pass the mailer option; reset codes stay queued until then' });
  }
  resetRouter.use(handleErrors);
  const policy = new PolicyAdmin(store.policy, { audit, clock, scope });

  return {
    strategy,
    serializeUser(user, done) {
      const candidate = user as Partial<SsprUser>;
      if (typeof candidate.id !== 'string' || typeof candidate.credentialsVersion !== 'number') {
        done(new TypeError('express-sspr serializeUser: not an express-sspr user'));
        return;
      }
      done(null, { id: candidate.id, v: candidate.credentialsVersion });
    },
    deserializeUser(payload, done) {
      const session = payload as Partial<SessionPayload> | null;
      if (!session || typeof session.id !== 'string' || typeof session.v !== 'number') {
        done(null, false);
        return;
      }
      store.users
        .findById(session.id)
        .then((user) => done(null, user && user.credentialsVersion === session.v ? toSsprUser(user) : false))
        .catch((error: unknown) => done(error));
    },
    signInRouter,
    resetRouter,
    adminRouter(authorize) {
      const router = createAdminRouter(
        {
          store,
          policy,
          csrf,
          pages,
          clock,
          bodyLimit: resolved.bodyLimit,
          rateLimit: resolved.rateLimits.other,
          signInPath: `${resolved.mountPath}/signin`,
        },
        authorize,
      );
      router.use(handleErrors);
      return router;
    },
    csrfToken: (req) => csrf.token(req),
    users,
    policy,
    outbox,
    errorHandler: handleErrors,
    options: resolved,
    async close() {
      await outbox.stop();
    },
  };
}
