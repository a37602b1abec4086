/**
 * The email channel: nodemailer over SMTP when `SMTP_URL` is set, else `.eml` files in the outbox
 * (the embedded stand-in, `outbox-files.ts`).
 *
 * Idempotency: the Message-ID is derived from the idempotency key, so every attempt of one
 * notification carries the same id and a receiving system (or a person) can see a duplicate for
 * what it is; the outbox writes one file per key and never a second.
 *
 * Failure policy (the dispatcher retries, this channel only classifies):
 *
 * | outcome                                                      | DeliveryError          |
 * | ------------------------------------------------------------ | ---------------------- |
 * | SMTP 5xx reply (recipient refused, message rejected, auth)   | permanent              |
 * |   except 503 "bad sequence": a session-state problem         | transient              |
 * | SMTP 4xx reply (greylisting, mailbox busy, 421 shutting down)| transient              |
 * | connection refused / reset, DNS, TLS, timeouts               | transient              |
 * | no recipient address, invalid configuration                  | permanent              |
 */
import { createHash } from 'node:crypto';
import { createTransport } from 'nodemailer';
import type { ChannelName, Notification } from '../alert-model.js';
import { DeliveryError, type Channel, type SendResult } from '../alerting-ports.js';
import { renderEmail } from '../render/email-message.js';
import { outboxFilePath, writeOutboxFileOnce } from './outbox-files.js';

export interface EmailChannelOptions {
  /** `smtp://user:pass@host:port` or `smtps://…` (`SMTP_URL`); unset = outbox files. */
  readonly smtpUrl?: string | undefined;
  /** Sender (`MAIL_FROM`), e.g. `Forgecast <alerts@forgecast.local>`. */
  readonly from: string;
  /** The outbox directory; files go to `<outboxDir>/email/`. */
  readonly outboxDir: string;
  /** Public URL of the platform, for the links in messages. */
  readonly baseUrl: string;
  readonly timeoutsMs?: {
    readonly connection?: number;
    readonly greeting?: number;
    readonly socket?: number;
  };
  /** Connections the SMTP pool keeps open at once. */
  readonly maxConnections?: number;
}

/**
 * SMTP waits. nodemailer's defaults (2 min to connect, 10 min idle socket) would hold a
 * dispatcher slot far longer than a retry with backoff costs; a mail server that has not
 * greeted within 15 s or gone silent for 30 s mid-message is treated as down.
 */
const DEFAULT_TIMEOUTS_MS = { connection: 10_000, greeting: 15_000, socket: 30_000 } as const;
/** nodemailer's pool default: enough parallel sessions for bursts without upsetting rate-limiting relays. */
const DEFAULT_MAX_CONNECTIONS = 5;

const NODEMAILER_PERMANENT_CODES = new Set(['EENVELOPE', 'ECONFIG', 'ENOAUTH', 'EMAXRECIPIENTS', 'EFILEACCESS', 'EURLACCESS']);

interface NodemailerFailure {
  readonly code?: string;
  readonly responseCode?: number;
  readonly response?: string;
  readonly message?: string;
}

/** The domain of the sender address, for Message-IDs (`forgecast.local` when it has none). */
export function senderDomain(from: string): string {
  const match = /@([A-Za-z0-9.-]+)>?\s*$/.exec(from.trim());
  return match?.[1]?.toLowerCase() ?? 'forgecast.local';
}

/**
 * `<readable-key.hash@domain>`: the key with characters a Message-ID may not hold replaced,
 * plus 16 hex digits of its SHA-256 so two keys that read alike never share an id.
 */
export function messageIdFor(idempotencyKey: string, domain: string): string {
  const readable = idempotencyKey.replace(/[^A-Za-z0-9._-]/g, '.').replace(/\.{2,}/g, '.').replace(/^\.|\.$/g, '').slice(0, 80);
  const hash = createHash('sha256').update(idempotencyKey).digest('hex').slice(0, 16);
  return `<${readable === '' ? '' : `${readable}.`}${hash}@${domain}>`;
}

