/**
 * The wire shapes of the alerting API (SPEC.md, Alerts and notifications): JSON schemas for
 * validation and the OpenAPI document at /docs, the views that turn stored records into
 * responses (dropping bookkeeping and never showing a webhook secret), and the instant parsing
 * JSON schema cannot express. Enums come from the model's own lists, so the documented values
 * are the accepted ones.
 */
import {
  ALERT_STATUSES,
  ALERT_TYPES,
  CHANNELS,
  NOTIFICATION_STATUSES,
  SEVERITIES,
  type Alert,
  type DeliveryRecord,
  type Notification,
  type Preferences,
  type Silence,
} from '../alert-model.js';
import { FgcError } from '../../infra/errors.js';
import { MAX_MATCHERS, MAX_MATCHER_VALUE_LENGTH, matcherProblems } from '../lifecycle/silence-matcher.js';
import { MAX_USER_ID_LENGTH, MAX_WEBHOOK_URL_LENGTH } from '../preferences/preferences-validation.js';

/** Largest page of alerts or delivery records: a screenful for a supervisor, a bounded query for ClickHouse. */
export const MAX_PAGE = 1000;
export const DEFAULT_PAGE = 100;
/** Body limit of every alerting POST: a preference or silence is well under 16 KiB; 64 KiB leaves room for a long /send message. */
export const ALERT_BODY_LIMIT_BYTES = 64 * 1024;
/** Longest message of POST /api/v1/send: far above any alert text, below Slack's 40,000-character limit. */
export const MAX_SEND_MESSAGE = 20_000;
/** Longest title: an email subject or a Slack header block (150) with a margin for the subject prefix. */
export const MAX_TITLE = 150;
/** Longest ack / silence comment. */
export const MAX_COMMENT = 1000;

/** Marker shown instead of a stored webhook secret. */
export const SECRET_MASK = '***';

/** No control characters (JSON may carry them escaped); ajv compiles patterns with the u flag. */
const PRINTABLE = '^[^\\u0000-\\u001f\\u007f]*$';
const id = { type: 'string', minLength: 1, maxLength: 200, pattern: PRINTABLE } as const;
const timestamp = { type: 'string', description: 'ISO 8601, UTC' } as const;
const nullableTimestamp = { type: ['string', 'null'], description: 'ISO 8601, UTC' } as const;
const instantText = { type: 'string', minLength: 1, maxLength: 40, description: 'ISO 8601: a date (YYYY-MM-DD, midnight UTC) or a date-time with Z or an offset' } as const;
const limit = { type: 'integer', minimum: 1, maximum: MAX_PAGE, default: DEFAULT_PAGE } as const;
const errorRef = { description: 'error: {"error":{"code","message","details"}}', type: 'object', properties: { error: { type: 'object', additionalProperties: true } } } as const;

// ---------------------------------------------------------------- alerts

const str = { type: 'string' } as const;
const recommendationSchema = {
  type: 'object',
  properties: { action: { type: 'string', enum: ['order', 'expedite_po', 'hold_lot', 'review_forecast', 'check_source'] }, text: str, order_qty: { type: 'number' }, order_by: str, po_id: str, line: str, sku: str },
} as const;

/** An alert as served: SPEC's fields, plus fired/resolved/acknowledged times and the labels silences match on. */
export const alertSchema = {
  type: 'object',
  properties: {
    alert_id: { type: 'string' },
    fingerprint: { type: 'string' },
    type: { type: 'string', enum: [...ALERT_TYPES] },
    severity: { type: 'string', enum: [...SEVERITIES] },
    status: { type: 'string', enum: [...ALERT_STATUSES] },
    entity_id: { type: 'string' },
    site: { type: 'string' },
    title: { type: 'string' },
    message: { type: 'string' },
    value: { type: 'number' },
    threshold: { type: 'number' },
    recommendation: recommendationSchema,
    starts_at: timestamp,
    updated_at: timestamp,
    data_as_of: { type: 'string', description: 'last day of data the alert was computed from (YYYY-MM-DD)' },
    fired_at: nullableTimestamp,
    resolved_at: nullableTimestamp,
    acknowledged_by: { type: ['string', 'null'], description: 'key id of the API key that acknowledged the alert' },
    acknowledged_at: nullableTimestamp,
    labels: { type: 'object', additionalProperties: { type: 'string' } },
  },
} as const;

