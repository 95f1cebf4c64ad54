/**
 * English, the reference catalogue: every visible string of the pages and
 * mails. Other catalogues must have exactly these keys.
 */
export const en = {
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
} as const;

export type MessageKey = keyof typeof en;
export type Catalogue = Record<MessageKey, string>;

/** Fills `{name}` placeholders. Values are plain text; escaping happens in the template. */
export function format(template: string, values: Record<string, string | number> = {}): string {
  return template.replace(/\{(\w+)\}/g, (match, name: string) =>
    Object.hasOwn(values, name) ? String(values[name]) : match,
  );
}
