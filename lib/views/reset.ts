import { html, type SafeHtml } from './html.js';
import { csrfField, errorSummary, fieldState, layout, notice, type PageContext, t } from './layout.js';

/** Common parts of every reset page's model. */
export interface ResetPageBase {
  /** The error to show, in the page's language, or null. */
  error: string | null;
  /** The id of the field the error belongs to (`email`, `code`, `password`, `confirmPassword`), or null. */
  errorField: string | null;
  /** A notice (a new code was sent), in the page's language, or null. */
  notice: string | null;
}

/** The model of step 1, the address page. */
export interface ResetStartPageModel extends ResetPageBase {
  /** The address typed before, to fill the field again after an error. */
  email: string;
}

/** The model of step 2, the code page. */
export interface ResetVerifyPageModel extends ResetPageBase {
  /** The address the code went to (as typed). */
  email: string;
  /** Digits in a code. */
  codeDigits: number;
  /** How long a code works, in minutes. */
  codeMinutes: number;
}

/** The model of step 3, the new password page. */
export interface ResetPasswordPageModel extends ResetPageBase {
  minLength: number;
  maxLength: number;
  /** Each reason the password was refused, in the page's language, shown as a list. */
  reasons: string[];
}

/**
 * The state attributes of a field: invalid when the error is its own; focused
 * when it is the invalid field, or when it is the page's first field and no
 * field is invalid.
 */
function stateOf(
  model: ResetPageBase,
  field: string,
  options: { hint?: string; first?: boolean } = {},
): SafeHtml {
  const invalid = model.errorField === field && model.error !== null;
  return fieldState({
    invalid,
    describedBy: [options.hint, invalid ? `${field}-error` : null],
    autofocus: invalid || (options.first === true && (model.errorField === null || model.error === null)),
  });
}

function fieldError(model: ResetPageBase, field: string): SafeHtml {
  return model.errorField === field && model.error
    ? html`<p class="sspr-field-error" id="${field}-error">${model.error}</p>`
    : html``;
}

/** The model with `errorField` cleared when the field is not on the page (the error is then the page's). */
function onPage<T extends ResetPageBase>(input: T, fields: readonly string[]): T {
  return input.errorField !== null && !fields.includes(input.errorField)
    ? { ...input, errorField: null }
    : input;
}

/** The summary at the top; it links to the field when the error is a field's. */
function summary(context: PageContext, model: ResetPageBase): SafeHtml {
  return errorSummary(context, model.error, model.errorField);
}

/** Step 1: "Email address" and "Send verification code". */
export function resetStartPage(context: PageContext, input: ResetStartPageModel): string {
  const model = onPage(input, ['email']);
  return layout(
    context,
    t(context, 'page.reset.title'),
    html`<h1>${t(context, 'page.reset.title')}</h1>
${notice(model.notice)}
${summary(context, model)}
<p>${t(context, 'page.reset.intro')}</p>
<form method="post" action="${context.basePath}/reset" novalidate>
${csrfField(context)}
<label for="email">${t(context, 'field.email')}</label>
<input id="email" name="email" type="email" autocomplete="email" required value="${model.email}"${stateOf(model, 'email', { first: true })}>
${fieldError(model, 'email')}
<div class="sspr-actions"><button type="submit">${t(context, 'button.sendCode')}</button></div>
</form>
<p class="sspr-links"><a href="${context.basePath}/signin">${t(context, 'link.backToSignIn')}</a></p>`,
  );
}

/** Step 2: "Verification code", "Verify code", "Send new code", "Change e-mail". */
export function resetVerifyPage(context: PageContext, input: ResetVerifyPageModel): string {
  const model = onPage(input, ['code']);
  return layout(
    context,
    t(context, 'page.verify.title'),
    html`<h1>${t(context, 'page.verify.title')}</h1>
${notice(model.notice)}
${summary(context, model)}
<p>${t(context, 'page.verify.intro', { email: model.email })}</p>
<form method="post" action="${context.basePath}/reset/verify" novalidate>
${csrfField(context)}
<label for="code">${t(context, 'field.code')}</label>
<p class="sspr-hint" id="code-hint">${t(context, 'page.verify.hint', { digits: model.codeDigits, minutes: model.codeMinutes })}</p>
<input id="code" name="code" type="text" inputmode="numeric" autocomplete="one-time-code" required maxlength="20" class="sspr-code"${stateOf(model, 'code', { hint: 'code-hint', first: true })}>
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
export function resetPasswordPage(context: PageContext, input: ResetPasswordPageModel): string {
  const model = onPage(input, ['password', 'confirmPassword']);
  return layout(
    context,
    t(context, 'page.newPassword.title'),
    html`<h1>${t(context, 'page.newPassword.title')}</h1>
${summary(context, model)}
<p>${t(context, 'page.newPassword.intro')}</p>
<form method="post" action="${context.basePath}/reset/password" novalidate>
${csrfField(context)}
<label for="password">${t(context, 'field.newPassword')}</label>
<p class="sspr-hint" id="password-hint">${t(context, 'hint.password', { min: model.minLength, max: model.maxLength })}</p>
<input id="password" name="password" type="password" autocomplete="new-password" required${stateOf(model, 'password', { hint: 'password-hint', first: true })}>
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
<input id="confirmPassword" name="confirmPassword" type="password" autocomplete="new-password" required${stateOf(model, 'confirmPassword')}>
${fieldError(model, 'confirmPassword')}
<div class="sspr-actions"><button type="submit">${t(context, 'button.continue')}</button></div>
</form>`,
  );
}
