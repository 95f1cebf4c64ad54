import { type AuditPageModel, auditPage, type PolicyBladeModel, policyBlade } from './admin.js';
import type { PageContext } from './layout.js';
import {
  type ResetPasswordPageModel,
  type ResetStartPageModel,
  type ResetVerifyPageModel,
  resetPasswordPage,
  resetStartPage,
  resetVerifyPage,
} from './reset.js';
import { type ErrorPageModel, errorPage, type SignInPageModel, signInPage } from './signin.js';

/**
 * One render function per page. Each gets the {@link PageContext} (branding,
 * language, messages, CSRF token) and the page's model, and returns the whole
 * HTML document. Replace any of them with the `pageTemplates` option; the
 * pages are served with a strict CSP, so a template must not use inline
 * script or `style` attributes.
 */
export interface PageTemplates {
  /** `GET /signin`, and the sign-in form again after an error. */
  signIn: (context: PageContext, model: SignInPageModel) => string;
  /** `GET /reset`: "Email address", "Send verification code". */
  resetStart: (context: PageContext, model: ResetStartPageModel) => string;
  /** `GET /reset/verify`: "Verification code", "Verify code", "Send new code", "Change e-mail". */
  resetVerify: (context: PageContext, model: ResetVerifyPageModel) => string;
  /** `GET /reset/password`: "New password", "Confirm new password", "Continue". */
  resetPassword: (context: PageContext, model: ResetPasswordPageModel) => string;
  /** Any error that has no form to show it on. */
  error: (context: PageContext, model: ErrorPageModel) => string;
  /** `GET /admin/password-reset`: the policy blade. */
  adminPolicy: (context: PageContext, model: PolicyBladeModel) => string;
  /** `GET /admin/audit`: the audit log. */
  audit: (context: PageContext, model: AuditPageModel) => string;
}

/** The built-in page templates. */
export const defaultPageTemplates: Readonly<PageTemplates> = Object.freeze({
  signIn: signInPage,
  resetStart: resetStartPage,
  resetVerify: resetVerifyPage,
  resetPassword: resetPasswordPage,
  error: errorPage,
  adminPolicy: policyBlade,
  audit: auditPage,
});
