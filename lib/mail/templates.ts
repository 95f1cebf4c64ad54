import { type Catalogue, format, type MessageKey } from '../i18n/en.js';
import { html, type SafeHtml } from '../views/html.js';

/**
 * What every mail needs: the branding (with URLs made absolute from
 * `baseUrl`) and the language (the account's stored `language`, else the
 * request's, else the default) with its catalogue.
 */
export interface MailContext {
  /** `branding.companyName`. */
  companyName: string;
  /** `branding.accentColor`: the top border and the links. */
  accentColor: string;
  /** `branding.backgroundColor`: around the message. */
  backgroundColor: string;
  /** An absolute logo URL, or null (none configured, or a site path without `baseUrl`). */
  logoUrl: string | null;
  /** `branding.footerLinks` with absolute URLs (site paths are dropped without `baseUrl`). */
  footerLinks: ReadonlyArray<{ text: string; url: string }>;
  /** The catalogue of `lang`. */
  messages: Catalogue;
  /** The mail's language tag. */
  lang: string;
}

/** A rendered mail: subject, text and HTML parts. */
export interface RenderedMail {
  subject: string;
  text: string;
  html: string;
}

/** The model of the verification code mail. */
export interface ResetCodeMailModel {
  code: string;
  expiresInMinutes: number;
  /** Where to enter the code, from the configured `baseUrl` (never the Host header), or null. */
  verifyUrl: string | null;
}

/** The model of the "your password was changed" mail. */
export interface PasswordChangedMailModel {
  changedAt: Date;
  signInUrl: string | null;
}

/**
 * The mails express-sspr sends; each may be replaced through the
 * `mailTemplates` option. Every mail needs a subject, a text part and an
 * HTML part; the code must never be in the subject.
 */
export interface MailTemplates {
  /** The verification code, to an account that may reset its password. */
  resetCode(context: MailContext, model: ResetCodeMailModel): RenderedMail;
  /** "Password reset is not available for your account", to an account the policy does not cover. */
  resetNotEnabled(context: MailContext, model: Record<string, never>): RenderedMail;
  /** "Your password was changed", after a completed reset. */
  passwordChanged(context: MailContext, model: PasswordChangedMailModel): RenderedMail;
  /** "Someone tried to reset a password", to an address with no account (only with `notifyUnknownRecipients`). */
  unknownRecipient(context: MailContext, model: Record<string, never>): RenderedMail;
}

function m(context: MailContext, key: MessageKey, values: Record<string, string | number> = {}): string {
  return format(context.messages[key], { companyName: context.companyName, ...values });
}

/** The mail's footer: who sent it, then the branding's footer links. */
function footerHtml(context: MailContext): SafeHtml {
  const links = context.footerLinks.map(
    (link, index) =>
      html`${index > 0 ? html` &nbsp;|&nbsp; ` : html``}<a href="${link.url}" style="color:#555555;text-decoration:underline">${link.text}</a>`,
  );
  return html`<p style="margin:0">${m(context, 'mail.footer')}</p>${
    links.length > 0 ? html`<p style="margin:8px 0 0">${links}</p>` : html``
  }`;
}

/** The footer of the text part. */
function footerText(context: MailContext): string {
  return [m(context, 'mail.footer'), ...context.footerLinks.map((link) => `${link.text}: ${link.url}`)].join(
    '\n',
  );
}

function frame(context: MailContext, heading: string, body: SafeHtml): string {
  return html`<!doctype html>
<html lang="${context.lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${heading}</title></head>
<body style="margin:0;padding:0;background:${context.backgroundColor};font-family:Segoe UI,Helvetica,Arial,sans-serif;color:#1b1b1b">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="background:${context.backgroundColor}"><tr><td align="center" style="padding:24px 12px">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="max-width:560px;background:#ffffff;border-top:4px solid ${context.accentColor}">
<tr><td style="padding:28px 32px 8px">
${context.logoUrl ? html`<img src="${context.logoUrl}" alt="${context.companyName}" style="max-height:36px;max-width:200px">` : html`<p style="margin:0;font-size:16px;font-weight:600">${context.companyName}</p>`}
<h1 style="font-size:22px;font-weight:600;margin:20px 0 12px">${heading}</h1>
${body}
</td></tr>
<tr><td style="padding:16px 32px 28px;font-size:12px;color:#555555;border-top:1px solid #e5e5e5">${footerHtml(context)}</td></tr>
</table></td></tr></table>
</body></html>
`.value;
}

