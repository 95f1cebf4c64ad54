import express, { type Request, type RequestHandler, type Response, type Router } from 'express';
import type { SsprUser } from '../accounts/accounts.js';
import type { AuditEventType } from '../audit/audit-log.js';
import type { Clock } from '../clock.js';
import { isSsprError, SsprError } from '../errors.js';
import { bodyOf, bodyParsers } from '../http/body.js';
import type { Csrf } from '../http/csrf.js';
import type { ErrorView } from '../http/error-handler.js';
import { wantsJson } from '../http/negotiate.js';
import type { Pages } from '../http/pages.js';
import { ipRateLimit } from '../http/rate-limit.js';
import type { RateLimit } from '../options.js';
import type { PasswordResetPolicy, ResetScope, Store } from '../store/types.js';
import type { PolicyBladeModel } from '../views/admin.js';
import { nextCursor, parseAuditQuery } from './audit-query.js';
import type { PolicyAdmin, PolicyInput } from './policy.js';
import { eligibilityReport } from './report.js';

/** Decides whether the signed-in user of a request is an administrator. */
export type Authorize = (req: Request, user: SsprUser) => boolean | Promise<boolean>;

/** The default: signed in with the role `admin`. */
export const hasAdminRole: Authorize = (_req, user) => user.roles.includes('admin');

/** Every audit event type, for the filter on the audit page. */
export const AUDIT_EVENT_TYPES: readonly AuditEventType[] = [
  'signin.success',
  'signin.failure',
  'signin.lockout',
  'signout',
  'reset.started',
  'reset.blocked_by_policy',
  'reset.code_sent',
  'reset.code_failed',
  'reset.verified',
  'reset.completed',
  'mail.failed',
  'policy.changed',
  'user.created',
  'user.groups_changed',
  'user.roles_changed',
];

/** What the admin router is built from. */
export interface AdminRouterDeps {
  store: Store;
  policy: PolicyAdmin;
  csrf: Csrf;
  pages: Pages;
  clock: Clock;
  bodyLimit: string;
  rateLimit: RateLimit;
  /** Where signed-out visitors of the pages are sent to sign in. */
  signInPath: string;
}

function signedInUser(req: Request): SsprUser | null {
  const user = req.user as Partial<SsprUser> | undefined;
  return user && typeof user.id === 'string' && Array.isArray(user.roles) ? (user as SsprUser) : null;
}

/** The groups typed in the blade: comma-separated, blanks dropped. */
function groupsFromForm(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  return value
    .split(',')
    .map((group) => group.trim())
    .filter((group) => group.length > 0);
}

/**
 * The administration router: the password reset policy blade and API,
 * the eligibility report and the audit log. Mount it with
 * `app.use('/auth/admin', idp.adminRouter(authorize))`.
 */