export type AlertView = Omit<Alert, 'tenant_id' | 'last_breach_at' | 'ok_since' | 'last_notified_at' | 'version'>;

/** Drops the lifecycle's bookkeeping (tenant, hysteresis instants, notification times, version). */
export function alertView(alert: Alert): AlertView {
  const { tenant_id: _tenant, last_breach_at: _breach, ok_since: _ok, last_notified_at: _notified, version: _version, ...view } = alert;
  return view;
}

const siteFilter = { type: 'string', minLength: 1, maxLength: 200, description: 'site code (compared upper-case, as the unified model stores it)' } as const;

export const activeQuerySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    severity: { type: 'string', enum: [...SEVERITIES] },
    type: { type: 'string', enum: [...ALERT_TYPES] },
    site: siteFilter,
    limit,
  },
} as const;

export const historyQuerySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    status: { type: 'string', enum: [...ALERT_STATUSES] },
    severity: { type: 'string', enum: [...SEVERITIES] },
    type: { type: 'string', enum: [...ALERT_TYPES] },
    site: siteFilter,
    from: { ...instantText, description: `${instantText.description}; alerts that started at or after it` },
    to: { ...instantText, description: `${instantText.description}; alerts that started before it (a date includes that whole day)` },
    limit,
  },
} as const;

export const alertIdParamsSchema = { type: 'object', required: ['id'], properties: { id } } as const;

export const ackBodySchema = {
  type: ['object', 'null'],
  additionalProperties: false,
  properties: { comment: { type: 'string', maxLength: MAX_COMMENT, description: 'why; logged with the acknowledgement' } },
} as const;

export const alertListSchema = { type: 'array', items: alertSchema } as const;

// ---------------------------------------------------------------- silences

const matcherSchema = {
  type: 'object',
  required: ['name', 'value'],
  additionalProperties: false,
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 100, description: 'type, severity, entity_id, site, or a label name' },
    op: { type: 'string', enum: ['=', '!=', '=~'], default: '=', description: '= equal, != not equal, =~ anchored regular expression' },
    value: { type: 'string', maxLength: MAX_MATCHER_VALUE_LENGTH },
  },
} as const;

export const silenceBodySchema = {
  type: 'object',
  required: ['matchers', 'ends_at'],
  additionalProperties: false,
  properties: {
    matchers: { type: 'array', minItems: 1, maxItems: MAX_MATCHERS, items: matcherSchema },
    starts_at: { ...instantText, description: `${instantText.description}; default now` },
    ends_at: { ...instantText, description: `${instantText.description}; after starts_at and now, at most a year after starts_at` },
    comment: { type: 'string', maxLength: MAX_COMMENT },
  },
} as const;

export const silenceSchema = {
  type: 'object',
  properties: {
    silence_id: { type: 'string' },
    matchers: { type: 'array', items: { type: 'object', properties: { name: { type: 'string' }, op: { type: 'string' }, value: { type: 'string' } } } },
    starts_at: timestamp,
    ends_at: timestamp,
    status: { type: 'string', enum: ['pending', 'active', 'expired', 'deleted'], description: 'at the time of the response' },
    created_by: { type: 'string', description: 'key id of the API key that created it' },
    comment: { type: 'string' },
    created_at: timestamp,
  },
} as const;

export interface SilenceView extends Omit<Silence, 'tenant_id' | 'deleted'> {
  readonly status: 'pending' | 'active' | 'expired' | 'deleted';
}

