/**
 * The example app's own pages. Every value is escaped with escape-html by the
 * library's `html` tag; pages carry no script and only external stylesheets, so
 * a strict Content-Security-Policy holds.
 */
import { html, type SafeHtml, type SsprUser } from '../lib/index.js';
import type { DevMail } from './dev-inbox.js';

/** The Content-Security-Policy of the app's pages: no script at all, styles from this site only. */
export const PAGE_CSP =
  "default-src 'self'; script-src 'none'; style-src 'self'; img-src 'self' data:; " +
  "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'";

/**
 * The dev inbox's policy. A `srcdoc` iframe inherits its parent's policy,
 * and mail HTML uses inline `style` attributes, so inline styles are allowed
 * here; scripts stay off (and the iframe's empty `sandbox` blocks them too).
 */
export const DEV_MAIL_CSP =
  "default-src 'none'; script-src 'none'; style-src 'self' 'unsafe-inline'; img-src 'self' https: data:; " +
  "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'";

/** The app's small stylesheet, served at `/example.css`, on top of express-sspr's. */
export const EXAMPLE_CSS = `main.sspr-card.example-wide{max-width:860px}
.example-nav{padding-left:1.2rem}
.example-nav li{margin:.3rem 0}
.example-mail{border-top:1px solid #ddd;padding-top:1rem;margin-top:1rem}
.example-mail h2{font-size:1.1rem;margin:0 0 .5rem}
.example-mail dl{display:grid;grid-template-columns:max-content 1fr;gap:.1rem 1rem;margin:0 0 .75rem;font-size:.9rem}
.example-mail dt{font-weight:600}
.example-mail dd{margin:0}
.example-mail pre{white-space:pre-wrap;background:#f6f6f6;padding:.75rem;font-size:.85rem;overflow:auto}
.example-mail iframe{width:100%;height:480px;border:1px solid #ccc;background:#fff}
`;

export interface PageOptions {
  title: string;
  companyName: string;
  wide?: boolean;
}

/** The page frame, using express-sspr's stylesheets so the app and the sign-in pages look alike. */
export function layout(options: PageOptions, body: SafeHtml): string {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="same-origin">
<title>${options.title} - ${options.companyName}</title>
<link rel="stylesheet" href="/auth/assets/sspr.css">
<link rel="stylesheet" href="/auth/assets/theme.css">
<link rel="stylesheet" href="/example.css">
</head>
<body>
<main class="${options.wide ? 'sspr-card example-wide' : 'sspr-card'}">
<p class="sspr-company">${options.companyName}</p>
${body}
</main>
</body>
</html>
`.value;
}

/** Who the user is, for headings: display name, else email, else username. */
export function nameOf(user: SsprUser): string {
  return user.displayName ?? user.email ?? user.username ?? user.id;
}

export interface HomeModel {
  user: SsprUser | null;
  /** The session's CSRF token for the sign-out form (only when signed in). */
  csrfToken: string | null;
  isAdmin: boolean;
  devInbox: boolean;
}

export function homePage(companyName: string, model: HomeModel): string {
  const { user } = model;
  const who = user
    ? html`<p>Signed in as <strong>${nameOf(user)}</strong>${user.email && user.displayName ? html` (${user.email})` : ''}.</p>
<form method="post" action="/auth/signout" class="sspr-inline">
<input type="hidden" name="_csrf" value="${model.csrfToken ?? ''}">
<button type="submit" class="sspr-secondary">Sign out</button>
</form>`
    : html`<p>You are not signed in.</p>
<p><a class="sspr-button" href="/auth/signin">Sign in</a></p>`;
  const admin = model.isAdmin
    ? html`<li><a href="/auth/admin/password-reset">Password reset policy</a> (administrators)</li>`
    : '';
  return layout(
    { title: 'Home', companyName },
    html`<h1>Welcome</h1>
${who}
<ul class="example-nav">
<li><a href="/profile">Your profile</a></li>
<li><a href="/auth/reset">Forgot your password?</a></li>
${admin}
${model.devInbox ? html`<li><a href="/dev/mail">Dev inbox</a> (mail the app has sent)</li>` : ''}
</ul>`,
  );
}

function list(values: readonly string[]): SafeHtml | string {
  return values.length === 0 ? html`<em>none</em>` : values.join(', ');
}

export function profilePage(companyName: string, user: SsprUser): string {
  return layout(
    { title: 'Profile', companyName },
    html`<h1>Your profile</h1>
<table>
<tr><th scope="row">Display name</th><td>${user.displayName ?? html`<em>none</em>`}</td></tr>
<tr><th scope="row">Email</th><td>${user.email ?? html`<em>none</em>`}</td></tr>
<tr><th scope="row">Username</th><td>${user.username ?? html`<em>none</em>`}</td></tr>
<tr><th scope="row">Groups</th><td>${list(user.groups)}</td></tr>
<tr><th scope="row">Roles</th><td>${list(user.roles)}</td></tr>
</table>
<p class="sspr-links"><a href="/">Home</a></p>`,
  );
}

/**
 * The dev inbox. A message's HTML part is never put into this page: it goes,
 * attribute-escaped, into the `srcdoc` of an iframe whose empty `sandbox`
 * gives it no scripts, no forms, no navigation and an opaque origin.
 */
export function devMailPage(companyName: string, messages: readonly DevMail[]): string {
  const items = messages.map(
    (mail) => html`<article class="example-mail">
<h2>${mail.subject || '(no subject)'}</h2>
<dl>
<dt>To</dt><dd>${mail.to.join(', ')}</dd>
<dt>From</dt><dd>${mail.from}</dd>
<dt>Received</dt><dd><time datetime="${mail.receivedAt}">${mail.receivedAt}</time></dd>
</dl>
<details open><summary>Text part</summary><pre>${mail.text}</pre></details>
${
  mail.html === null
    ? ''
    : html`<details><summary>HTML part</summary>
<iframe sandbox="" referrerpolicy="no-referrer" loading="lazy" title="${`HTML part: ${mail.subject}`}" srcdoc="${mail.html}"></iframe>
</details>`
}
</article>`,
  );
  return layout(
    { title: 'Dev inbox', companyName, wide: true },
    html`<h1>Dev inbox</h1>
<p>Mail sent by this app to the in-process SMTP server, newest first (at most 100; kept in memory only).
As JSON: <a href="/dev/mail.json">/dev/mail.json</a>.</p>
${messages.length === 0 ? html`<p><em>No mail yet.</em></p>` : items}
<p class="sspr-links"><a href="/">Home</a></p>`,
  );
}
