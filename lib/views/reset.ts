import { html, type SafeHtml } from './html.js';
import { alert, csrfField, layout, notice, type PageContext, t } from './layout.js';

/** Common parts of every reset page's model. */
interface ResetPageBase {
  error: string | null;
  /** Which field the error belongs to, if any. */
  errorField: string | null;
  notice: string | null;
}

export interface ResetStartPageModel extends ResetPageBase {
  email: string;
}

export interface ResetVerifyPageModel extends ResetPageBase {
  email: string;
  codeMinutes: number;
}

export interface ResetPasswordPageModel extends ResetPageBase {
  minLength: number;
  maxLength: number;
  /** Each reason the password was refused, shown as a list. */
  reasons: string[];
}

function describedBy(model: ResetPageBase, field: string, hint?: string): SafeHtml {
  const ids = [hint, model.errorField === field ? `${field}-error` : undefined].filter(Boolean).join(' ');
  const invalid = model.errorField === field ? 'true' : 'false';
  return html` aria-invalid="${invalid}"${ids ? html` aria-describedby="${ids}"` : html``}`;
}

function fieldError(model: ResetPageBase, field: string): SafeHtml {
  return model.errorField === field && model.error
    ? html`<p class="sspr-field-error" id="${field}-error">${model.error}</p>`
    : html``;
}

/** A page-level alert only for errors that belong to no field. */
function pageError(model: ResetPageBase): SafeHtml {
  return alert(model.errorField === null ? model.error : null);
}

/** Step 1: "Email address" and "Send verification code". */
export function resetStartPage(context: PageContext, model: ResetStartPageModel): string {
  return layout(
    context,
    t(context, 'page.reset.title'),
    html`<h1>${t(context, 'page.reset.title')}</h1>
${notice(model.notice)}
${pageError(model)}
<p>${t(context, 'page.reset.intro')}</p>
<form method="post" action="${context.basePath}/reset" novalidate>
${csrfField(context)}
<label for="email">${t(context, 'field.email')}</label>
<input id="email" name="email" type="email" autocomplete="email" required value="${model.email}"${describedBy(model, 'email')}>
${fieldError(model, 'email')}
<div class="sspr-actions"><button type="submit">${t(context, 'button.sendCode')}</button></div>
</form>
<p class="sspr-links"><a href="${context.basePath}/signin">${t(context, 'link.backToSignIn')}</a></p>`,
  );
}

/** Step 2: "Verification code", "Verify code", "Send new code", "Change e-mail". */
export function resetVerifyPage(context: PageContext, model: ResetVerifyPageModel): string {
  return layout(
    context,
    t(context, 'page.verify.title'),
    html`<h1>${t(context, 'page.verify.title')}</h1>
${notice(model.notice)}
${pageError(model)}
<p>${t(context, 'page.verify.intro', { email: model.email })}</p>
<form method="post" action="${context.basePath}/reset/verify" novalidate>
${csrfField(context)}
<label for="code">${t(context, 'field.code')}</label>
<p class="sspr-hint" id="code-hint">${t(context, 'page.verify.hint', { minutes: model.codeMinutes })}</p>
<input id="code" name="code" type="text" inputmode="numeric" autocomplete="one-time-code" required maxlength="20"${describedBy(model, 'code', 'code-hint')}>
${fieldError(model, 'code')}
<div class="sspr-actions"><button type="submit">${t(context, 'button.verifyCode')}</button></div>
</form>
<div class="sspr-actions">
<form method="post" action="${context.basePath}/reset/resend" class="sspr-inline">
${csrfField(context)}
<button type="submit" class="sspr-secondary">${t(context, 'button.sendNewCode')}</button>
</form>
<form method="post" action="${context.basePath}/reset/change" class="sspr-inline">
${csrfField(context)}
<button type="submit" class="sspr-secondary">${t(context, 'button.changeEmail')}</button>
</form>
</div>`,
  );
}

/** Step 3: "New password", "Confirm new password", "Continue". */
export function resetPasswordPage(context: PageContext, model: ResetPasswordPageModel): string {
  return layout(
    context,
    t(context, 'page.newPassword.title'),
    html`<h1>${t(context, 'page.newPassword.title')}</h1>
${pageError(model)}
<p>${t(context, 'page.newPassword.intro')}</p>
<form method="post" action="${context.basePath}/reset/password" novalidate>
${csrfField(context)}
<label for="password">${t(context, 'field.newPassword')}</label>
<p class="sspr-hint" id="password-hint">${t(context, 'hint.password', { min: model.minLength, max: model.maxLength })}</p>
<input id="password" name="password" type="password" autocomplete="new-password" required${describedBy(model, 'password', 'password-hint')}>
${
  model.errorField === 'password' && model.error
    ? html`<div class="sspr-field-error" id="password-error"><p>${model.error}</p>${
        model.reasons.length > 0
          ? html`<ul>${model.reasons.map((reason) => html`<li>${reason}</li>`)}</ul>`
          : html``
      }</div>`
    : html``
}
<label for="confirmPassword">${t(context, 'field.confirmPassword')}</label>
<input id="confirmPassword" name="confirmPassword" type="password" autocomplete="new-password" required${describedBy(model, 'confirmPassword')}>
${fieldError(model, 'confirmPassword')}
<div class="sspr-actions"><button type="submit">${t(context, 'button.continue')}</button></div>
</form>`,
  );
}
