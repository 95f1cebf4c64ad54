/**
 * The dev inbox: a real SMTP server (smtp-server) on a loopback port that
 * keeps the mail it receives in memory, so the example app works without any
 * mail setup. express-sspr sends to it through nodemailer exactly as it would
 * send to a real server. Never use this in production.
 */
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

/** One received message. */
export interface DevMail {
  id: string;
  receivedAt: string;
  from: string;
  to: string[];
  subject: string;
  text: string;
  /** The HTML part as sent; show it only inside a sandboxed iframe. */
  html: string | null;
}

/** How many messages the inbox keeps; older ones are dropped. */
export const DEV_INBOX_CAPACITY = 100;

/** Largest message accepted (1 MiB is plenty for express-sspr's mail). */
const MAX_MESSAGE_BYTES = 1024 * 1024;

export class DevInbox {
  /** Newest first, at most {@link DEV_INBOX_CAPACITY}. */
  readonly messages: DevMail[] = [];
  private readonly server: SMTPServer;
  private port = 0;

  private constructor(private readonly now: () => Date) {
    this.server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      hideSTARTTLS: true,
      banner: 'express-sspr example dev inbox',
      size: MAX_MESSAGE_BYTES,
      logger: false,
      onData: (stream, _session, callback) => {
        simpleParser(stream)
          .then((parsed) => {
            if (stream.sizeExceeded) {
              const error = new Error('Message too large for the dev inbox') as Error & {
                responseCode: number;
              };
              error.responseCode = 552;
              callback(error);
              return;
            }
            const to = parsed.to === undefined ? [] : Array.isArray(parsed.to) ? parsed.to : [parsed.to];
            this.add({
              id: randomUUID(),
              receivedAt: this.now().toISOString(),
              from: parsed.from?.text ?? '',
              to: to.flatMap((group) => group.value.map((address) => address.address ?? '')),
              subject: parsed.subject ?? '',
              text: parsed.text ?? '',
              html: typeof parsed.html === 'string' ? parsed.html : null,
            });
            // Accepting only after the message is stored: once the sender's
            // sendMail resolves, the message is in the inbox.
            callback();
          })
          .catch((error: Error) => callback(error));
      },
    });
  }

  /** Starts the SMTP server on 127.0.0.1 and an ephemeral port. */
  static async start(options: { now?: () => Date } = {}): Promise<DevInbox> {
    const inbox = new DevInbox(options.now ?? (() => new Date()));
    await new Promise<void>((resolve, reject) => {
      inbox.server.once('error', reject);
      inbox.server.listen(0, '127.0.0.1', () => {
        inbox.server.off('error', reject);
        resolve();
      });
    });
    inbox.port = (inbox.server.server.address() as AddressInfo).port;
    return inbox;
  }

  /** Where nodemailer should send: `{ host, port }` on loopback, plain SMTP. */
  get address(): { host: string; port: number } {
    return { host: '127.0.0.1', port: this.port };
  }

  /** Messages to `address`, newest first. */
  to(address: string): DevMail[] {
    const wanted = address.toLowerCase();
    return this.messages.filter((message) => message.to.some((to) => to.toLowerCase() === wanted));
  }

  clear(): void {
    this.messages.length = 0;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private add(message: DevMail): void {
    this.messages.unshift(message);
    if (this.messages.length > DEV_INBOX_CAPACITY) this.messages.length = DEV_INBOX_CAPACITY;
  }
}
