/**
 * A notification on the wire (the outbox topic) and in the delivery log's JSON column: plain JSON
 * of the `Notification` type, checked field by field on the way in AND on the way out. Checking
 * on encode means a bad notification is refused when it is enqueued (the caller sees the error)
 * instead of being skipped later by the dispatcher, where nobody would notice.
 *
 * Decoding rebuilds the object from the known fields only, so unknown fields a newer writer added
 * are dropped and every consumer sees exactly the model's shape. Errors are FgcError
 * FGC_NOTIFICATION_MALFORMED naming the field path (`alerts[2].recommendation.action`).
 */
import { FgcError } from '../../infra/errors.js';
import {
  ALERT_STATUSES,
  ALERT_TYPES,
  CHANNELS,
  SEVERITIES,
  type Alert,
  type DeliveryTarget,
  type Notification,
  type Recommendation,
} from '../alert-model.js';

const NOTIFICATION_KINDS = ['alert', 'digest', 'direct'] as const;
const NOTIFICATION_STATES = ['firing', 'resolved', ''] as const;
const RECOMMENDATION_ACTIONS = ['order', 'expedite_po', 'hold_lot', 'review_forecast', 'check_source'] as const;

type Json = Readonly<Record<string, unknown>>;

function malformed(path: string, problem: string): FgcError {
  return new FgcError('FGC_NOTIFICATION_MALFORMED', `notification ${path}: ${problem}`, { details: [{ field: path, message: problem }] });
}

const join = (path: string, key: string): string => (path === '' ? key : `${path}.${key}`);

function object(value: unknown, path: string): Json {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw malformed(path || '(root)', 'expected an object');
  return value as Json;
}

function string(o: Json, key: string, path: string, nonEmpty = false): string {
  const value = o[key];
  if (typeof value !== 'string') throw malformed(join(path, key), `expected a string, got ${describe(value)}`);
  if (nonEmpty && value.trim() === '') throw malformed(join(path, key), 'must not be empty');
  return value;
}

function nullableString(o: Json, key: string, path: string): string | null {
  return o[key] === null ? null : string(o, key, path);
}

function timestamp(o: Json, key: string, path: string): string {
  const value = string(o, key, path, true);
  if (!Number.isFinite(Date.parse(value))) throw malformed(join(path, key), `expected an ISO timestamp, got ${JSON.stringify(value)}`);
  return value;
}

function number(o: Json, key: string, path: string): number {
  const value = o[key];
  if (typeof value !== 'number' || !Number.isFinite(value)) throw malformed(join(path, key), `expected a finite number, got ${describe(value)}`);
  return value;
}

function oneOf<const T extends string>(o: Json, key: string, path: string, values: readonly T[]): T {
  const value = o[key];
  if (typeof value !== 'string' || !(values as readonly string[]).includes(value)) {
    throw malformed(join(path, key), `expected one of ${values.map((v) => JSON.stringify(v)).join(', ')}, got ${describe(value)}`);
  }
  return value as T;
}

function stringRecord(o: Json, key: string, path: string): Readonly<Record<string, string>> {
  const source = object(o[key], join(path, key));
  // fromEntries defines own properties, so even a `__proto__` label survives as data.
  return Object.fromEntries(Object.keys(source).map((name) => [name, string(source, name, join(path, key))]));
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'string' ? JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value) : typeof value;
}

function parseRecommendation(value: unknown, path: string): Recommendation {
  const o = object(value, path);
  const optional = (key: string): string | undefined => (o[key] === undefined ? undefined : string(o, key, path));
  const orderQty = o['order_qty'] === undefined ? undefined : number(o, 'order_qty', path);
  const [orderBy, poId, line, sku] = [optional('order_by'), optional('po_id'), optional('line'), optional('sku')];
  // Optional fields appear only when present (exactOptionalPropertyTypes: absent ≠ undefined).
  return {
    action: oneOf(o, 'action', path, RECOMMENDATION_ACTIONS),
    text: string(o, 'text', path),
    ...(orderQty === undefined ? {} : { order_qty: orderQty }),
    ...(orderBy === undefined ? {} : { order_by: orderBy }),
    ...(poId === undefined ? {} : { po_id: poId }),
    ...(line === undefined ? {} : { line }),
    ...(sku === undefined ? {} : { sku }),
  };
}

