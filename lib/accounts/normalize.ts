/**
 * Sign-in names are compared in one canonical form: trimmed, NFKC, and lower
 * case (usernames too, so that "Alice" and "alice" cannot be two accounts).
 */
export function normalizeEmail(email: string): string {
  return email.normalize('NFKC').trim().toLowerCase();
}

export function normalizeUsername(username: string): string {
  return username.normalize('NFKC').trim().toLowerCase();
}

// One address, no display name, no comments, no CR/LF or commas (SECURITY.md IN-2).
const EMAIL_PATTERN =
  /^[a-z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$/;

/** Whether a normalised address is one plain mailbox that mail can safely go to. */
export function isValidEmail(email: string): boolean {
  return email.length <= 254 && EMAIL_PATTERN.test(email);
}

const USERNAME_PATTERN = /^[\p{L}\p{N}._-]{1,64}$/u;

/** Whether a normalised username is acceptable: 1-64 letters, digits, dots, dashes, underscores. */
export function isValidUsername(username: string): boolean {
  return USERNAME_PATTERN.test(username);
}

const LABEL_PATTERN = /^[\p{L}\p{N} ._:@-]{1,64}$/u;

/** Whether a group or role name is acceptable: 1-64 letters, digits, spaces and `. _ : @ -`. */
export function isValidLabel(value: unknown): value is string {
  return typeof value === 'string' && LABEL_PATTERN.test(value);
}