export function createAdminRouter(deps: AdminRouterDeps, authorize: Authorize = hasAdminRole): Router {
  if (typeof authorize !== 'function')
    throw new TypeError('adminRouter(authorize): authorize must be a function');
  const { store, policy, csrf, pages } = deps;
  const router = express.Router();
  const parse = bodyParsers(deps.bodyLimit);
  const limit = ipRateLimit(store.counters, deps.clock, 'admin', deps.rateLimit);

  const requireAdmin: RequestHandler = async (req, res, next) => {
    res.set('Cache-Control', 'no-store');
    const user = signedInUser(req);
    if (!user && req.method === 'GET' && !wantsJson(req)) {
      return res.redirect(303, `${deps.signInPath}?returnTo=${encodeURIComponent(req.originalUrl)}`);
    }
    if (!user) return next(new SsprError('unauthenticated'));
    if (!(await authorize(req, user))) return next(new SsprError('forbidden'));
    res.locals.ssprAdmin = user;
    next();
  };
  pages.serveAssets(router);
  router.use(requireAdmin);

  const actorOf = (req: Request): string => {
    const user = signedInUser(req);
    return user?.email ?? user?.username ?? user?.id ?? 'admin';
  };

  const blade = async (req: Request, overrides: Partial<PolicyBladeModel> = {}) => {
    const current = await policy.get();
    const report = await eligibilityReport(store.users, current);
    return pages.templates.adminPolicy(pages.context(req, csrf), {
      policy: current,
      report,
      groupsText: current.groups.join(', '),
      enabled: current.enabled,
      saved: false,
      error: null,
      errorField: null,
      ...overrides,
    });
  };

  router.get('/password-reset', async (req, res) => {
    if (wantsJson(req)) {
      const current = await policy.get();
      res.json({
        enabled: current.enabled,
        groups: current.groups,
        updatedAt: current.updatedAt?.toISOString() ?? null,
        updatedBy: current.updatedBy,
      });
      return;
    }
    pages.send(res, await blade(req, { saved: req.query.saved === '1' }));
  });

  router.put('/password-reset', limit, ...parse, csrf.protect, async (req, res) => {
    const updated = await policy.set(bodyOf(req) as unknown as PolicyInput, {
      actor: actorOf(req),
      ip: req.ip ?? null,
    });
    res.json({
      enabled: updated.enabled,
      groups: updated.groups,
      updatedAt: updated.updatedAt?.toISOString() ?? null,
      updatedBy: updated.updatedBy,
    });
  });

  // Forms cannot PUT: the blade posts here and is redirected back (post/redirect/get).
  router.post('/password-reset', limit, ...parse, csrf.protect, async (req, res) => {
    const body = bodyOf(req);
    const input = { enabled: body.enabled, groups: groupsFromForm(body.groups) };
    let updated: PasswordResetPolicy;
    try {
      updated = await policy.set(input as unknown as PolicyInput, {
        actor: actorOf(req),
        ip: req.ip ?? null,
      });
    } catch (error) {
      // A refused change is shown on the blade; its counts are read only then.
      if (!wantsJson(req) && isSsprError(error)) await attachBladeErrorView(res, body);
      throw error;
    }
    if (wantsJson(req)) res.json(updated);
    else res.redirect(303, `${req.baseUrl}/password-reset?saved=1`);
  });

  /** Lets the error handler (which cannot await) render the blade with what was typed. */
  async function attachBladeErrorView(res: Response, body: Record<string, unknown>): Promise<void> {
    const typedGroups = typeof body.groups === 'string' ? body.groups.slice(0, 500) : '';
    const enabled = (['none', 'selected', 'all'] as const).includes(body.enabled as ResetScope)
      ? (body.enabled as ResetScope)
      : 'none';
    const current = await policy.get();
    const report = await eligibilityReport(store.users, current);
    res.locals.ssprErrorView = ((error, request, localized) =>
      pages.templates.adminPolicy(pages.context(request, csrf), {
        policy: current,
        report,
        groupsText: typedGroups,
        enabled,
        saved: false,
        error: localized.message,
        errorField: typeof error.details.field === 'string' ? error.details.field : null,
      })) satisfies ErrorView;
  }

  router.get('/password-reset/eligibility', async (_req, res) => {
    res.json(await eligibilityReport(store.users, await policy.get()));
  });

  router.get('/audit', async (req, res) => {
    const query = parseAuditQuery(req.query as Record<string, unknown>);
    const events = await store.audit.query(query);
    const cursor = nextCursor(events, query.limit);
    if (wantsJson(req)) {
      res.json({
        events: events.map((event) => ({ ...event, at: event.at.toISOString() })),
        nextCursor: cursor,
      });
      return;
    }
    const filters = {
      type: query.type ?? '',
      userId: query.userId ?? '',
      since: typeof req.query.since === 'string' ? req.query.since : '',
    };
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(filters)) if (value) params.set(key, value);
    if (cursor) params.set('cursor', cursor);
    pages.send(
      res,
      pages.templates.audit(pages.context(req, null), {
        events,
        filters,
        types: AUDIT_EVENT_TYPES,
        nextHref: cursor ? `${req.baseUrl}/audit?${params.toString()}` : null,
      }),
    );
  });

  return router;
}
