import { type Catalogue, format, type MessageKey } from '../i18n/en.js';
import { html, type SafeHtml } from '../views/html.js';

/** What every mail needs: branding, language and the site's public address. */
export interface MailContext {
  companyName: string;
  accentColor: string;
  /** An absolute logo URL, or null. */
  logoUrl: string | null;
  messages: Catalogue;
  lang: string;
}

/** A rendered mail: subject, text and HTML parts. */
export interface RenderedMail {
  subject: string;
  text: string;
  html: string;
}

export interface ResetCodeMailModel {
  code: string;
  expiresInMinutes: number;
  /** Where to enter the code, from the configured `baseUrl` (never the Host header), or null. */
  verifyUrl: string | null;
}

export interface PasswordChangedMailModel {
  changedAt: Date;
  signInUrl: string | null;
}

/** The mails express-sspr sends; each may be replaced through the `mailTemplates` option. */
export interface MailTemplates {
  resetCode(context: MailContext, model: ResetCodeMailModel): RenderedMail;
  resetNotEnabled(context: MailContext, model: Record<string, never>): RenderedMail;
  passwordChanged(context: MailContext, model: PasswordChangedMailModel): RenderedMail;
  unknownRecipient(context: MailContext, model: Record<string, never>): RenderedMail;
}

function m(context: MailContext, key: MessageKey, values: Record<string, string | number> = {}): string {
  return format(context.messages[key], { companyName: context.companyName, ...values });
}

function frame(context: MailContext, heading: string, body: SafeHtml): string {
  return html`<!doctype html>
<html lang="${context.lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${heading}</title></head>
<body style="margin:0;padding:0;background:#f2f2f2;font-family:Segoe UI,Helvetica,Arial,sans-serif;color:#1b1b1b">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="background:#f2f2f2"><tr><td align="center" style="padding:24px 12px">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="max-width:560px;background:#ffffff;border-top:4px solid ${context.accentColor}">
<tr><td style="padding:28px 32px 8px">
${context.logoUrl ? html`<img src="${context.logoUrl}" alt="${context.companyName}" style="max-height:36px;max-width:200px">` : html`<p style="margin:0;font-size:16px;font-weight:600">${context.companyName}</p>`}
<h1 style="font-size:22px;font-weight:600;margin:20px 0 12px">${heading}</h1>
${body}
</td></tr>
<tr><td style="padding:16px 32px 28px;font-size:12px;color:#555">${m(context, 'mail.footer')}</td></tr>
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
        m(context, 'mail.footer'),
      ),
      html: frame(
        context,
        heading,
        html`${paragraph(m(context, 'mail.code.body'))}
<p style="margin:18px 0 6px;font-size:13px;color:#555">${m(context, 'mail.code.label')}</p>
<p style="margin:0 0 18px;font-size:34px;font-weight:700;letter-spacing:8px;font-family:Consolas,Menlo,monospace;user-select:all">${model.code}</p>
${paragraph(expiry)}
${model.verifyUrl ? html`${paragraph(m(context, 'mail.code.link'))}${link(model.verifyUrl, context)}` : html``}
${paragraph(m(context, 'mail.code.ignore'))}`,
      ),
    };
  },

  resetNotEnabled(context) {
    const heading = m(context, 'mail.notEnabled.heading');
    return {
      subject: m(context, 'mail.notEnabled.subject'),
      text: lines(
        heading,
        m(context, 'mail.notEnabled.body'),
        m(context, 'mail.notEnabled.ignore'),
        m(context, 'mail.footer'),
      ),
      html: frame(
        context,
        heading,
        html`${paragraph(m(context, 'mail.notEnabled.body'))}${paragraph(m(context, 'mail.notEnabled.ignore'))}`,
      ),
    };
  },

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
        m(context, 'mail.footer'),
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

  unknownRecipient(context) {
    const heading = m(context, 'mail.unknown.heading');
    return {
      subject: m(context, 'mail.unknown.subject'),
      text: lines(
        heading,
        m(context, 'mail.unknown.body'),
        m(context, 'mail.unknown.ignore'),
        m(context, 'mail.footer'),
      ),
      html: frame(
        context,
        heading,
        html`${paragraph(m(context, 'mail.unknown.body'))}${paragraph(m(context, 'mail.unknown.ignore'))}`,
      ),
    };
  },
};
