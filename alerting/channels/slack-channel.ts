/**
 * The Slack channel: @slack/web-api when `SLACK_BOT_TOKEN` is set (`SLACK_API_URL` points it at a
 * stand-in), else JSON files in the outbox (`outbox-files.ts`).
 *
 * Sending:
 *  - a firing / digest / direct notification → `chat.postMessage` to the target conversation
 *    (a channel id, or a user id for a direct message), with `metadata` carrying the idempotency
 *    key → providerId `<channel>:<ts>`;
 *  - a notification with `replaces_provider_id` (the firing message's `<channel>:<ts>`) →
 *    `chat.update` of that message in place with the resolved rendering, then a thread reply
 *    saying it resolved → providerId of the updated message. When Slack can no longer edit the
 *    message (deleted, too old) the resolved rendering is posted as a reply in its thread instead.
 *
 * The client never retries and rejects rate-limited calls at once: retries, backoff and
 * Retry-After are the dispatcher's job, and a hidden retry inside the client would hold a
 * dispatcher slot for minutes. Failures are classified:
 *
 * | outcome                                                   | DeliveryError                        |
 * | --------------------------------------------------------- | ------------------------------------ |
 * | HTTP 429                                                  | transient, retryAfterMs from header  |
 * | `ok:false` with a transient error (`ratelimited`,         | transient                            |
 * |   `internal_error`, `service_unavailable`, …)             |                                      |
 * | any other `ok:false` (`invalid_auth`, `channel_not_found`,| permanent                            |
 * |   `not_in_channel`, `account_inactive`, `msg_too_long`…)  |                                      |
 * | HTTP 5xx / 408, network errors, timeouts                  | transient                            |
 * | other HTTP statuses (a wrong SLACK_API_URL)               | permanent                            |
 */
import { LogLevel, WebAPIHTTPError, WebAPIPlatformError, WebAPIRateLimitedError, WebAPIRequestError, WebClient, type Logger as SlackLogger } from '@slack/web-api';
import type { Logger } from '../../infra/logger.js';
import type { Notification } from '../alert-model.js';
import { DeliveryError, type Channel, type SendResult } from '../alerting-ports.js';
import { renderSlack, renderSlackResolvedReply, type SlackBlock } from '../render/slack-message.js';
import { outboxFilePath, writeOutboxFileOnce } from './outbox-files.js';

export interface SlackChannelOptions {
  /** Bot token (`SLACK_BOT_TOKEN`); unset = outbox files. */
  readonly token?: string | undefined;
  /** Web API base URL (`SLACK_API_URL`), default `https://slack.com/api/`. */
  readonly apiUrl?: string | undefined;
  /** The outbox directory; files go to `<outboxDir>/slack/`. */
  readonly outboxDir: string;
  /** Public URL of the platform, for the links in messages. */
  readonly baseUrl: string;
  /** Per-call timeout. */
  readonly timeoutMs?: number;
  /** Where the client's own warnings go (dropped when omitted). */
  readonly logger?: Logger;
}

/** A Slack call that has not answered in 10 s is treated as failed (transient); Slack answers in well under a second. */
const DEFAULT_TIMEOUT_MS = 10_000;
/** Event type of the message metadata (Slack: lowercase, alphanumerics and underscores). */
export const SLACK_METADATA_EVENT_TYPE = 'forgecast_notification';

/** Platform errors that say "try again later" rather than "this request is wrong". */
const TRANSIENT_PLATFORM_ERRORS = new Set(['ratelimited', 'rate_limited', 'internal_error', 'fatal_error', 'service_unavailable', 'request_timeout', 'team_added_to_org']);
/** chat.update errors after which the resolved message is posted in the thread instead. */
const CANNOT_EDIT_ERRORS = new Set(['message_not_found', 'cant_update_message', 'edit_window_closed']);

/** Classifies an @slack/web-api failure per the module comment. */
export function classifySlackFailure(error: unknown, method: string): DeliveryError {
  if (error instanceof WebAPIRateLimitedError) {
    return new DeliveryError(`Slack ${method}: rate limited, retry after ${error.retryAfter} s`, { permanent: false, retryAfterMs: error.retryAfter * 1000, cause: error });
  }
  if (error instanceof WebAPIPlatformError) {
    const code = error.data.error;
    return new DeliveryError(`Slack ${method}: ${code}`, { permanent: !TRANSIENT_PLATFORM_ERRORS.has(code), cause: error });
  }
  if (error instanceof WebAPIHTTPError) {
    const transient = error.statusCode >= 500 || error.statusCode === 408;
    return new DeliveryError(`Slack ${method}: HTTP ${error.statusCode} ${error.statusMessage}`, { permanent: !transient, cause: error });
  }
  if (error instanceof WebAPIRequestError) {
    return new DeliveryError(`Slack ${method}: request failed: ${error.original.message}`, { permanent: false, cause: error });
  }
  // e.g. a 429 without a readable Retry-After, or anything unexpected: never drop the message for it.
  return new DeliveryError(`Slack ${method}: ${error instanceof Error ? error.message : String(error)}`, { permanent: false, cause: error });
}

/** `<channel>:<ts>` → its parts; undefined when it is not one (e.g. an outbox file's id). */
export function parseSlackProviderId(providerId: string): { channel: string; ts: string } | undefined {
  const match = /^([A-Z0-9]+):(\d+\.\d+)$/i.exec(providerId);
  return match?.[1] === undefined || match[2] === undefined ? undefined : { channel: match[1], ts: match[2] };
}

