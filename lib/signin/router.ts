import express, { type Request, type Response, type Router } from 'express';
import type {} from 'express-session';
import { type SsprUser, toPublicUser, toSsprUser } from '../accounts/accounts.js';
import type { Clock } from '../clock.js';
import { SsprError } from '../errors.js';
import { bodyOf, bodyParsers, stringField } from '../http/body.js';
import type { Csrf } from '../http/csrf.js';
import type { ErrorView } from '../http/error-handler.js';
import { wantsJson } from '../http/negotiate.js';
import type { Pages } from '../http/pages.js';
import { ipRateLimit } from '../http/rate-limit.js';
import type { RateLimitOptions } from '../options.js';
import type { ResetScopeReader } from '../reset/scope.js';
import type { CounterStore, UserRecord } from '../store/types.js';
import type { SignInService } from './service.js';

/** Notices the sign-in page may show, by the `notice` query value. */
const NOTICES = { reset: 'notice.passwordReset', signedout: 'notice.signedOut' } as const;

/**
 * A `returnTo` is followed only when it is a path on this site: it starts
 * with one `/`, has no backslash and no control characters, so it can never
 * name another origin (`//evil.example`, `/\evil.example`).
 */
export function safeReturnTo(value: unknown): string | null {
  if (typeof value !== 'string' || value.length > 2048) return null;
  if (!value.startsWith('/') || value.startsWith('//') || value.includes('\\')) return null;
  if (/\p{Cc}/u.test(value)) return null;
  return value;
}

/** Logs the user in through Passport (`req.login`), which regenerates the session id (no fixation). */
function login(req: Request, user: SsprUser): Promise<void> {
  if (typeof req.login !== 'function') {
    throw new Error('express-sspr needs Passport: mount passport.initialize() and passport.session() first');
  }
  return new Promise((resolve, reject) =>
    req.login(user, (error?: unknown) => (error ? reject(error) : resolve())),
  );
}

/** Ends the Passport login and destroys the session server-side. */
function logout(req: Request): Promise<void> {
  return new Promise((resolve, reject) => {
    const destroy = () => {
      if (!req.session) return resolve();
      req.session.destroy((error?: unknown) => (error ? reject(error) : resolve()));
    };
    if (typeof req.logout === 'function' && req.user) {
      req.logout({ keepSessionInfo: true }, (error?: unknown) => (error ? reject(error) : destroy()));
    } else {
      destroy();
    }
  });
}

/** The signed-in user of a request, if any. */
export function currentUser(req: Request): SsprUser | null {
  const user = req.user as Partial<SsprUser> | undefined;
  return user && typeof user.id === 'string' ? (user as SsprUser) : null;
}

/** What the sign-in router is built from. */
export interface SignInRouterDeps {
  service: SignInService;
  scope: ResetScopeReader;
  csrf: Csrf;
  pages: Pages;
  counters: CounterStore;
  clock: Clock;
  signInName: 'email' | 'username';
  afterSignInUrl: string;
  bodyLimit: string;
  rateLimits: Required<RateLimitOptions>;
  /** Session cookie name to clear on sign-out. */
  sessionCookieName: string;
}

/**
 * `GET /signin`, `POST /signin`, `POST /signout`, `GET /session`, `GET /csrf`.
 */
export function createSignInRouter(deps: SignInRouterDeps): Router {
  const { service, scope, csrf, pages, signInName } = deps;
  const router = express.Router();
  const parse = bodyParsers(deps.bodyLimit);
  const signInLimit = ipRateLimit(deps.counters, deps.clock, 'signin', deps.rateLimits.signIn);
  const otherLimit = ipRateLimit(deps.counters, deps.clock, 'other', deps.rateLimits.other);

  const renderSignIn = async (
    req: Request,
    res: Response,
    model: { name: string; returnTo: string | null; error: string | null; notice: string | null },
    status = 200,
  ) => {
    // The reset link is a convenience: if the policy cannot be read, leave it out.
    const showResetLink = await scope.isEnabled().catch(() => false);
    pages.send(
      res,
      pages.templates.signIn(pages.context(req, csrf), {
        signInName,
        showResetLink,
        fieldsInvalid: false,
        ...model,
      }),
      status,
    );
  };

  router.use((_req, res, next) => {
    res.set('Cache-Control', 'no-store');
    next();
  });

  router.get('/csrf', (req, res) => {
    res.json({ csrfToken: csrf.token(req) });
  });

  router.get('/signin', async (req, res) => {
    const noticeKey = typeof req.query.notice === 'string' ? req.query.notice : '';
    const key = Object.hasOwn(NOTICES, noticeKey) ? NOTICES[noticeKey as keyof typeof NOTICES] : null;
    await renderSignIn(req, res, {
      name: '',
      returnTo: safeReturnTo(req.query.returnTo),
      error: null,
      notice: key ? pages.messages(req)[key] : null,
    });
  });

  router.post('/signin', signInLimit, ...parse, csrf.protect, async (req, res) => {
    const body = bodyOf(req);
    const returnTo = safeReturnTo(body.returnTo);
    if (!wantsJson(req)) {
      const typed = typeof body[signInName] === 'string' ? (body[signInName] as string).slice(0, 254) : '';
      // The reset link is shown with errors too; read the policy before anything can fail.
      const showResetLink = await scope.isEnabled().catch(() => false);
      res.locals.ssprErrorView = ((error, request, localized) =>
        pages.templates.signIn(pages.context(request, csrf), {
          signInName,
          name: typed,
          returnTo,
          showResetLink,
          error: localized.message,
          fieldsInvalid: error.code === 'invalid_credentials' || error.code === 'invalid_request',
          notice: null,
        })) satisfies ErrorView;
    }
    const name = stringField(body, signInName, { maxLength: 1024 });
    const password = stringField(body, 'password', { maxLength: 100_000 });
    const record: UserRecord = await service.authenticate({ name, password, ip: req.ip ?? null });
    await login(req, toSsprUser(record));
    if (wantsJson(req)) {
      // The session was regenerated, so the old CSRF token is gone: hand over the new one.
      res.status(200).json({ user: toPublicUser(record), csrfToken: csrf.token(req) });
    } else {
      res.redirect(303, returnTo ?? deps.afterSignInUrl);
    }
  });

  router.post('/signout', otherLimit, ...parse, csrf.protect, async (req, res) => {
    const user = currentUser(req);
    await logout(req);
    res.clearCookie(deps.sessionCookieName, { path: '/' });
    if (user) await service.recordSignOut(user.id, req.ip ?? null);
    if (wantsJson(req)) res.status(204).end();
    else res.redirect(303, `${req.baseUrl}/signin?notice=signedout`);
  });

  router.get('/session', (req, res) => {
    const user = currentUser(req);
    if (!user) throw new SsprError('unauthenticated');
    res.json({ user: toPublicUser(user) });
  });

  pages.serveAssets(router);

  return router;
}
