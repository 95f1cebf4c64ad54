import { html } from './html.js';
import { alert, csrfField, layout, notice, type PageContext, t } from './layout.js';

/** The model of the sign-in page. */
export interface SignInPageModel {
  signInName: 'email' | 'username';
  /** The name typed before, to fill the field again after an error. */
  name: string;
  returnTo: string | null;
  /** Show "Can't access your account?" (the reset policy is not `none`). */
  showResetLink: boolean;
  error: string | null;
  notice: string | null;
}

export function signInPage(context: PageContext, model: SignInPageModel): string {
  const nameLabel = model.signInName === 'email' ? t(context, 'field.email') : t(context, 'field.username');
  const nameType = model.signInName === 'email' ? 'email' : 'text';
  const invalid = model.error ? 'true' : 'false';
  return layout(
    context,
    t(context, 'page.signin.title'),
    html`<h1>${t(context, 'page.signin.heading')}</h1>
${notice(model.notice)}
${alert(model.error)}
<p>${t(context, 'page.signin.intro')}</p>
<form method="post" action="${context.basePath}/signin" novalidate>
${csrfField(context)}
${model.returnTo ? html`<input type="hidden" name="returnTo" value="${model.returnTo}">` : html``}
<label for="signin-name">${nameLabel}</label>
<input id="signin-name" name="${model.signInName}" type="${nameType}" autocomplete="username" required value="${model.name}" aria-invalid="${invalid}"${model.error ? html` aria-describedby="sspr-error"` : html``}>
<label for="signin-password">${t(context, 'field.password')}</label>
<input id="signin-password" name="password" type="password" autocomplete="current-password" required aria-invalid="${invalid}">
<div class="sspr-actions"><button type="submit">${t(context, 'button.signin')}</button></div>
</form>
${model.showResetLink ? html`<p class="sspr-links"><a href="${context.basePath}/reset">${t(context, 'link.cantAccess')}</a></p>` : html``}`,
  );
}

/** A page for an error that has no form to show it on. */
export function errorPage(context: PageContext, message: string): string {
  return layout(
    context,
    t(context, 'page.error.title'),
    html`<h1>${t(context, 'page.error.title')}</h1>
${alert(message)}
<p><a href="${context.basePath}/signin">${t(context, 'page.error.back')}</a></p>`,
  );
}