function parseAlert(value: unknown, path: string): Alert {
  const o = object(value, path);
  return {
    alert_id: string(o, 'alert_id', path, true),
    tenant_id: string(o, 'tenant_id', path, true),
    fingerprint: string(o, 'fingerprint', path),
    type: oneOf(o, 'type', path, ALERT_TYPES),
    severity: oneOf(o, 'severity', path, SEVERITIES),
    status: oneOf(o, 'status', path, ALERT_STATUSES),
    entity_id: string(o, 'entity_id', path),
    site: string(o, 'site', path),
    title: string(o, 'title', path),
    message: string(o, 'message', path),
    value: number(o, 'value', path),
    threshold: number(o, 'threshold', path),
    recommendation: parseRecommendation(o['recommendation'], join(path, 'recommendation')),
    labels: stringRecord(o, 'labels', path),
    data_as_of: string(o, 'data_as_of', path),
    starts_at: string(o, 'starts_at', path),
    fired_at: nullableString(o, 'fired_at', path),
    resolved_at: nullableString(o, 'resolved_at', path),
    updated_at: string(o, 'updated_at', path),
    last_breach_at: string(o, 'last_breach_at', path),
    ok_since: nullableString(o, 'ok_since', path),
    acknowledged_by: nullableString(o, 'acknowledged_by', path),
    acknowledged_at: nullableString(o, 'acknowledged_at', path),
    last_notified_at: nullableString(o, 'last_notified_at', path),
    version: number(o, 'version', path),
  };
}

/** A delivery target; its own `channel` decides which fields it must have. */
export function parseDeliveryTarget(value: unknown, path = 'target'): DeliveryTarget {
  const o = object(value, path);
  const channel = oneOf(o, 'channel', path, CHANNELS);
  switch (channel) {
    case 'email':
      return { channel, address: string(o, 'address', path, true) };
    case 'slack':
      return { channel, conversation: string(o, 'conversation', path, true) };
    case 'webhook':
      return { channel, url: string(o, 'url', path, true), secret: string(o, 'secret', path) };
  }
}

/** Checks an already parsed value and returns a clean Notification; throws FGC_NOTIFICATION_MALFORMED. */
export function parseNotification(value: unknown): Notification {
  const o = object(value, '');
  const channel = oneOf(o, 'channel', '', CHANNELS);
  const target = parseDeliveryTarget(o['target'], 'target');
  if (target.channel !== channel) throw malformed('target.channel', `is ${target.channel} but the notification's channel is ${channel}`);
  if (!Array.isArray(o['alerts'])) throw malformed('alerts', `expected an array, got ${describe(o['alerts'])}`);
  const alerts = (o['alerts'] as unknown[]).map((a, i) => parseAlert(a, `alerts[${i}]`));
  return {
    notification_id: string(o, 'notification_id', '', true),
    tenant_id: string(o, 'tenant_id', '', true),
    user_id: string(o, 'user_id', '', true),
    channel,
    idempotency_key: string(o, 'idempotency_key', '', true),
    kind: oneOf(o, 'kind', '', NOTIFICATION_KINDS),
    state: oneOf(o, 'state', '', NOTIFICATION_STATES),
    severity: oneOf(o, 'severity', '', SEVERITIES),
    title: string(o, 'title', ''),
    message: string(o, 'message', ''),
    notification_type: string(o, 'notification_type', ''),
    alerts,
    target,
    replaces_provider_id: nullableString(o, 'replaces_provider_id', ''),
    replaces_notification_id: nullableString(o, 'replaces_notification_id', ''),
    fallback: o['fallback'] === null ? null : parseDeliveryTarget(o['fallback'], 'fallback'),
    created_at: timestamp(o, 'created_at', ''),
    deliver_after: timestamp(o, 'deliver_after', ''),
  };
}

/** The wire form of a notification (UTF-8 JSON); refuses one that would not decode. */
export function encodeNotification(notification: Notification): Buffer {
  return Buffer.from(JSON.stringify(parseNotification(notification)), 'utf8');
}

/** A notification from its wire form; throws FGC_NOTIFICATION_MALFORMED for anything else. */
export function decodeNotification(bytes: Buffer | string): Notification {
  let value: unknown;
  try {
    value = JSON.parse(typeof bytes === 'string' ? bytes : bytes.toString('utf8'));
  } catch (error) {
    throw new FgcError('FGC_NOTIFICATION_MALFORMED', `notification is not valid JSON: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  return parseNotification(value);
}
