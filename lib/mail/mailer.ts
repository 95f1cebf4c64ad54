import type { Transporter } from 'nodemailer';

/** One message, ready to send. */
export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  html: string;
}

/** Sends mail. The outbox worker is its only caller: requests never send mail inline. */
export interface Mailer {
  /** Resolves once the message is accepted for delivery; rejects on any failure. */
  send(message: MailMessage): Promise<void>;
}

/** A permanent failure (a 5xx answer): retrying will not help. */
export function isPermanentMailError(error: unknown): boolean {
  const code = (error as { responseCode?: unknown } | null)?.responseCode;
  return typeof code === 'number' && code >= 500 && code < 600;
}

/** Options of {@link nodemailerMailer}. */
export interface NodemailerMailerOptions {
  /** The From header, e.g. `"Contoso" <no-reply@contoso.com>`. Default: the transport's own default. */
  from?: string;
}

/**
 * A {@link Mailer} over a nodemailer transport the app creates
 * (`nodemailer.createTransport(process.env.SMTP_URL)`).
 */
export function nodemailerMailer(transport: Transporter, options: NodemailerMailerOptions = {}): Mailer {
  if (!transport || typeof transport.sendMail !== 'function') {
    throw new TypeError('nodemailerMailer(transport): transport must be a nodemailer transport');
  }
  return {
    async send(message) {
      await transport.sendMail({
        ...(options.from === undefined ? {} : { from: options.from }),
        to: message.to,
        subject: message.subject,
        text: message.text,
        html: message.html,
        // One recipient, never taken from headers a user could shape.
        envelope: { ...(options.from === undefined ? {} : { from: options.from }), to: [message.to] },
      });
    },
  };
}
