import type { Request, Response } from 'express';
import type {} from 'express-session';
import { type Catalogue, en } from '../i18n/en.js';
import type { PageContext } from '../views/layout.js';
import { BASE_CSS, themeCss } from '../views/styles.js';
import type { Csrf } from './csrf.js';

/** Security headers on every page express-sspr serves: a strict CSP with no inline script or style. */
export const PAGE_CSP =
  "default-src 'self'; img-src 'self' https: data:; style-src 'self'; script-src 'self'; " +
  "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'";

/** Builds the context pages render with, from the request. */
export class Pages {
  /** The stylesheets the routers serve under `assets/`. */
  readonly css: { base: string; theme: string };

  constructor(
    private readonly branding: {
      companyName: string;
      logoUrl: string | null;
      accentColor: string;
      backgroundColor: string;
    },
    private readonly catalogue: Catalogue = en,
  ) {
    this.css = { base: BASE_CSS, theme: themeCss(branding) };
  }

  context(req: Request, csrf: Csrf | null): PageContext {
    return {
      basePath: req.baseUrl,
      branding: { companyName: this.branding.companyName, logoUrl: this.branding.logoUrl },
      lang: 'en',
      messages: this.catalogue,
      csrfToken: csrf && req.session ? csrf.token(req) : null,
    };
  }

  get messages(): Catalogue {
    return this.catalogue;
  }

  /** Sends a page with the security headers. */
  send(res: Response, markup: string, status = 200): void {
    res.status(status);
    res.set('Content-Security-Policy', PAGE_CSP);
    res.set('X-Frame-Options', 'DENY');
    res.type('html').send(markup);
  }
}