function conversationOf(notification: Notification): string {
  const { target } = notification;
  if (target.channel !== 'slack') {
    throw new DeliveryError(`notification ${notification.notification_id} targets ${target.channel}, not slack`, { permanent: true });
  }
  if (target.conversation.trim() === '') throw new DeliveryError(`notification ${notification.notification_id} has no Slack conversation`, { permanent: true });
  return target.conversation;
}

/** @slack/web-api logs through this: warnings and errors to pino, the rest dropped. */
function slackLogger(logger: Logger | undefined): SlackLogger {
  let level = LogLevel.WARN;
  return {
    debug: () => undefined,
    info: () => undefined,
    warn: (...msg: unknown[]) => logger?.warn({ slack: msg.map(String).join(' ') }, 'Slack client warning'),
    error: (...msg: unknown[]) => logger?.error({ slack: msg.map(String).join(' ') }, 'Slack client error'),
    setLevel: (next: LogLevel) => {
      level = next;
    },
    getLevel: () => level,
    setName: () => undefined,
  };
}

function metadata(notification: Notification) {
  return {
    event_type: SLACK_METADATA_EVENT_TYPE,
    event_payload: { idempotency_key: notification.idempotency_key, notification_id: notification.notification_id },
  };
}

/** What the outbox file of a Slack message holds: the calls that would have been made. */
export interface SlackOutboxFile {
  readonly idempotency_key: string;
  readonly calls: readonly { readonly method: 'chat.postMessage' | 'chat.update'; readonly args: Record<string, unknown> }[];
}

export function createSlackChannel(options: SlackChannelOptions): Channel {
  const token = options.token === '' ? undefined : options.token;
  const client =
    token === undefined
      ? undefined
      : new WebClient(token, {
          ...(options.apiUrl === undefined || options.apiUrl === '' ? {} : { slackApiUrl: options.apiUrl.endsWith('/') ? options.apiUrl : `${options.apiUrl}/` }),
          retryConfig: { retries: 0 },
          rejectRateLimitedCalls: true,
          timeout: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
          logger: slackLogger(options.logger),
          // Method names only: never let a value turn a call into a request to another host.
          allowAbsoluteUrls: false,
        });

  const calls = (notification: Notification, conversation: string): SlackOutboxFile['calls'] => {
    const message = renderSlack(notification, { baseUrl: options.baseUrl });
    const blocks = message.blocks as SlackBlock[];
    const replaced = notification.replaces_provider_id === null ? undefined : parseSlackProviderId(notification.replaces_provider_id);
    if (replaced === undefined) {
      return [{ method: 'chat.postMessage', args: { channel: conversation, text: message.text, blocks, metadata: metadata(notification), unfurl_links: false } }];
    }
    return [
      { method: 'chat.update', args: { channel: replaced.channel, ts: replaced.ts, text: message.text, blocks, metadata: metadata(notification) } },
      { method: 'chat.postMessage', args: { channel: replaced.channel, thread_ts: replaced.ts, text: renderSlackResolvedReply(notification), metadata: metadata(notification) } },
    ];
  };

  return {
    name: 'slack',
    async send(notification: Notification): Promise<SendResult> {
      const conversation = conversationOf(notification);
      const planned = calls(notification, conversation);
      if (client !== undefined) return sendToSlack(client, planned);
      let file: string;
      try {
        file = outboxFilePath(options.outboxDir, 'slack', notification.idempotency_key);
      } catch (error) {
        throw new DeliveryError(`cannot name the outbox file: ${(error as Error).message}`, { permanent: true, cause: error });
      }
      const content: SlackOutboxFile = { idempotency_key: notification.idempotency_key, calls: planned };
      try {
        await writeOutboxFileOnce(file, `${JSON.stringify(content, null, 2)}\n`);
      } catch (error) {
        throw new DeliveryError(`cannot write ${file}: ${(error as Error).message}`, { permanent: false, cause: error });
      }
      return { providerId: `outbox:${file}` };
    },
  };
}

type SlackCall = SlackOutboxFile['calls'][number];

/** One Web API call; `<channel>:<ts>` of the message it posted or updated. */
async function call(client: WebClient, planned: SlackCall): Promise<string> {
  let result: { channel?: unknown; ts?: unknown };
  try {
    result = (await client.apiCall(planned.method, planned.args)) as { channel?: unknown; ts?: unknown };
  } catch (error) {
    throw classifySlackFailure(error, planned.method);
  }
  // Slack answers ok:true with channel and ts; fall back to what was asked if a stand-in omits them.
  const channel = typeof result.channel === 'string' ? result.channel : planned.args.channel;
  const ts = typeof result.ts === 'string' ? result.ts : planned.args.ts;
  return `${typeof channel === 'string' ? channel : ''}:${typeof ts === 'string' ? ts : ''}`;
}

async function sendToSlack(client: WebClient, planned: readonly SlackCall[]): Promise<SendResult> {
  const [first, ...rest] = planned;
  if (first === undefined) throw new DeliveryError('nothing to send', { permanent: true });
  if (first.method === 'chat.postMessage') return { providerId: await call(client, first) };
  let providerId: string;
  try {
    providerId = await call(client, first);
  } catch (error) {
    const platform = error instanceof DeliveryError && error.cause instanceof WebAPIPlatformError ? error.cause.data.error : undefined;
    if (platform === undefined || !CANNOT_EDIT_ERRORS.has(platform)) throw error;
    // The original is gone or can no longer be edited: post the resolved rendering in its thread.
    const { ts, ...args } = first.args;
    return { providerId: await call(client, { method: 'chat.postMessage', args: { ...args, thread_ts: ts } }) };
  }
  for (const next of rest) await call(client, next);
  return { providerId };
}
