/**
 * Turns a `POST /api/v1/preferences` body (SPEC.md, Alerts and notifications) into Preferences,
 * or one FGC_PREFERENCES_INVALID error naming every bad field at once (`details: [{field,
 * message}]`, fields as dotted paths like `webhook.url` or `sites.3`). Pure: no I/O, the clock is
 * passed in. The body is checked here rather than by ajv, whose coercion would quietly turn
 * `"channels": "email"` into a list and drop unknown fields instead of naming them.
 *
 * Decisions: unknown fields are errors (a typo such as `min_severty` must not silently fall back
 * to a default); duplicates in `channels`, `alert_types` and `sites` are dropped, keeping first
 * order; Slack takes exactly one of `user` / `channel`; a webhook URL carrying credentials is
 * refused (preferences are echoed back and logged, the secret belongs in `secret`); texts with
 * surrounding whitespace are refused rather than trimmed (` alice` is a different user id), except
 * site codes, stored as the unified model stores them (trimmed, upper-case); the time zone is
 * stored in its canonical spelling (`europe/berlin` → `Europe/Berlin`).
 */
import { ALERT_TYPES, CHANNELS, SEVERITIES, type AlertType, type ChannelName, type Preferences, type Severity } from '../alert-model.js';
import { FgcError } from '../../infra/errors.js';

export const DIGEST_MODES = ['off', 'hourly', 'daily'] as const;
export type DigestMode = (typeof DIGEST_MODES)[number];

/** Longest user id: room for an email-like login or a directory DN, short enough for a key column. */
export const MAX_USER_ID_LENGTH = 200;
/** RFC 5321: 254 for a whole address, 64 for the local part. */
const MAX_EMAIL_LENGTH = 254;
const MAX_EMAIL_LOCAL_LENGTH = 64;
/** De-facto URL limit of browsers and proxies; longer webhook URLs are almost surely a mistake. */
export const MAX_WEBHOOK_URL_LENGTH = 2048;
/** Plain secrets: at least 128 bits if random characters; at most a size no HMAC key needs. */
const MIN_SECRET_LENGTH = 16;
const MAX_SECRET_LENGTH = 512;
/** Standard Webhooks `whsec_<base64>` secrets: at least 16 key bytes (the spec suggests 24–64). */
const MIN_WHSEC_BYTES = 16;
/** A site code is a short identifier; a thousand of them covers any plant network. */
const MAX_SITE_LENGTH = 200;
const MAX_SITES = 1000;
/** Bound on list inputs before de-duplication, so a huge array is refused rather than scanned. */
const MAX_LIST_INPUT = 1000;
/** Slack ids: U/W users, C/G/D conversations, upper-case base-36, 9–11 characters today. */
const SLACK_USER_ID = /^[UW][A-Z0-9]{6,20}$/;
const SLACK_CHANNEL_ID = /^[CGD][A-Z0-9]{6,20}$/;
/** Slack channel names: lower-case letters, digits, `-`, `_`, at most 80 characters. */
const SLACK_CHANNEL_NAME = /^#[\p{Ll}\p{Lo}\p{N}_-]{1,80}$/u;
const HH_MM = /^([01]\d|2[0-3]):[0-5]\d$/;
/** Control characters (C0, DEL, C1) and lone UTF-16 surrogates (with the u flag a pair is one code point). */
const CONTROL_OR_LONE_SURROGATE = /[\p{Cc}\p{Cs}]/u;
/** Local part: printable, no spaces, quotes, brackets or separators that break headers. */
const EMAIL_LOCAL = /^[^\s@"<>()[\]\\,;:\p{Cc}\p{Cs}]+$/u;
/** Domain label: letters (any script), digits and inner hyphens. */
const DOMAIN_LABEL = /^[\p{L}\p{N}](?:[\p{L}\p{N}-]{0,61}[\p{L}\p{N}])?$/u;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

const KNOWN_FIELDS = new Set(['user_id', 'email', 'slack', 'webhook', 'channels', 'min_severity', 'alert_types', 'sites', 'quiet_hours', 'digest', 'fallback_channel']);

/** One problem with one field of the body (an ErrorDetail of the thrown error). */
export interface FieldProblem {
  readonly [key: string]: unknown;
  readonly field: string;
  readonly message: string;
}

type Problems = FieldProblem[];

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}

/** Length in code points, so an emoji counts as one character. */
function codePoints(text: string): number {
  let n = 0;
  for (const _ of text) n += 1;
  return n;
}