export function silenceView(silence: Silence, nowMs: number): SilenceView {
  const { tenant_id: _tenant, deleted, ...rest } = silence;
  const status = deleted ? 'deleted' : Date.parse(silence.ends_at) <= nowMs ? 'expired' : Date.parse(silence.starts_at) > nowMs ? 'pending' : 'active';
  return { ...rest, status };
}

export const silenceIdParamsSchema = { type: 'object', required: ['id'], properties: { id } } as const;

// ---------------------------------------------------------------- preferences

/** Documents the body only: preferences-validation.ts checks it (every bad field named at once, 422). */
export const preferencesBodySchema = {
  type: 'object',
  required: ['user_id', 'channels', 'min_severity'],
  properties: {
    user_id: { type: 'string', minLength: 1, maxLength: MAX_USER_ID_LENGTH },
    email: { type: ['string', 'null'], description: 'local@domain.tld' },
    slack: {
      type: ['object', 'null'],
      description: 'exactly one of user (a Slack user id U…/W…) or channel (a channel id C…/G…/D… or #name)',
      properties: { user: { type: 'string' }, channel: { type: 'string' } },
    },
    webhook: {
      type: ['object', 'null'],
      required: ['url', 'secret'],
      properties: {
        url: { type: 'string', maxLength: MAX_WEBHOOK_URL_LENGTH, description: 'http or https' },
        secret: { type: 'string', description: 'at least 16 characters, or whsec_<base64>; signs deliveries (Standard Webhooks v1), never shown back' },
      },
    },
    channels: { type: 'array', minItems: 1, items: { type: 'string', enum: [...CHANNELS] }, description: 'each with its target above' },
    min_severity: { type: 'string', enum: [...SEVERITIES] },
    alert_types: { type: 'array', items: { type: 'string', enum: [...ALERT_TYPES] }, description: 'empty or absent: every type' },
    sites: { type: 'array', items: { type: 'string' }, description: 'empty or absent: every site' },
    quiet_hours: {
      type: ['object', 'null'],
      required: ['start', 'end', 'timezone'],
      description: 'local HH:MM window, may cross midnight; critical alerts bypass it, the rest is held until it ends',
      properties: { start: { type: 'string', pattern: '^([01]\\d|2[0-3]):[0-5]\\d$' }, end: { type: 'string', pattern: '^([01]\\d|2[0-3]):[0-5]\\d$' }, timezone: { type: 'string', description: 'IANA, e.g. Europe/Berlin' } },
    },
    digest: { type: 'string', enum: ['off', 'hourly', 'daily'], default: 'off' },
    fallback_channel: { type: ['string', 'null'], enum: [...CHANNELS, null], description: 'critical alerts whose channels all failed permanently go here' },
  },
} as const;

export const preferencesSchema = {
  type: 'object',
  properties: {
    user_id: { type: 'string' },
    email: { type: ['string', 'null'] },
    slack: { type: ['object', 'null'], properties: { user: { type: 'string' }, channel: { type: 'string' } } },
    webhook: { type: ['object', 'null'], properties: { url: { type: 'string' }, secret: { type: 'string', description: `always "${SECRET_MASK}"` } } },
    channels: { type: 'array', items: { type: 'string' } },
    min_severity: { type: 'string' },
    alert_types: { type: 'array', items: { type: 'string' } },
    sites: { type: 'array', items: { type: 'string' } },
    quiet_hours: { type: ['object', 'null'], properties: { start: { type: 'string' }, end: { type: 'string' }, timezone: { type: 'string' } } },
    digest: { type: 'string' },
    fallback_channel: { type: ['string', 'null'] },
    updated_at: timestamp,
  },
} as const;

export type PreferencesView = Omit<Preferences, 'tenant_id' | 'webhook'> & { readonly webhook: { readonly url: string; readonly secret: typeof SECRET_MASK } | null };

/** Preferences as served: no tenant, and the webhook secret replaced by `***`. */
export function preferencesView(preferences: Preferences): PreferencesView {
  const { tenant_id: _tenant, webhook, ...rest } = preferences;
  return { ...rest, webhook: webhook === null ? null : { url: webhook.url, secret: SECRET_MASK } };
}

