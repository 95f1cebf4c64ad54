/**
 * express-sspr: local-account sign-in and self-service password reset for
 * Express and Passport. This is the one public entry point.
 */
export type { CreateUserInput, PublicUser, SsprUser } from './accounts/accounts.js';
export { Accounts } from './accounts/accounts.js';
export {
  type Argon2Parameters,
  argon2Hasher,
  DEFAULT_ARGON2_PARAMETERS,
  type PasswordHasher,
} from './accounts/hasher.js';
export * from './accounts/password-policy.js';
export { type PolicyAdmin, type PolicyInput, parsePolicyInput } from './admin/policy.js';
export type { EligibilityReport } from './admin/report.js';
export { AUDIT_EVENT_TYPES, type Authorize, hasAdminRole } from './admin/router.js';
export type { AuditEventType } from './audit/audit-log.js';
export { type Clock, systemClock } from './clock.js';
export { ERROR_CATALOGUE, type ErrorCode, type ErrorDetails, isSsprError, SsprError } from './errors.js';
export { PAGE_CSP } from './http/pages.js';
export { type Catalogue, en, format, type MessageKey } from './i18n/en.js';
export { es } from './i18n/es.js';
export { MESSAGE_KEYS, type MessageOverrides, SHIPPED_CATALOGUES } from './i18n/messages.js';
export { createIdentity, type Done, type Identity, type SessionPayload } from './identity.js';
export { jsonLogger, type LogFields, type Logger, silentLogger } from './logger.js';
export {
  type Mailer,
  type MailMessage,
  type NodemailerMailerOptions,
  nodemailerMailer,
} from './mail/mailer.js';
export type { Outbox, OutboxOptions } from './mail/outbox.js';
export {
  defaultMailTemplates,
  type MailContext,
  type MailTemplates,
  type PasswordChangedMailModel,
  type RenderedMail,
  type ResetCodeMailModel,
} from './mail/templates.js';
export type {
  BrandingOptions,
  FooterLink,
  HashingLimits,
  IdentityOptions,
  LockoutOptions,
  RateLimit,
  RateLimitOptions,
  ResolvedBranding,
  ResolvedOptions,
} from './options.js';
export { DEFAULTS } from './options.js';
export { cryptoRandom, type Random } from './random.js';
export { RESET_DEFAULTS, type ResetOptions } from './reset/service.js';
export { type MemoryStoreOptions, memoryStore } from './store/memory/index.js';
export { MONGO_COLLECTIONS, type MongoStoreOptions, mongoStore } from './store/mongodb/index.js';
export type * from './store/types.js';
export type { AuditPageModel, PolicyBladeModel } from './views/admin.js';
export { html, type Interpolation, SafeHtml } from './views/html.js';
export { layout as pageLayout, type PageContext, t as pageMessage } from './views/layout.js';
export type {
  ResetPageBase,
  ResetPasswordPageModel,
  ResetStartPageModel,
  ResetVerifyPageModel,
} from './views/reset.js';
export type { ErrorPageModel, SignInPageModel } from './views/signin.js';
export { defaultPageTemplates, type PageTemplates } from './views/templates.js';
