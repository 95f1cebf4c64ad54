import type { AddressInfo } from 'node:net';
import { type ParsedMail, simpleParser } from 'mailparser';
import nodemailer from 'nodemailer';
import { SMTPServer } from 'smtp-server';
import { type Mailer, nodemailerMailer } from '../../lib/mail/mailer.js';

/** A received message, parsed by mailparser. */
export interface CapturedMail {
  to: string[];
  from: string;
  subject: string;
  text: string;
  html: string;
  raw: string;
}

type Fault = null | 'reject-4xx' | 'reject-5xx' | 'refuse';

/**
 * A real SMTP server on a loopback port (smtp-server) that keeps every message
 * it accepts; nodemailer sends to it like to any server. It can be told to
 * answer 4xx or 5xx, or to refuse connections.
 */
export class SmtpCapture {
  readonly messages: CapturedMail[] = [];
  private fault: Fault = null;
  private server: SMTPServer;
  port = 0;

  private constructor() {
    this.server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onConnect: (_session, callback) => {
        if (this.fault === 'refuse') {
          const error = new Error('Service not available') as Error & { responseCode: number };
          error.responseCode = 421;
          return callback(error);
        }
        callback();
      },
      onData: (stream, _session, callback) => {
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', () => {
          if (this.fault === 'reject-4xx' || this.fault === 'reject-5xx') {
            const error = new Error(
              this.fault === 'reject-4xx' ? 'Try again later' : 'Mailbox unavailable',
            ) as Error & {
              responseCode: number;
            };
            error.responseCode = this.fault === 'reject-4xx' ? 451 : 550;
            return callback(error);
          }
          const raw = Buffer.concat(chunks);
          simpleParser(raw)
            .then((parsed: ParsedMail) => {
              const to = Array.isArray(parsed.to) ? parsed.to : parsed.to ? [parsed.to] : [];
              this.messages.push({
                to: to.flatMap((address) => address.value.map((entry) => entry.address ?? '')),
                from: parsed.from?.text ?? '',
                subject: parsed.subject ?? '',
                text: parsed.text ?? '',
                html: typeof parsed.html === 'string' ? parsed.html : '',
                raw: raw.toString('utf8'),
              });
              callback();
            })
            .catch((error: Error) => callback(error));
        });
      },
    });
  }

  static async start(): Promise<SmtpCapture> {
    const capture = new SmtpCapture();
    await new Promise<void>((resolve) => capture.server.listen(0, '127.0.0.1', () => resolve()));
    capture.port = (capture.server.server.address() as AddressInfo).port;
    return capture;
  }

  /** A mailer that sends here through nodemailer's SMTP transport. */
  mailer(): Mailer {
    const transport = nodemailer.createTransport({
      host: '127.0.0.1',
      port: this.port,
      secure: false,
      ignoreTLS: true,
      connectionTimeout: 2000,
      greetingTimeout: 2000,
      socketTimeout: 2000,
    });
    return nodemailerMailer(transport, { from: '"Contoso" <no-reply@contoso.example>' });
  }

  setFault(fault: Fault): void {
    this.fault = fault;
  }

  clear(): void {
    this.messages.length = 0;
  }

  /** Messages sent to `address`. */
  to(address: string): CapturedMail[] {
    return this.messages.filter((message) => message.to.includes(address));
  }

  /** The 6-digit code in the newest message to `address`. */
  codeFor(address: string): string {
    const mail = this.to(address).at(-1);
    const match = mail ? /:\s*(\d{6})\b/.exec(mail.text) : null;
    if (!match?.[1]) throw new Error(`no code mail for ${address}`);
    return match[1];
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