export const userIdParamsSchema = { type: 'object', required: ['user_id'], properties: { user_id: id } } as const;

// ---------------------------------------------------------------- send and the delivery log

export const sendBodySchema = {
  type: 'object',
  required: ['user_id', 'title', 'message', 'notification_type', 'severity', 'channel'],
  additionalProperties: false,
  properties: {
    user_id: { ...id, maxLength: MAX_USER_ID_LENGTH },
    title: { type: 'string', minLength: 1, maxLength: MAX_TITLE, pattern: PRINTABLE },
    message: { type: 'string', minLength: 1, maxLength: MAX_SEND_MESSAGE },
    notification_type: { type: 'string', minLength: 1, maxLength: 100, pattern: PRINTABLE },
    severity: { type: 'string', enum: [...SEVERITIES] },
    channel: { type: 'string', enum: [...CHANNELS] },
  },
} as const;

export const sendResultSchema = {
  type: 'object',
  properties: { notification_id: { type: 'string' }, status: { type: 'string', enum: ['queued'] } },
} as const;

export const deliverySchema = {
  type: 'object',
  properties: {
    notification_id: { type: 'string' },
    user_id: { type: 'string' },
    channel: { type: 'string', enum: [...CHANNELS] },
    idempotency_key: { type: 'string' },
    status: { type: 'string', enum: [...NOTIFICATION_STATUSES] },
    attempts: { type: 'integer' },
    last_error: { type: 'string' },
    provider_id: { type: 'string' },
    next_attempt_at: nullableTimestamp,
    created_at: timestamp,
    updated_at: timestamp,
    delivered_at: nullableTimestamp,
    kind: { type: 'string', enum: ['alert', 'digest', 'direct'] },
    state: { type: 'string', enum: ['firing', 'resolved', ''] },
    severity: { type: 'string', enum: [...SEVERITIES] },
    title: { type: 'string' },
    notification_type: { type: 'string' },
    alert_ids: { type: 'array', items: { type: 'string' } },
    deliver_after: timestamp,
  },
} as const;

export const deliveryListSchema = { type: 'array', items: deliverySchema } as const;

/** A delivery-log row as served: its state and what the message was about, never its target (a webhook secret lives there). */
export type DeliveryView = Omit<DeliveryRecord, 'tenant_id' | 'notification' | 'version'> &
  Pick<Notification, 'kind' | 'state' | 'severity' | 'title' | 'notification_type' | 'deliver_after'> & { readonly alert_ids: readonly string[] };

export function deliveryView(record: DeliveryRecord): DeliveryView {
  const n = record.notification;
  return {
    notification_id: record.notification_id,
    user_id: record.user_id,
    channel: record.channel,
    idempotency_key: record.idempotency_key,
    status: record.status,
    attempts: record.attempts,
    last_error: record.last_error,
    provider_id: record.provider_id,
    next_attempt_at: record.next_attempt_at,
    created_at: record.created_at,
    updated_at: record.updated_at,
    delivered_at: record.delivered_at,
    kind: n.kind,
    state: n.state,
    severity: n.severity,
    title: n.title,
    notification_type: n.notification_type,
    alert_ids: n.alerts.map((a) => a.alert_id),
    deliver_after: n.deliver_after,
  };
}

export const notificationsQuerySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    user_id: { ...id, maxLength: MAX_USER_ID_LENGTH },
    status: { type: 'string', enum: [...NOTIFICATION_STATUSES] },
    limit,
  },
} as const;

export const failedQuerySchema = {
  type: 'object',
  additionalProperties: false,
  properties: { user_id: notificationsQuerySchema.properties.user_id, limit },
} as const;

export const notificationIdParamsSchema = { type: 'object', required: ['id'], properties: { id } } as const;

/** Error answers documented per route (the body shape is the same everywhere). */
export function errors(...statuses: number[]): Record<number, typeof errorRef> {
  return Object.fromEntries(statuses.map((s) => [s, errorRef]));
}

