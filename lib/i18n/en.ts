/**
 * English, the reference catalogue: every visible string of the pages, the
 * error messages, the password rules and the mails. Every other catalogue has
 * exactly these keys, with the same `{placeholders}` in each message.
 *
 * Placeholders are filled by {@link format}; `{companyName}` is available in
 * every page and mail message.
 *
 * @module
 */

/** English, the reference catalogue (see the module documentation). */
export const en = {
  'page.titleFormat': '{title} - {companyName}',

  'page.signin.title': 'Sign in',
  'page.signin.heading': 'Sign in',
  'page.signin.intro': 'Sign in with your {companyName} account.',
  'field.email': 'Email address',
  'field.username': 'Username',
  'field.password': 'Password',
  'button.signin': 'Sign in',
  'link.cantAccess': "Can't access your account?",
  'notice.passwordReset': 'Your password has been changed. Sign in with your new password.',
  'notice.signedOut': 'You have signed out.',

  'page.error.title': 'Something went wrong',
  'page.error.back': 'Back to sign in',
  'error.heading': 'There is a problem',
  'link.backToSignIn': 'Back to sign in',

  'page.reset.title': 'Reset your password',
  'page.reset.intro': "Enter the email address of your account and we'll send you a verification code.",
  'button.sendCode': 'Send verification code',
  'page.verify.title': 'Enter verification code',
  'page.verify.intro':
    'If {email} can reset its password here, a verification code is on its way to it. Copy the code to the box below.',
  'page.verify.hint': 'The code is {digits} digits. It expires in {minutes} minutes.',
  'field.code': 'Verification code',
  'button.verifyCode': 'Verify code',
  'button.sendNewCode': 'Send new code',
  'button.changeEmail': 'Change e-mail',
  'notice.codeResent': 'A new code has been sent. Use the newest code.',
  'page.newPassword.title': 'Choose a new password',
  'page.newPassword.intro': 'Your code is verified. Choose a new password for your account.',
  'field.newPassword': 'New password',
  'field.confirmPassword': 'Confirm new password',
  'hint.password':
    'Use {min} to {max} characters. A few unrelated words make a strong password that is easy to remember.',
  'button.continue': 'Continue',

  'error.invalid_request': 'The request is not valid.',
  'error.invalid_credentials': 'Your sign-in name or password is incorrect.',
  'error.unauthenticated': 'You need to sign in.',
  'error.csrf_invalid': 'Your session has expired. Reload the page and try again.',
  'error.forbidden': 'You do not have permission to do that.',
  'error.reset_disabled': 'Self-service password reset is not available.',
  'error.not_verified': 'Verify the code before choosing a new password.',
  'error.flow_not_found': 'This password reset was not found. Start again.',
  'error.not_found': 'Not found.',
  'error.conflict': 'An account with that sign-in name already exists.',
  'error.flow_expired': 'This password reset has expired. Start again.',
  'error.invalid_code': 'That code is not correct.',
  'error.too_many_attempts': 'Too many wrong codes. Start again.',
  'error.weak_password': 'Choose a stronger password.',
  'error.rate_limited': 'Too many requests. Try again later.',
  'error.unsupported_media_type': 'Send the request as JSON or as a form.',
  'error.payload_too_large': 'The request is too large.',
  'error.unavailable': 'The service is temporarily unavailable. Try again shortly.',
  'error.internal_error': 'Something went wrong.',

  'error.passwordsDiffer': 'The passwords do not match.',
  'error.codeExpired': 'This code has expired. Send a new code.',
  'error.attemptsLeft': 'That code is not correct. Tries left: {count}.',
  'error.invalidEmail': 'Enter a valid email address.',
  'error.tooManyCodes': 'Too many codes were requested. Try again later.',
  'error.tooManyCodesInFlow': 'Too many codes were requested. Start again later.',
  'error.resendWait': 'Wait a moment before asking for a new code.',
  'error.alreadyVerified': 'The code is already verified.',
  'error.signInLocked': 'Too many failed sign-ins. Try again later.',
  'error.bodyUnreadable': 'The request body could not be read.',
  'error.bodyNotObject': 'The request body must be an object.',
  'error.fieldRequired': '{field} is required and must be a string.',
  'error.fieldTooLong': '{field} is too long.',
  'error.policyNotObject': 'The policy must be an object with enabled and groups.',
  'error.policyEnabled': 'enabled must be one of none, selected, all.',
  'error.policyGroupsList': 'groups must be a list of at most 100 group names.',
  'error.policyGroupName': 'Each group must be a name of 1-64 letters, digits, spaces or . _ : @ -',
  'error.policyGroupsRequired': 'groups must name at least one group when enabled is selected.',

  'password.not_a_string': 'The password must be text.',
  'password.too_short': 'Use at least {min} characters.',
  'password.too_long': 'Use no more than {max} characters.',
  'password.common': 'This password is too common. Choose one that is harder to guess.',
  'password.contains_context':
    'Your password must not contain your name, email address, username or the name of this service.',
  'password.too_few_classes':
    'Use at least {classes} of these: lower-case letters, upper-case letters, digits and symbols.',
  'password.control_characters':
    'Your password must not contain control characters such as tabs or line breaks.',

  'mail.footer': 'This message was sent by {companyName}. Please do not reply to it.',
  'mail.code.subject': '{companyName} account email verification code',
  'mail.code.heading': 'Verify your email address',
  'mail.code.body': 'Use this code to reset the password of your {companyName} account:',
  'mail.code.label': 'Your code',
  'mail.code.expiry': 'The code expires in {minutes} minutes.',
  'mail.code.link': 'Enter the code on this page:',
  'mail.code.ignore':
    "If you didn't ask to reset your password, you can ignore this email. Your password has not changed.",
  'mail.notEnabled.subject': 'About your {companyName} password reset request',
  'mail.notEnabled.heading': 'Password reset is not available for your account',
  'mail.notEnabled.body':
    'Someone asked to reset the password of your {companyName} account, but self-service password reset is not enabled for your account. Contact your administrator to reset your password.',
  'mail.notEnabled.ignore':
    "If you didn't ask for this, you can ignore this email. Your password has not changed.",
  'mail.changed.subject': 'Your {companyName} password was changed',
  'mail.changed.heading': 'Your password was changed',
  'mail.changed.body': 'The password of your {companyName} account was changed on {time}.',
  'mail.changed.signIn': 'Sign in with your new password:',
  'mail.changed.warning': "If you didn't change it, contact your administrator right away.",
  'mail.unknown.subject': 'About your {companyName} password reset request',
  'mail.unknown.heading': 'Someone tried to reset a password',
  'mail.unknown.body':
    'Someone asked to reset the password of a {companyName} account with this email address, but there is no account with this address.',
  'mail.unknown.ignore': "If you didn't ask for this, you can ignore this email.",

  'page.admin.title': 'Password reset',
  'page.admin.intro':
    'Choose who can reset their own password with a verification code sent to their email address.',
  'admin.enabled.legend': 'Self service password reset enabled',
  'admin.enabled.none': 'None',
  'admin.enabled.selected': 'Selected',
  'admin.enabled.all': 'All',
  'admin.covers': '{count} accounts',
  'admin.coversOne': '1 account',
  'admin.groups.label': 'Groups',
  'admin.groups.hint': 'For Selected: members of any of these groups can reset. Separate groups with commas.',
  'admin.save': 'Save',
  'admin.saved': 'Your changes have been saved.',
  'admin.lastChange': 'Last changed by {actor} on {time}.',
  'admin.neverChanged': 'Not changed yet: self-service password reset is off by default.',
  'admin.report.heading': 'Who the current policy covers',
  'admin.report.total': 'Accounts',
  'admin.report.covered': 'Can reset',
  'admin.report.notCovered': 'Cannot reset',
  'admin.report.withoutEmail': 'Without an email address',
  'admin.audit.link': 'Audit log',
  'page.audit.title': 'Audit log',
  'audit.filter.type': 'Event type',
  'audit.filter.any': 'Any',
  'audit.filter.userId': 'User id',
  'audit.filter.since': 'Since (YYYY-MM-DD)',
  'audit.filter.apply': 'Filter',
  'audit.col.time': 'Time',
  'audit.col.type': 'Event',
  'audit.col.user': 'User',
  'audit.col.actor': 'Actor',
  'audit.col.ip': 'IP address',
  'audit.col.details': 'Details',
  'audit.empty': 'No events match.',
  'audit.next': 'Older events',
  'admin.back': 'Back to password reset',
} as const;

/** The key of a message; every catalogue has every key. */
export type MessageKey = keyof typeof en;

/** A complete message catalogue: one string per {@link MessageKey}. */
export type Catalogue = Record<MessageKey, string>;

/**
 * Fills `{name}` placeholders. Values are plain text; escaping happens in the
 * template. A placeholder without a value is left as it is.
 */
export function format(template: string, values: Record<string, string | number> = {}): string {
  return template.replace(/\{(\w+)\}/g, (match, name: string) =>
    Object.hasOwn(values, name) ? String(values[name]) : match,
  );
}

/** The `{placeholder}` names a message uses. */
export function placeholders(template: string): Set<string> {
  return new Set([...template.matchAll(/\{(\w+)\}/g)].map((match) => match[1] ?? ''));
}
