import express, { type Request, type Response, type Router } from 'express';
import type {} from 'express-session';
import { type SsprUser, toSsprUser } from '../accounts/accounts.js';
import type { PasswordPolicy } from '../accounts/password-policy.js';
import type { Clock } from '../clock.js';
import { SsprError } from '../errors.js';
import { bodyOf, bodyParsers, stringField } from '../http/body.js';
import type { Csrf } from '../http/csrf.js';
import type { ErrorView } from '../http/error-handler.js';
import { wantsJson } from '../http/negotiate.js';
import type { Pages } from '../http/pages.js';
import { ipRateLimit } from '../http/rate-limit.js';
import { en } from '../i18n/en.js';
import type { RateLimit } from '../options.js';
import { type Random, randomId } from '../random.js';
import type { CounterStore } from '../store/types.js';
import type { Requester, ResetOptions, ResetService } from './service.js';

/** What the reset journey keeps in the browser session. */
interface ResetSessionState {
  /** Random; flows are bound to its digest. */
  nonce?: string;
  /** The flow the pages are on (form mode). */
  flowId?: string;
  /** The address typed, shown on the code page. */
  email?: string;
}

function state(req: Request): ResetSessionState {
  if (!req.session) {
    throw new Error('express-sspr needs express-session: mount session() before its routers');
  }
  const session = req.session as unknown as { ssprReset?: ResetSessionState };
  session.ssprReset ??= {};
  return session.ssprReset;
}

/** What the reset router is built from. */
export interface ResetRouterDeps {
  service: ResetService;
  csrf: Csrf;
  pages: Pages;
  counters: CounterStore;
  clock: Clock;
  random: Random;
  bodyLimit: string;
  rateLimit: RateLimit;
  passwordPolicy: PasswordPolicy;
  options: Required<ResetOptions>;
}

/**
 * The mountable reset flow: `GET/POST /reset`, `POST /reset/resend`,
 * `GET/POST /reset/verify`, `GET/POST /reset/password`, `POST /reset/change`.
 * JSON in, JSON out; forms get pages and 303 redirects (post/redirect/get).
 */
