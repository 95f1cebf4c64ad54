import { type Catalogue, format, type MessageKey } from '../i18n/en.js';
import { html, type SafeHtml } from './html.js';

/** What every page needs to render. */
export interface PageContext {
  /** Where the routers are mounted (`req.baseUrl`), e.g. `/auth`. */
  basePath: string;
  branding: { companyName: string; logoUrl: string | null };
  lang: string;
  messages: Catalogue;
  csrfToken: string | null;
}

/** Looks up and fills a message. */
export function t(context: PageContext, key: MessageKey, values?: Record<string, string | number>): string {
  return format(context.messages[key], { companyName: context.branding.companyName, ...values });
}

/** A page-level error, announced to screen readers. */
export function alert(message: string | null): SafeHtml {
  return message ? html`<div class="sspr-alert" role="alert" id="sspr-error">${message}</div>` : html``;
}

/** A page-level notice. */
export function notice(message: string | null): SafeHtml {
  return message ? html`<div class="sspr-notice" role="status" aria-live="polite">${message}</div>` : html``;
}

/** The hidden CSRF field of a form. */
export function csrfField(context: PageContext): SafeHtml {
  return context.csrfToken ? html`<input type="hidden" name="_csrf" value="${context.csrfToken}">` : html``;
}

/** The page frame: branding, stylesheets, one card. */
export function layout(context: PageContext, title: string, body: SafeHtml): string {
  const { companyName, logoUrl } = context.branding;
  return html`<!doctype html>
<html lang="${context.lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="same-origin">
<title>${title} - ${companyName}</title>
<link rel="stylesheet" href="${context.basePath}/assets/sspr.css">
<link rel="stylesheet" href="${context.basePath}/assets/theme.css">
</head>
<body>
<main class="sspr-card">
${logoUrl ? html`<img class="sspr-logo" src="${logoUrl}" alt="${companyName}">` : html`<p class="sspr-company">${companyName}</p>`}
${body}
</main>
</body>
</html>
`.value;
}