/** A short text: not blank, no surrounding whitespace, free of control characters. */
function text(problems: Problems, field: string, value: unknown, max: number): string | undefined {
  if (typeof value !== 'string') {
    problems.push({ field, message: `must be a string, got ${describe(value)}` });
    return undefined;
  }
  if (value.trim() === '') {
    problems.push({ field, message: 'must not be empty' });
    return undefined;
  }
  if (codePoints(value) > max) {
    problems.push({ field, message: `at most ${max} characters` });
    return undefined;
  }
  if (CONTROL_OR_LONE_SURROGATE.test(value)) {
    problems.push({ field, message: 'must not contain control characters or unpaired surrogates' });
    return undefined;
  }
  if (value.trim() !== value) {
    problems.push({ field, message: 'must not start or end with whitespace' });
    return undefined;
  }
  return value;
}

/** Whether `address` is a sane `local@domain.tld` address (no quoting, no IP literals). */
export function isEmailAddress(address: string): boolean {
  if (address.length > MAX_EMAIL_LENGTH) return false;
  const at = address.lastIndexOf('@');
  if (at <= 0) return false;
  const local = address.slice(0, at);
  const domain = address.slice(at + 1);
  if (local.length > MAX_EMAIL_LOCAL_LENGTH || !EMAIL_LOCAL.test(local) || local.startsWith('.') || local.endsWith('.') || local.includes('..')) return false;
  const labels = domain.split('.');
  if (labels.length < 2 || !labels.every((l) => DOMAIN_LABEL.test(l))) return false;
  // The top-level domain is never all digits (that would be an IP address).
  return !/^\d+$/.test(labels[labels.length - 1] ?? '');
}

function parseEmail(problems: Problems, value: unknown): string | null {
  if (value === undefined || value === null) return null;
  const address = text(problems, 'email', value, MAX_EMAIL_LENGTH);
  if (address === undefined) return null;
  if (!isEmailAddress(address)) {
    problems.push({ field: 'email', message: 'not an email address (expected local@domain.tld)' });
    return null;
  }
  return address;
}

function parseSlack(problems: Problems, value: unknown): Preferences['slack'] {
  if (value === undefined || value === null) return null;
  if (!isObject(value)) {
    problems.push({ field: 'slack', message: `must be an object {"user"} or {"channel"}, got ${describe(value)}` });
    return null;
  }
  const unknown = Object.keys(value).filter((k) => k !== 'user' && k !== 'channel');
  for (const key of unknown) problems.push({ field: `slack.${key}`, message: 'unknown field; slack takes "user" or "channel"' });
  const hasUser = value.user !== undefined;
  const hasChannel = value.channel !== undefined;
  if (hasUser === hasChannel) {
    problems.push({ field: 'slack', message: hasUser ? 'give either "user" or "channel", not both' : 'give "user" (a Slack user id) or "channel" (a channel id or #name)' });
    return null;
  }
  if (hasUser) {
    const user = text(problems, 'slack.user', value.user, 100);
    if (user === undefined) return null;
    if (!SLACK_USER_ID.test(user)) {
      problems.push({ field: 'slack.user', message: 'not a Slack user id (U… or W…, upper-case letters and digits)' });
      return null;
    }
    return unknown.length > 0 ? null : { user };
  }
  const channel = text(problems, 'slack.channel', value.channel, 100);
  if (channel === undefined) return null;
  if (!SLACK_CHANNEL_ID.test(channel) && !SLACK_CHANNEL_NAME.test(channel)) {
    problems.push({ field: 'slack.channel', message: 'not a Slack channel id (C…, G…, D…) or #name (lower-case letters, digits, - and _)' });
    return null;
  }
  return unknown.length > 0 ? null : { channel };
}

function isWebhookSecret(secret: string): boolean {
  if (secret.startsWith('whsec_')) {
    const encoded = secret.slice('whsec_'.length);
    return encoded.length > 0 && BASE64.test(encoded) && Buffer.from(encoded, 'base64').length >= MIN_WHSEC_BYTES;
  }
  return codePoints(secret) >= MIN_SECRET_LENGTH;
}

function parseWebhookUrl(problems: Problems, value: unknown): string | undefined {
  const raw = text(problems, 'webhook.url', value, MAX_WEBHOOK_URL_LENGTH);
  if (raw === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    problems.push({ field: 'webhook.url', message: 'not an absolute URL' });
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    problems.push({ field: 'webhook.url', message: `must be http or https, not ${url.protocol.replace(':', '')}` });
    return undefined;
  }
  if (url.username !== '' || url.password !== '') {
    problems.push({ field: 'webhook.url', message: 'must not carry credentials (user:password@); the signature secret authenticates the sender' });
    return undefined;
  }
  return raw;
}