// ---------------------------------------------------------------- instants

const INSTANT = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|[+-](\d{2}):(\d{2})))?$/;

const MS_PER_DAY = 86_400_000;

function daysIn(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/**
 * Epoch ms of an ISO 8601 date (`YYYY-MM-DD`, midnight UTC) or date-time with `Z` or an offset
 * (a local time without one would depend on the server's zone); undefined for anything else,
 * including impossible calendar dates that `Date.parse` would roll over (2024-02-30).
 * `endOfDay`: a bare date means the next midnight, so an exclusive `to` includes the whole day.
 */
export function parseInstant(text: string, endOfDay = false): number | undefined {
  const m = INSTANT.exec(text);
  if (m === null) return undefined;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (month < 1 || month > 12 || day < 1 || day > daysIn(year, month)) return undefined;
  if (m[4] !== undefined) {
    if (Number(m[4]) > 23 || Number(m[5]) > 59 || Number(m[6] ?? 0) > 59) return undefined;
    if (m[8] !== undefined && (Number(m[8]) > 23 || Number(m[9]) > 59)) return undefined;
  }
  const ms = Date.parse(m[4] === undefined ? `${m[1]}-${m[2]}-${m[3]}T00:00:00Z` : text);
  if (!Number.isFinite(ms)) return undefined;
  return m[4] === undefined && endOfDay ? ms + MS_PER_DAY : ms;
}

// ---------------------------------------------------------------- silence requests

/** A silence's window may not exceed this: a silence that long is a rule that should be changed (366 days covers a leap year). */
export const MAX_SILENCE_MS = 366 * MS_PER_DAY;

/** The body of `POST /api/v1/silences` after JSON-schema validation (op defaulted to `=`). */
export interface SilenceBody {
  readonly matchers: readonly { readonly name: string; readonly op?: '=' | '!=' | '=~'; readonly value: string }[];
  readonly starts_at?: string;
  readonly ends_at: string;
  readonly comment?: string;
}

/**
 * The checks of a silence that JSON schema cannot express — matchers (silence-matcher.ts),
 * parsable instants, ends after it starts and after now, at most MAX_SILENCE_MS long — as one
 * FGC_SILENCE_INVALID (422) naming every bad field. `starts_at` defaults to now.
 */
export function parseSilence(body: SilenceBody, nowMs: number): Pick<Silence, 'matchers' | 'starts_at' | 'ends_at' | 'comment'> {
  const matchers = body.matchers.map((m) => ({ name: m.name, op: m.op ?? '=', value: m.value }));
  const problems: { field: string; message: string }[] = matcherProblems(matchers);
  const startsAt = body.starts_at === undefined ? nowMs : parseInstant(body.starts_at);
  const endsAt = parseInstant(body.ends_at);
  const format = 'an ISO 8601 date or date-time with Z or ±hh:mm';
  if (startsAt === undefined) problems.push({ field: 'starts_at', message: `not ${format}` });
  if (endsAt === undefined) problems.push({ field: 'ends_at', message: `not ${format}` });
  if (startsAt !== undefined && endsAt !== undefined) {
    if (endsAt <= startsAt) problems.push({ field: 'ends_at', message: 'must be after starts_at' });
    else if (endsAt - startsAt > MAX_SILENCE_MS) problems.push({ field: 'ends_at', message: 'at most 366 days after starts_at' });
    else if (endsAt <= nowMs) problems.push({ field: 'ends_at', message: 'is in the past: the silence would never apply' });
  }
  if (problems.length > 0 || startsAt === undefined || endsAt === undefined) {
    throw new FgcError('FGC_SILENCE_INVALID', `invalid silence: ${problems.map((p) => p.field).join(', ')}`, { details: problems });
  }
  return { matchers, starts_at: new Date(startsAt).toISOString(), ends_at: new Date(endsAt).toISOString(), comment: body.comment ?? '' };
}