function paragraph(text: string): SafeHtml {
  return html`<p style="font-size:15px;line-height:1.5;margin:0 0 14px">${text}</p>`;
}

function link(url: string, context: MailContext): SafeHtml {
  return html`<p style="font-size:15px;margin:0 0 14px"><a href="${url}" style="color:${context.accentColor}">${url}</a></p>`;
}

function lines(...parts: Array<string | null>): string {
  return `${parts.filter((part): part is string => part !== null).join('\n\n')}\n`;
}

/**
 * A mail of a heading and two paragraphs, no code and no link: "reset is not
 * enabled for your account" and "someone tried to reset this address".
 */
function noticeMail(context: MailContext, kind: 'notEnabled' | 'unknown'): RenderedMail {
  const heading = m(context, `mail.${kind}.heading`);
  const body = m(context, `mail.${kind}.body`);
  const ignore = m(context, `mail.${kind}.ignore`);
  return {
    subject: m(context, `mail.${kind}.subject`),
    text: lines(heading, body, ignore, footerText(context)),
    html: frame(context, heading, html`${paragraph(body)}${paragraph(ignore)}`),
  };
}

/** The default mails. */
export const defaultMailTemplates: MailTemplates = {
  resetCode(context, model) {
    const heading = m(context, 'mail.code.heading');
    const expiry = m(context, 'mail.code.expiry', { minutes: model.expiresInMinutes });
    return {
      subject: m(context, 'mail.code.subject'),
      text: lines(
        heading,
        m(context, 'mail.code.body'),
        `${m(context, 'mail.code.label')}: ${model.code}`,
        expiry,
        model.verifyUrl ? `${m(context, 'mail.code.link')} ${model.verifyUrl}` : null,
        m(context, 'mail.code.ignore'),
        footerText(context),
      ),
      html: frame(
        context,
        heading,
        html`${paragraph(m(context, 'mail.code.body'))}
<p style="margin:18px 0 6px;font-size:13px;color:#555">${m(context, 'mail.code.label')}</p>
<p style="margin:0 0 18px"><span style="display:inline-block;padding:8px 16px;background:#f4f4f4;border:1px solid #e0e0e0;border-radius:4px;font-size:34px;line-height:1.2;font-weight:700;letter-spacing:8px;font-family:Consolas,Menlo,monospace;color:#1b1b1b;user-select:all;-webkit-user-select:all">${model.code}</span></p>
${paragraph(expiry)}
${model.verifyUrl ? html`${paragraph(m(context, 'mail.code.link'))}${link(model.verifyUrl, context)}` : html``}
${paragraph(m(context, 'mail.code.ignore'))}`,
      ),
    };
  },

  resetNotEnabled: (context) => noticeMail(context, 'notEnabled'),

  passwordChanged(context, model) {
    const heading = m(context, 'mail.changed.heading');
    const time = new Intl.DateTimeFormat(context.lang, {
      dateStyle: 'long',
      timeStyle: 'short',
      timeZone: 'UTC',
    }).format(model.changedAt);
    const body = m(context, 'mail.changed.body', { time: `${time} UTC` });
    return {
      subject: m(context, 'mail.changed.subject'),
      text: lines(
        heading,
        body,
        model.signInUrl ? `${m(context, 'mail.changed.signIn')} ${model.signInUrl}` : null,
        m(context, 'mail.changed.warning'),
        footerText(context),
      ),
      html: frame(
        context,
        heading,
        html`${paragraph(body)}
${model.signInUrl ? html`${paragraph(m(context, 'mail.changed.signIn'))}${link(model.signInUrl, context)}` : html``}
${paragraph(m(context, 'mail.changed.warning'))}`,
      ),
    };
  },

  unknownRecipient: (context) => noticeMail(context, 'unknown'),
};