function parseWebhook(problems: Problems, value: unknown): Preferences['webhook'] {
  if (value === undefined || value === null) return null;
  if (!isObject(value)) {
    problems.push({ field: 'webhook', message: `must be an object {"url","secret"}, got ${describe(value)}` });
    return null;
  }
  const unknown = Object.keys(value).filter((k) => k !== 'url' && k !== 'secret');
  for (const key of unknown) problems.push({ field: `webhook.${key}`, message: 'unknown field; webhook takes "url" and "secret"' });
  const url = parseWebhookUrl(problems, value.url);
  let secret: string | undefined;
  if (value.secret === undefined) {
    problems.push({ field: 'webhook.secret', message: 'required: the key the payload is signed with (Standard Webhooks)' });
  } else if (value.secret === '***') {
    problems.push({ field: 'webhook.secret', message: 'the stored secret is never shown back; send the secret itself again' });
  } else {
    secret = text(problems, 'webhook.secret', value.secret, MAX_SECRET_LENGTH);
    if (secret !== undefined && !isWebhookSecret(secret)) {
      problems.push({ field: 'webhook.secret', message: `at least ${MIN_SECRET_LENGTH} characters, or whsec_ followed by base64 of at least ${MIN_WHSEC_BYTES} bytes` });
      secret = undefined;
    }
  }
  return url === undefined || secret === undefined || unknown.length > 0 ? null : { url, secret };
}

/** A list of values from a closed set, de-duplicated in first order. */
function enumList<T extends string>(problems: Problems, field: string, value: unknown, allowed: readonly T[]): T[] {
  if (!Array.isArray(value)) {
    problems.push({ field, message: `must be an array of ${allowed.join(', ')}, got ${describe(value)}` });
    return [];
  }
  if (value.length > MAX_LIST_INPUT) {
    problems.push({ field, message: `at most ${MAX_LIST_INPUT} entries` });
    return [];
  }
  const out: T[] = [];
  value.forEach((entry: unknown, index) => {
    if (typeof entry !== 'string' || !(allowed as readonly string[]).includes(entry)) {
      problems.push({ field: `${field}.${index}`, message: `must be one of ${allowed.join(', ')}` });
    } else if (!out.includes(entry as T)) {
      out.push(entry as T);
    }
  });
  return out;
}

function parseSites(problems: Problems, value: unknown): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) {
    problems.push({ field: 'sites', message: `must be an array of site codes, got ${describe(value)}` });
    return [];
  }
  if (value.length > MAX_SITES) {
    problems.push({ field: 'sites', message: `at most ${MAX_SITES} sites` });
    return [];
  }
  const out: string[] = [];
  value.forEach((entry: unknown, index) => {
    // Site codes as the unified model stores them (trimmed, upper-case), so `plant-1` matches PLANT-1.
    const site = typeof entry === 'string' ? text(problems, `sites.${index}`, entry.trim(), MAX_SITE_LENGTH)?.toUpperCase() : text(problems, `sites.${index}`, entry, MAX_SITE_LENGTH);
    if (site !== undefined && !out.includes(site)) out.push(site);
  });
  return out;
}

function oneOf<T extends string>(problems: Problems, field: string, value: unknown, allowed: readonly T[]): T | undefined {
  if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
  problems.push({ field, message: `must be one of ${allowed.join(', ')}` });
  return undefined;
}

/** The canonical name of an IANA time zone, or undefined when Intl does not know it. */
export function canonicalTimeZone(zone: string): string | undefined {
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone: zone }).resolvedOptions().timeZone;
  } catch {
    return undefined;
  }
}

function parseQuietHours(problems: Problems, value: unknown): Preferences['quiet_hours'] {
  if (value === undefined || value === null) return null;
  if (!isObject(value)) {
    problems.push({ field: 'quiet_hours', message: `must be an object {"start","end","timezone"}, got ${describe(value)}` });
    return null;
  }
  const before = problems.length;
  for (const key of Object.keys(value)) {
    if (key !== 'start' && key !== 'end' && key !== 'timezone') problems.push({ field: `quiet_hours.${key}`, message: 'unknown field; quiet_hours takes start, end and timezone' });
  }
  const clock = (key: 'start' | 'end'): string | undefined => {
    const v = value[key];
    if (typeof v === 'string' && HH_MM.test(v)) return v;
    problems.push({ field: `quiet_hours.${key}`, message: 'a time of day HH:MM between 00:00 and 23:59' });
    return undefined;
  };
  const start = clock('start');
  const end = clock('end');
  if (start !== undefined && start === end) problems.push({ field: 'quiet_hours.end', message: 'must differ from start (an empty or a whole-day window is not quiet hours)' });
  let timezone: string | undefined;
  if (typeof value.timezone !== 'string' || value.timezone === '' || value.timezone.length > 100) {
    problems.push({ field: 'quiet_hours.timezone', message: 'an IANA time zone such as Europe/Berlin' });
  } else {
    timezone = canonicalTimeZone(value.timezone);
    if (timezone === undefined) problems.push({ field: 'quiet_hours.timezone', message: `unknown time zone "${value.timezone}"; use an IANA name such as Europe/Berlin` });
  }
  if (problems.length > before || start === undefined || end === undefined || timezone === undefined) return null;
  return { start, end, timezone };
}