/** Classifies a nodemailer failure per the module comment. */
export function classifySmtpFailure(error: unknown): DeliveryError {
  const failure = (typeof error === 'object' && error !== null ? error : {}) as NodemailerFailure;
  const reply = failure.response === undefined ? '' : `: ${failure.response.slice(0, 300)}`;
  const what = `${failure.message ?? String(error)}${failure.code === undefined ? '' : ` (${failure.code})`}`;
  const code = failure.responseCode;
  if (code !== undefined && code >= 500 && code < 600 && code !== 503) {
    return new DeliveryError(`SMTP server refused the message with ${code}${reply}`, { permanent: true, cause: error });
  }
  if (code !== undefined) return new DeliveryError(`SMTP server answered ${code}${reply}; will retry`, { permanent: false, cause: error });
  if (failure.code !== undefined && NODEMAILER_PERMANENT_CODES.has(failure.code)) {
    return new DeliveryError(`email cannot be sent: ${what}`, { permanent: true, cause: error });
  }
  return new DeliveryError(`SMTP server unreachable: ${what}`, { permanent: false, cause: error });
}

function targetAddress(notification: Notification): string {
  const { target } = notification;
  if (target.channel !== 'email') {
    throw new DeliveryError(`notification ${notification.notification_id} targets ${target.channel}, not email`, { permanent: true });
  }
  if (target.address.trim() === '') throw new DeliveryError(`notification ${notification.notification_id} has no email address`, { permanent: true });
  return target.address;
}

export function createEmailChannel(options: EmailChannelOptions): Channel {
  const domain = senderDomain(options.from);
  const timeouts = { ...DEFAULT_TIMEOUTS_MS, ...options.timeoutsMs };
  const smtp =
    options.smtpUrl === undefined || options.smtpUrl === ''
      ? undefined
      : createTransport({
          url: options.smtpUrl,
          pool: true,
          maxConnections: options.maxConnections ?? DEFAULT_MAX_CONNECTIONS,
          connectionTimeout: timeouts.connection,
          greetingTimeout: timeouts.greeting,
          socketTimeout: timeouts.socket,
          // Our own timeouts and classification decide; nodemailer must not resend on its own.
          maxRequeues: 0,
        });
  const files = createTransport({ streamTransport: true, buffer: true, newline: 'unix' });

  const compose = (notification: Notification) => {
    const to = targetAddress(notification);
    const message = renderEmail(notification, { baseUrl: options.baseUrl });
    const created = Date.parse(notification.created_at);
    return {
      from: options.from,
      to,
      subject: message.subject,
      text: message.text,
      html: message.html,
      messageId: messageIdFor(notification.idempotency_key, domain),
      // The notification's time, not the attempt's: every retry is the same message.
      date: Number.isNaN(created) ? new Date() : new Date(created),
      headers: {
        'X-Forgecast-Notification-Id': notification.notification_id,
        'X-Forgecast-Idempotency-Key': notification.idempotency_key,
        'X-Forgecast-Severity': notification.severity,
        // RFC 3834: machine-generated, so vacation responders stay quiet.
        'Auto-Submitted': 'auto-generated',
      },
    };
  };

  return {
    name: 'email' satisfies ChannelName,
    async send(notification: Notification): Promise<SendResult> {
      const mail = compose(notification);
      if (smtp !== undefined) {
        try {
          await smtp.sendMail(mail);
        } catch (error) {
          throw classifySmtpFailure(error);
        }
        return { providerId: mail.messageId };
      }
      let file: string;
      try {
        file = outboxFilePath(options.outboxDir, 'email', notification.idempotency_key);
      } catch (error) {
        throw new DeliveryError(`cannot name the outbox file: ${(error as Error).message}`, { permanent: true, cause: error });
      }
      try {
        const info = await files.sendMail(mail);
        await writeOutboxFileOnce(file, info.message as Buffer);
      } catch (error) {
        // A full disk or a permission problem can be fixed without touching the message.
        throw new DeliveryError(`cannot write ${file}: ${(error as Error).message}`, { permanent: false, cause: error });
      }
      return { providerId: mail.messageId };
    },
    async close(): Promise<void> {
      smtp?.close();
    },
  };
}
