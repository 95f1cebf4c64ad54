import type { Request, Response, Router } from 'express';
import type {} from 'express-session';
import type { SsprError } from '../errors.js';
import type { Catalogue } from '../i18n/en.js';
import type { Messages, PasswordRuleValues } from '../i18n/messages.js';
import type { ResolvedBranding } from '../options.js';
import type { PageContext } from '../views/layout.js';
import { BASE_CSS, themeCss } from '../views/styles.js';
import type { PageTemplates } from '../views/templates.js';
import type { Csrf } from './csrf.js';

/**
 * The Content-Security-Policy of every page express-sspr serves: no inline
 * script or style, forms post only to this origin, no framing.
 */
export const PAGE_CSP =
  "default-src 'self'; img-src 'self' https: data:; style-src 'self'; script-src 'self'; " +
  "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'";

/**
 * {@link PAGE_CSP} with the origin of the branding's custom stylesheet added
 * to `style-src`, when that stylesheet is on another origin.
 */
export function pageCsp(customCssUrl: string | null): string {
  if (customCssUrl === null || customCssUrl.startsWith('/')) return PAGE_CSP;
  const origin = new URL(customCssUrl).origin;
  return PAGE_CSP.replace("style-src 'self';", `style-src 'self' ${origin};`);
}

/** An error as a page or a JSON body shows it: in the request's language. */
export interface LocalizedError {
  message: string;
  /** The password rules a `weak_password` broke, each with its `code` and message; null for other errors. */
  reasons: Array<{ code: string; message: string }> | null;
}

/**
 * Everything the routers need to answer with a page: the language of a
 * request, the context pages render with, the templates in force, errors in
 * the request's language, and the security headers. Built once at start-up.
 */
export class Pages {
  /** The stylesheets the routers serve under `assets/`. */
  readonly css: { base: string; theme: string };
  /** The Content-Security-Policy sent with every page (computed once). */
  readonly csp: string;
  /** The page templates in force (the defaults with the host's replacements). */
  readonly templates: PageTemplates;

  constructor(
    private readonly deps: {
      branding: ResolvedBranding;
      messages: Messages;
      templates: PageTemplates;
      /** The numbers the password rule messages mention. */
      passwordRules: PasswordRuleValues;
    },
  ) {
    this.css = { base: BASE_CSS, theme: themeCss(deps.branding) };
    this.csp = pageCsp(deps.branding.customCssUrl);
    this.templates = deps.templates;
  }

  /** The language of a request: the best `Accept-Language` match among the catalogues, else the default. */
  language(req: Request): string {
    const { languages, defaultLanguage } = this.deps.messages;
    const best = req.acceptsLanguages(...languages);
    return typeof best === 'string' ? best : defaultLanguage;
  }

  /** The catalogue of the request's language. */
  messages(req: Request): Catalogue {
    return this.deps.messages.catalogue(this.language(req));
  }

  /** The context pages render with, from the request. */
  context(req: Request, csrf: Csrf | null): PageContext {
    return {
      basePath: req.baseUrl,
      branding: this.deps.branding,
      lang: this.language(req),
      messages: this.messages(req),
      csrfToken: csrf && req.session ? csrf.token(req) : null,
    };
  }

  /** An error's message, and a weak password's reasons, in the request's language. */
  localize(error: SsprError, req: Request): LocalizedError {
    const lang = this.language(req);
    const { messages, passwordRules } = this.deps;
    const reasons = Array.isArray(error.details.reasons)
      ? (error.details.reasons as unknown[]).map((reason) => {
          const { code, message } = (reason ?? {}) as { code?: unknown; message?: unknown };
          const text = typeof code === 'string' ? messages.passwordReason(code, lang, passwordRules) : null;
          return { code: String(code ?? ''), message: text ?? String(message ?? '') };
        })
      : null;
    return { message: messages.errorMessage(error, lang), reasons };
  }

  /** Sends a page with the security headers; pages vary by `Accept-Language`. */
  send(res: Response, markup: string, status = 200): void {
    res.status(status);
    res.set('Content-Security-Policy', this.csp);
    res.set('X-Frame-Options', 'DENY');
    res.vary('Accept-Language');
    res.type('html').send(markup);
  }

  /**
   * Serves `assets/sspr.css` and `assets/theme.css` on a router, so that the
   * pages it renders find their stylesheets wherever it is mounted.
   */
  serveAssets(router: Router): void {
    router.get('/assets/sspr.css', (_req, res) => {
      res.set('Cache-Control', 'public, max-age=3600');
      res.type('css').send(this.css.base);
    });
    router.get('/assets/theme.css', (_req, res) => {
      res.set('Cache-Control', 'public, max-age=300');
      res.type('css').send(this.css.theme);
    });
  }
}