function targetOf(channel: ChannelName, targets: { email: unknown; slack: unknown; webhook: unknown }): boolean {
  return targets[channel] !== null;
}

/**
 * Validates a preferences body for `tenant`, stamped `updated_at` = `nowMs`. Throws
 * FgcError FGC_PREFERENCES_INVALID (422) listing every problem.
 */
export function parsePreferences(tenant: string, body: unknown, nowMs: number): Preferences {
  if (!isObject(body)) {
    throw new FgcError('FGC_PREFERENCES_INVALID', 'the preferences must be a JSON object', { details: [{ field: '', message: `expected an object, got ${describe(body)}` }] });
  }
  const problems: Problems = [];
  for (const key of Object.keys(body)) {
    if (!KNOWN_FIELDS.has(key)) problems.push({ field: key, message: `unknown field; known: ${[...KNOWN_FIELDS].join(', ')}` });
  }

  const userId = body.user_id === undefined ? (problems.push({ field: 'user_id', message: 'required' }), undefined) : text(problems, 'user_id', body.user_id, MAX_USER_ID_LENGTH);
  const email = parseEmail(problems, body.email);
  const slack = parseSlack(problems, body.slack);
  const webhook = parseWebhook(problems, body.webhook);
  // A target that was sent but is invalid counts as present for the channel checks below, so
  // the body's one real mistake is reported once, at the target.
  const targets = {
    email: body.email === undefined || body.email === null ? null : email ?? 'invalid',
    slack: body.slack === undefined || body.slack === null ? null : slack ?? 'invalid',
    webhook: body.webhook === undefined || body.webhook === null ? null : webhook ?? 'invalid',
  };

  let channels: ChannelName[] = [];
  if (body.channels === undefined) {
    problems.push({ field: 'channels', message: `required: a non-empty list of ${CHANNELS.join(', ')}` });
  } else {
    channels = enumList(problems, 'channels', body.channels, CHANNELS);
    if (Array.isArray(body.channels) && body.channels.length === 0) problems.push({ field: 'channels', message: 'must not be empty' });
    for (const channel of channels) {
      if (!targetOf(channel, targets)) problems.push({ field: 'channels', message: `${channel} is listed but no ${channel} target is given` });
    }
  }

  const minSeverity: Severity | undefined = body.min_severity === undefined ? (problems.push({ field: 'min_severity', message: `required: one of ${SEVERITIES.join(', ')}` }), undefined) : oneOf(problems, 'min_severity', body.min_severity, SEVERITIES);
  const alertTypes: AlertType[] = body.alert_types === undefined || body.alert_types === null ? [] : enumList(problems, 'alert_types', body.alert_types, ALERT_TYPES);
  const sites = parseSites(problems, body.sites);
  const quietHours = parseQuietHours(problems, body.quiet_hours);
  const digest: DigestMode | undefined = body.digest === undefined || body.digest === null ? 'off' : oneOf(problems, 'digest', body.digest, DIGEST_MODES);

  let fallback: ChannelName | null = null;
  if (body.fallback_channel !== undefined && body.fallback_channel !== null) {
    const channel = oneOf(problems, 'fallback_channel', body.fallback_channel, CHANNELS);
    if (channel !== undefined && !targetOf(channel, targets)) problems.push({ field: 'fallback_channel', message: `no ${channel} target is given` });
    fallback = channel ?? null;
  }

  if (problems.length > 0 || userId === undefined || minSeverity === undefined || digest === undefined) {
    throw new FgcError('FGC_PREFERENCES_INVALID', `invalid preferences: ${problems.map((p) => p.field || 'body').join(', ')}`, { details: problems });
  }
  return {
    tenant_id: tenant,
    user_id: userId,
    email,
    slack,
    webhook,
    channels,
    min_severity: minSeverity,
    alert_types: alertTypes,
    sites,
    quiet_hours: quietHours,
    digest,
    fallback_channel: fallback,
    updated_at: new Date(nowMs).toISOString(),
  };
}
