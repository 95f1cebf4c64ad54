import { type Catalogue, format, type MessageKey } from '../i18n/en.js';
import type { ResolvedBranding } from '../options.js';
import { html, type SafeHtml } from './html.js';

/** What every page needs to render: where it is mounted, the branding, the language and its messages. */
export interface PageContext {
  /** Where the routers are mounted (`req.baseUrl`), e.g. `/auth`. */
  basePath: string;
  /** The validated branding options. */
  branding: Readonly<ResolvedBranding>;
  /** The page's language tag (from `Accept-Language`), for `<html lang>`. */
  lang: string;
  /** The catalogue of that language. */
  messages: Catalogue;
  /** The session's CSRF token for the page's forms, or null when the page has no form that posts. */
  csrfToken: string | null;
}

/** Looks up and fills a message of the page's language; `{companyName}` is always available. */
export function t(context: PageContext, key: MessageKey, values?: Record<string, string | number>): string {
  return format(context.messages[key], { companyName: context.branding.companyName, ...values });
}

/** A page-level error with no heading of its own (the error page), announced to screen readers. */
export function alert(message: string | null): SafeHtml {
  return message
    ? html`<div class="sspr-alert" role="alert"><p id="sspr-error">${message}</p></div>`
    : html``;
}

/**
 * The error summary at the top of a form page: "There is a problem" and the
 * message, announced to screen readers (`role="alert"`). When the error
 * belongs to a field, the message links to it.
 */
export function errorSummary(context: PageContext, message: string | null, fieldId: string | null): SafeHtml {
  if (!message) return html``;
  return html`<div class="sspr-alert" role="alert">
<h2 class="sspr-alert-heading">${t(context, 'error.heading')}</h2>
<p id="sspr-error">${fieldId ? html`<a href="#${fieldId}">${message}</a>` : message}</p>
</div>`;
}

/** A page-level notice, announced politely. */
export function notice(message: string | null): SafeHtml {
  return message ? html`<div class="sspr-notice" role="status" aria-live="polite">${message}</div>` : html``;
}

/** The hidden CSRF field of a form. */
export function csrfField(context: PageContext): SafeHtml {
  return context.csrfToken ? html`<input type="hidden" name="_csrf" value="${context.csrfToken}">` : html``;
}

/**
 * The accessibility attributes of an input: `aria-invalid`, `aria-describedby`
 * (its hint and its error) and `autofocus`, which moves focus to the field
 * without JavaScript.
 */
export function fieldState(options: {
  invalid: boolean;
  describedBy?: ReadonlyArray<string | null | undefined>;
  autofocus: boolean;
}): SafeHtml {
  const ids = (options.describedBy ?? []).filter((id): id is string => Boolean(id)).join(' ');
  return html` aria-invalid="${options.invalid ? 'true' : 'false'}"${
    ids ? html` aria-describedby="${ids}"` : html``
  }${options.autofocus ? html` autofocus` : html``}`;
}

/** The footer with the branding's links, when there are any. */
function footer(context: PageContext): SafeHtml {
  const links = context.branding.footerLinks;
  if (links.length === 0) return html``;
  return html`<footer class="sspr-footer">
<ul>${links.map((link) => html`<li><a href="${link.url}">${link.text}</a></li>`)}</ul>
</footer>
`;
}

/**
 * The page frame: `<html lang>`, a `<title>`, the stylesheets (the built-in
 * ones, then the branding's custom one), the logo, one `<main>` card and the
 * footer. No inline script or style, so the strict CSP holds.
 */
export function layout(context: PageContext, title: string, body: SafeHtml): string {
  const { companyName, logoUrl, customCssUrl } = context.branding;
  return html`<!doctype html>
<html lang="${context.lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="same-origin">
<title>${t(context, 'page.titleFormat', { title })}</title>
<link rel="stylesheet" href="${context.basePath}/assets/sspr.css">
<link rel="stylesheet" href="${context.basePath}/assets/theme.css">
${customCssUrl ? html`<link rel="stylesheet" href="${customCssUrl}">\n` : html``}</head>
<body>
<main class="sspr-card">
${logoUrl ? html`<img class="sspr-logo" src="${logoUrl}" alt="${companyName}">` : html`<p class="sspr-company">${companyName}</p>`}
${body}
</main>
${footer(context)}</body>
</html>
`.value;
}