export function createResetRouter(deps: ResetRouterDeps): Router {
  const { service, csrf, pages } = deps;
  const router = express.Router();
  pages.serveAssets(router);
  const parse = bodyParsers(deps.bodyLimit);
  const limit = ipRateLimit(deps.counters, deps.clock, 'reset', deps.rateLimit);
  const codeMinutes = Math.round(deps.options.codeTtlMs / 60_000);
  const codeDigits = deps.options.codeDigits;

  const requester = (req: Request): Requester => {
    const session = state(req);
    session.nonce ??= randomId(deps.random, 18);
    // The page's language: mail to an address without a stored language follows it.
    return { sessionNonce: session.nonce, ip: req.ip ?? null, lang: pages.language(req) };
  };

  /** The flow a request is about: the body's `flowId`, or in form mode the session's. */
  const flowIdOf = (req: Request, body: Record<string, unknown>): string => {
    if (wantsJson(req) || Object.hasOwn(body, 'flowId'))
      return stringField(body, 'flowId', { maxLength: 64 });
    const flowId = state(req).flowId;
    if (!flowId) throw new SsprError('flow_not_found');
    return flowId;
  };

  const errorField = (error: SsprError): string | null => {
    const field = error.details.field;
    if (typeof field === 'string') return field;
    if (error.code === 'invalid_code') return 'code';
    if (error.code === 'weak_password') return 'password';
    return null;
  };

  const startView: ErrorView = (error, req, localized) =>
    pages.templates.resetStart(pages.context(req, csrf), {
      email: typeof req.body?.email === 'string' ? String(req.body.email).slice(0, 254) : '',
      error: localized.message,
      errorField: errorField(error),
      notice: null,
    });

  const verifyView: ErrorView = (error, req, localized) =>
    pages.templates.resetVerify(pages.context(req, csrf), {
      email: state(req).email ?? '',
      codeDigits,
      codeMinutes,
      error: localized.message,
      errorField: errorField(error),
      notice: null,
    });

  const passwordView: ErrorView = (error, req, localized) =>
    pages.templates.resetPassword(pages.context(req, csrf), {
      minLength: deps.passwordPolicy.minLength,
      maxLength: deps.passwordPolicy.maxLength,
      error: localized.message,
      errorField: errorField(error),
      notice: null,
      reasons: (localized.reasons ?? []).map((reason) => reason.message),
    });

  const onError = (view: ErrorView) => (req: Request, res: Response, next: express.NextFunction) => {
    if (!wantsJson(req)) res.locals.ssprErrorView = view;
    next();
  };

  router.use((_req, res, next) => {
    res.set('Cache-Control', 'no-store');
    next();
  });

  router.get('/reset', (req, res) => {
    pages.send(
      res,
      pages.templates.resetStart(pages.context(req, csrf), {
        email: '',
        error: null,
        errorField: null,
        notice: null,
      }),
    );
  });

  router.post('/reset', limit, onError(startView), ...parse, csrf.protect, async (req, res) => {
    const email = stringField(bodyOf(req), 'email', { maxLength: 320 });
    const started = await service.start(email, requester(req));
    const session = state(req);
    session.flowId = started.flowId;
    session.email = email.trim().slice(0, 254);
    if (wantsJson(req)) {
      res.status(202).json({
        flowId: started.flowId,
        expiresAt: started.expiresAt.toISOString(),
        resendAfter: started.resendAfter.toISOString(),
      });
    } else {
      res.redirect(303, `${req.baseUrl}/reset/verify`);
    }
  });

  router.post('/reset/resend', limit, onError(verifyView), ...parse, csrf.protect, async (req, res) => {
    const body = bodyOf(req);
    const { resendAfter } = await service.resend(flowIdOf(req, body), requester(req));
    if (wantsJson(req)) res.status(202).json({ resendAfter: resendAfter.toISOString() });
    else res.redirect(303, `${req.baseUrl}/reset/verify?notice=resent`);
  });

  router.post('/reset/change', limit, ...parse, csrf.protect, (req, res) => {
    const session = state(req);
    delete session.flowId;
    delete session.email;
    if (wantsJson(req)) res.status(204).end();
    else res.redirect(303, `${req.baseUrl}/reset`);
  });

  router.get('/reset/verify', (req, res) => {
    const session = state(req);
    if (!session.flowId) return res.redirect(303, `${req.baseUrl}/reset`);
    pages.send(
      res,
      pages.templates.resetVerify(pages.context(req, csrf), {
        email: session.email ?? '',
        codeDigits,
        codeMinutes,
        error: null,
        errorField: null,
        notice: req.query.notice === 'resent' ? pages.messages(req)['notice.codeResent'] : null,
      }),
    );
  });

  router.post('/reset/verify', limit, onError(verifyView), ...parse, csrf.protect, async (req, res) => {
    const body = bodyOf(req);
    const flowId = flowIdOf(req, body);
    const code = stringField(body, 'code', { maxLength: 64 });
    await service.verify(flowId, code, requester(req));
    if (wantsJson(req)) res.status(200).json({ verified: true });
    else res.redirect(303, `${req.baseUrl}/reset/password`);
  });

  router.get('/reset/password', (req, res) => {
    if (!state(req).flowId) return res.redirect(303, `${req.baseUrl}/reset`);
    pages.send(
      res,
      pages.templates.resetPassword(pages.context(req, csrf), {
        minLength: deps.passwordPolicy.minLength,
        maxLength: deps.passwordPolicy.maxLength,
        error: null,
        errorField: null,
        notice: null,
        reasons: [],
      }),
    );
  });

  router.post('/reset/password', limit, onError(passwordView), ...parse, csrf.protect, async (req, res) => {
    const body = bodyOf(req);
    const flowId = flowIdOf(req, body);
    const password = stringField(body, 'password', { maxLength: 100_000 });
    if (!wantsJson(req) || Object.hasOwn(body, 'confirmPassword')) {
      const confirm = stringField(body, 'confirmPassword', { maxLength: 100_000 });
      if (confirm !== password) {
        throw new SsprError('invalid_request', en['error.passwordsDiffer'], {
          details: { field: 'confirmPassword' },
        });
      }
    }
    const user = await service.complete(flowId, password, requester(req));
    const session = state(req);
    delete session.flowId;
    delete session.email;
    if (deps.options.signInAfterReset) await login(req, toSsprUser(user));
    if (wantsJson(req)) res.status(200).json({ reset: true });
    else res.redirect(303, deps.options.signInAfterReset ? '/' : `${req.baseUrl}/signin?notice=reset`);
  });

  return router;
}

function login(req: Request, user: SsprUser): Promise<void> {
  return new Promise((resolve, reject) => {
    if (typeof req.login !== 'function')
      return reject(new Error('signInAfterReset needs passport.initialize()'));
    req.login(user, (error?: unknown) => (error ? reject(error) : resolve()));
  });
}
