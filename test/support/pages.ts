import { en } from '../../lib/i18n/en.js';
import { DEFAULTS, type ResolvedBranding } from '../../lib/options.js';
import type { PageContext } from '../../lib/views/layout.js';
import { defaultPageTemplates, type PageTemplates } from '../../lib/views/templates.js';

/** The branding defaults, with some fields replaced. */
export function branding(overrides: Partial<ResolvedBranding> = {}): ResolvedBranding {
  return { ...DEFAULTS.branding, companyName: 'Contoso', ...overrides };
}

/** A page context as the routers build it, with some fields replaced. */
export function pageContext(overrides: Partial<PageContext> = {}): PageContext {
  return {
    basePath: '/auth',
    branding: branding(),
    lang: 'en',
    messages: en,
    csrfToken: 'csrf-token-value',
    ...overrides,
  };
}

const POLICY = {
  enabled: 'selected' as const,
  groups: ['pilot'],
  updatedAt: new Date('2025-01-02T03:04:05Z'),
  updatedBy: 'ops@example.com',
};

const REPORT = {
  policy: { enabled: 'selected' as const, groups: ['pilot'] },
  total: 3,
  covered: 1,
  notCovered: 2,
  withoutEmail: 0,
  byChoice: { none: 0, selected: 1, all: 3 },
  groups: [{ group: 'pilot', members: 1, covered: 1 }],
};

/** A rendered page: which template, in which state. */
export interface RenderedPage {
  name: string;
  /** Whether the page shows an error. */
  withError: boolean;
  markup: string;
}

/**
 * Every page, fresh and with an error (a field's error where the page has
 * fields), rendered with `templates` (default: the built-in ones).
 */
export function renderEveryPage(
  context: PageContext = pageContext(),
  templates: PageTemplates = defaultPageTemplates,
): RenderedPage[] {
  const pages: RenderedPage[] = [];
  const add = (name: string, withError: boolean, markup: string) => pages.push({ name, withError, markup });
  const signIn = {
    signInName: 'email' as const,
    name: '',
    returnTo: '/home',
    showResetLink: true,
    error: null,
    fieldsInvalid: false,
    notice: null,
  };
  add('signIn', false, templates.signIn(context, signIn));
  add(
    'signIn',
    true,
    templates.signIn(context, {
      ...signIn,
      name: 'alice@example.com',
      error: 'Your sign-in name or password is incorrect.',
      fieldsInvalid: true,
    }),
  );
  const base = { error: null, errorField: null, notice: null };
  add('resetStart', false, templates.resetStart(context, { ...base, email: '' }));
  add(
    'resetStart',
    true,
    templates.resetStart(context, {
      email: 'not-an-address',
      error: 'Enter a valid email address.',
      errorField: 'email',
      notice: null,
    }),
  );
  const verify = { ...base, email: 'alice@example.com', codeDigits: 6, codeMinutes: 10 };
  add('resetVerify', false, templates.resetVerify(context, verify));
  add(
    'resetVerify',
    true,
    templates.resetVerify(context, {
      ...verify,
      error: 'That code is not correct. Tries left: 4.',
      errorField: 'code',
    }),
  );
  const password = { ...base, minLength: 8, maxLength: 128, reasons: [] };
  add('resetPassword', false, templates.resetPassword(context, password));
  add(
    'resetPassword',
    true,
    templates.resetPassword(context, {
      ...password,
      error: 'Choose a stronger password.',
      errorField: 'password',
      reasons: ['Use at least 8 characters.', 'This password is too common.'],
    }),
  );
  add(
    'error',
    true,
    templates.error(
      { ...context, csrfToken: null },
      {
        message: 'This password reset has expired. Start again.',
        code: 'flow_expired',
        status: 410,
      },
    ),
  );
  const blade = {
    policy: POLICY,
    report: REPORT,
    groupsText: 'pilot',
    enabled: 'selected' as const,
    saved: false,
    error: null,
    errorField: null,
  };
  add('adminPolicy', false, templates.adminPolicy(context, blade));
  add(
    'adminPolicy',
    true,
    templates.adminPolicy(context, {
      ...blade,
      groupsText: '',
      error: 'groups must name at least one group when enabled is selected.',
      errorField: 'groups',
    }),
  );
  add(
    'audit',
    false,
    templates.audit(
      { ...context, csrfToken: null },
      {
        events: [
          {
            id: 'e1',
            type: 'signin.success',
            at: new Date('2025-01-02T03:04:05Z'),
            userId: 'u1',
            actor: null,
            ip: '127.0.0.1',
            data: {},
          },
        ],
        filters: { type: '', userId: '', since: '' },
        types: ['signin.success', 'signin.failure'],
        nextHref: '/auth/admin/audit?cursor=abc',
      },
    ),
  );
  return pages;
}
