import type { ErrorCode } from '../errors.js';
import { html } from './html.js';
import { alert, csrfField, errorSummary, fieldState, layout, notice, type PageContext, t } from './layout.js';

/** The model of the sign-in page. */
export interface SignInPageModel {
  signInName: 'email' | 'username';
  /** The name typed before, to fill the field again after an error. */
  name: string;
  returnTo: string | null;
  /** Show "Can't access your account?" (the reset policy is not `none`). */
  showResetLink: boolean;
  /** The error to show, in the page's language, or null. */
  error: string | null;
  /** Whether the error is about what was typed (a wrong name or password): both fields are then marked invalid. */
  fieldsInvalid: boolean;
  /** A notice (signed out, password changed), in the page's language, or null. */
  notice: string | null;
}

/** "Sign in": the sign-in name, "Password", "Sign in", and "Can't access your account?" when reset is on. */
export function signInPage(context: PageContext, model: SignInPageModel): string {
  const nameLabel = model.signInName === 'email' ? t(context, 'field.email') : t(context, 'field.username');
  const nameType = model.signInName === 'email' ? 'email' : 'text';
  const invalid = model.error !== null && model.fieldsInvalid;
  const describedBy = invalid ? ['sspr-error'] : [];
  const signInText = context.branding.signInText;
  return layout(
    context,
    t(context, 'page.signin.title'),
    html`<h1>${t(context, 'page.signin.heading')}</h1>
${notice(model.notice)}
${errorSummary(context, model.error, invalid ? 'signin-name' : null)}
<p>${t(context, 'page.signin.intro')}</p>
${signInText ? html`<p class="sspr-signin-text">${signInText}</p>` : html``}
<form method="post" action="${context.basePath}/signin" novalidate>
${csrfField(context)}
${model.returnTo ? html`<input type="hidden" name="returnTo" value="${model.returnTo}">` : html``}
<label for="signin-name">${nameLabel}</label>
<input id="signin-name" name="${model.signInName}" type="${nameType}" autocomplete="username" required value="${model.name}"${fieldState({ invalid, describedBy, autofocus: true })}>
<label for="signin-password">${t(context, 'field.password')}</label>
<input id="signin-password" name="password" type="password" autocomplete="current-password" required${fieldState({ invalid, describedBy, autofocus: false })}>
<div class="sspr-actions"><button type="submit">${t(context, 'button.signin')}</button></div>
</form>
${model.showResetLink ? html`<p class="sspr-links"><a href="${context.basePath}/reset">${t(context, 'link.cantAccess')}</a></p>` : html``}`,
  );
}

/** The model of the error page. */
export interface ErrorPageModel {
  /** The error's message, in the page's language. */
  message: string;
  /** The error's stable code. */
  code: ErrorCode;
  /** The HTTP status the page is sent with. */
  status: number;
}

/** A page for an error that has no form to show it on. */
export function errorPage(context: PageContext, model: ErrorPageModel): string {
  return layout(
    context,
    t(context, 'page.error.title'),
    html`<h1>${t(context, 'page.error.title')}</h1>
${alert(model.message)}
<p><a href="${context.basePath}/signin">${t(context, 'page.error.back')}</a></p>`,
  );
}
