/**
 * The supervisors' API of the alerting domain (SPEC.md, Alerts and notifications), one
 * encapsulated fastify plugin over the alerting ports: active alerts and history, acknowledge,
 * silences, preferences, direct sends and the delivery log. Tenant and scope come from the
 * principal the HTTP shell authenticated; every lookup is scoped to that tenant, so another
 * tenant's id answers 404 exactly like an unknown one.
 *
 * Decisions (documented in the OpenAPI text too):
 *  - "active" alerts are the firing ones (pending ones have not passed their pending period);
 *  - acknowledging a resolved alert is 409 FGC_ALERT_ALREADY_RESOLVED; acknowledging again
 *    returns the alert as it is; the acknowledger is the API key's id;
 *  - silences: every problem is 422 FGC_SILENCE_INVALID naming the field; deleting a deleted
 *    silence is 204 again (a retried DELETE is harmless);
 *  - preferences: 201 when the user had none, 200 when replaced; the webhook secret is shown as
 *    `***`;
 *  - lists are JSON arrays, newest first, at most `limit` long.
 * Only JSON bodies are accepted: the plugin drops fastify's text/plain parser (415 otherwise).
 */
import { randomUUID } from 'node:crypto';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { FgcError } from '../../infra/errors.js';
import '../../infra/http/fastify-types.js';
import type { AlertStatus, AlertType, ChannelName, DeliveryRecord, NotificationStatus, Preferences, Severity, Silence } from '../alert-model.js';
import type { AlertQuery, AlertStore, DeliveryLog, PreferenceStore, SilenceStore } from '../alerting-ports.js';
import { acknowledge } from '../lifecycle/alert-lifecycle.js';
import { parsePreferences } from '../preferences/preferences-validation.js';
import {
  ALERT_BODY_LIMIT_BYTES,
  DEFAULT_PAGE,
  ackBodySchema,
  activeQuerySchema,
  alertIdParamsSchema,
  alertListSchema,
  alertSchema,
  alertView,
  deliveryListSchema,
  deliveryView,
  errors,
  failedQuerySchema,
  parseSilence,
  historyQuerySchema,
  notificationIdParamsSchema,
  notificationsQuerySchema,
  parseInstant,
  preferencesBodySchema,
  preferencesSchema,
  preferencesView,
  sendBodySchema,
  sendResultSchema,
  silenceBodySchema,
  silenceIdParamsSchema,
  silenceSchema,
  silenceView,
  userIdParamsSchema,
  type SilenceBody,
} from './alert-schemas.js';

/** `POST /api/v1/send`: one message to one user on one channel, outside the alert flow. */
export interface SendRequest {
  readonly user_id: string;
  readonly title: string;
  readonly message: string;
  readonly notification_type: string;
  readonly severity: Severity;
  readonly channel: ChannelName;
}

export interface AlertRoutesOptions {
  readonly alerts: AlertStore;
  readonly silences: SilenceStore;
  readonly preferences: PreferenceStore;
  readonly deliveries: DeliveryLog;
  /** Enqueues a direct notification (the route has checked the user and the channel's target). */
  send(tenant: string, request: SendRequest): Promise<{ notification_id: string; status: 'queued' }>;
  /** Re-queues a failed notification of the tenant; returns its delivery records after the reset. */
  retry(tenant: string, notificationId: string): Promise<DeliveryRecord[]>;
  now?: () => number;
  /** Silence ids. */
  newId?: () => string;
  /** Body limit of the alerting POST routes; ALERT_BODY_LIMIT_BYTES when absent. */
  readonly bodyLimitBytes?: number;
}

function principalOf(request: FastifyRequest): { tenant: string; keyId: string } {
  if (request.principal === undefined) throw new FgcError('FGC_AUTH_MISSING_KEY');
  return request.principal;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** No-op validator: the schema documents, preferences-validation.ts checks (see its header). */
const documentOnly = (): (() => boolean) => () => true;

/** Whether the user has somewhere to receive `channel` (the list of subscribed channels aside). */
export function hasTarget(preferences: Preferences, channel: ChannelName): boolean {
  switch (channel) {
    case 'email':
      return preferences.email !== null;
    case 'slack':
      return preferences.slack !== null;
    case 'webhook':
      return preferences.webhook !== null;
  }
}

/** Sites compare as the unified model stores them: trimmed, upper-case. */
const siteCode = (site: string | undefined): string | undefined => (site === undefined ? undefined : site.trim().toUpperCase());

function instantParam(field: 'from' | 'to', text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  const ms = parseInstant(text, field === 'to');
  if (ms === undefined) {
    throw new FgcError('FGC_HTTP_INVALID_REQUEST', `${field} is not an ISO 8601 date or date-time with a time zone`, {
      details: [{ field: `querystring.${field}`, message: 'expected YYYY-MM-DD or YYYY-MM-DDThh:mm[:ss[.sss]] with Z or ±hh:mm' }],
    });
  }
  return new Date(ms).toISOString();
}

export const alertRoutes: FastifyPluginAsync<AlertRoutesOptions> = async (app, options) => {
  const { alerts, silences, preferences, deliveries } = options;
  const now = options.now ?? Date.now;
  const newId = options.newId ?? randomUUID;
  const bodyLimit = options.bodyLimitBytes ?? ALERT_BODY_LIMIT_BYTES;
  app.removeContentTypeParser('text/plain');

  // ------------------------------------------------------------ alerts
  const alertTags = ['alerts'];

  app.get<{ Querystring: { severity?: Severity; type?: AlertType; site?: string; limit?: number } }>(
    '/api/v1/alerts/active',
    { config: { scope: 'read' }, schema: { tags: alertTags, summary: 'Firing alerts, newest first', querystring: activeQuerySchema, response: { 200: alertListSchema, ...errors(400) } } },
    async (request) => {
      const { severity, type, site, limit } = request.query;
      const query: AlertQuery = { status: 'firing', severity, type, site: siteCode(site), limit: limit ?? DEFAULT_PAGE };
      return (await alerts.list(principalOf(request).tenant, query)).map(alertView);
    },
  );

  app.get<{ Querystring: { status?: AlertStatus; severity?: Severity; type?: AlertType; site?: string; from?: string; to?: string; limit?: number } }>(
    '/api/v1/alerts',
    {
      config: { scope: 'read' },
      schema: {
        tags: alertTags,
        summary: 'Alert history by start time, newest first',
        description: 'from is inclusive, to exclusive (a bare date includes that whole day). A date that is not ISO 8601 with a time zone is a 400.',
        querystring: historyQuerySchema,
        response: { 200: alertListSchema, ...errors(400) },
      },
    },
    async (request) => {
      const { status, severity, type, site, limit } = request.query;
      const from = instantParam('from', request.query.from);
      const to = instantParam('to', request.query.to);
      if (from !== undefined && to !== undefined && from >= to) {
        throw new FgcError('FGC_HTTP_INVALID_REQUEST', 'from must be before to', { details: [{ field: 'querystring.to', message: 'must be after from' }] });
      }
      return (await alerts.list(principalOf(request).tenant, { status, severity, type, site: siteCode(site), from, to, limit: limit ?? DEFAULT_PAGE })).map(alertView);
    },
  );

  app.post<{ Params: { id: string }; Body: { comment?: string } | null | undefined }>(
    '/api/v1/alerts/:id/ack',
    {
      config: { scope: 'write' },
      bodyLimit,
      schema: {
        tags: alertTags,
        summary: 'Acknowledge an alert: no repeat notifications while acknowledged',
        description: 'The acknowledger is the id of the API key. A resolved alert cannot be acknowledged (409); acknowledging again returns the alert unchanged.',
        params: alertIdParamsSchema,
        body: ackBodySchema,
        response: { 200: alertSchema, ...errors(404, 409) },
      },
    },
    async (request) => {
      const { tenant, keyId } = principalOf(request);
      const alert = await alerts.get(tenant, request.params.id);
      if (alert === undefined) throw new FgcError('FGC_ALERT_NOT_FOUND', `no alert ${request.params.id}`);
      if (alert.status === 'resolved') throw new FgcError('FGC_ALERT_ALREADY_RESOLVED', `alert ${alert.alert_id} resolved at ${alert.resolved_at ?? alert.updated_at}`);
      if (alert.acknowledged_at !== null) return alertView(alert);
      const acknowledged = acknowledge(alert, keyId, now());
      await alerts.save([acknowledged]);
      request.log.info({ alert_id: alert.alert_id, acknowledged_by: keyId, comment: request.body?.comment ?? '' }, 'alert acknowledged');
      return alertView(acknowledged);
    },
  );

  // ------------------------------------------------------------ silences
  const silenceTags = ['silences'];

  app.post<{ Body: SilenceBody }>(
    '/api/v1/silences',
    {
      config: { scope: 'write' },
      bodyLimit,
      schema: {
        tags: silenceTags,
        summary: 'Silence alerts matching every matcher during a time window',
        description: 'Matchers compare alert fields (type, severity, entity_id, site) and labels. Problems with matchers or the window are a 422 naming each field.',
        body: silenceBodySchema,
        response: { 201: silenceSchema, ...errors(400, 413, 422) },
      },
    },
    async (request, reply) => {
      const { tenant, keyId } = principalOf(request);
      const nowMs = now();
      const silence: Silence = { ...parseSilence(request.body, nowMs), silence_id: newId(), tenant_id: tenant, created_by: keyId, created_at: new Date(nowMs).toISOString(), deleted: false };
      await silences.save(silence);
      return reply.status(201).send(silenceView(silence, nowMs));
    },
  );

  app.get(
    '/api/v1/silences',
    { config: { scope: 'read' }, schema: { tags: silenceTags, summary: 'Silences not deleted whose window has not ended', response: { 200: { type: 'array', items: silenceSchema } } } },
    async (request) => {
      const nowMs = now();
      return (await silences.active(principalOf(request).tenant, nowMs)).map((s) => silenceView(s, nowMs));
    },
  );

  app.delete<{ Params: { id: string } }>(
    '/api/v1/silences/:id',
    { config: { scope: 'write' }, schema: { tags: silenceTags, summary: 'Delete (expire) a silence', params: silenceIdParamsSchema, response: { 204: { type: 'null' }, ...errors(404) } } },
    async (request, reply) => {
      const tenant = principalOf(request).tenant;
      const silence = await silences.get(tenant, request.params.id);
      if (silence === undefined) throw new FgcError('FGC_SILENCE_NOT_FOUND', `no silence ${request.params.id}`);
      if (!silence.deleted) await silences.save({ ...silence, deleted: true });
      return reply.status(204).send();
    },
  );

  // ------------------------------------------------------------ preferences
  const preferenceTags = ['preferences'];

  app.post<{ Body: unknown }>(
    '/api/v1/preferences',
    {
      config: { scope: 'write' },
      bodyLimit,
      validatorCompiler: documentOnly,
      schema: {
        tags: preferenceTags,
        summary: "Create or replace a user's notification preferences",
        description: 'Every invalid field is named at once (422 FGC_PREFERENCES_INVALID). 201 when the user had no preferences, 200 when they were replaced. The webhook secret is never shown back.',
        body: preferencesBodySchema,
        response: { 200: preferencesSchema, 201: preferencesSchema, ...errors(400, 413, 422) },
      },
    },
    async (request, reply) => {
      if (!isObject(request.body)) {
        throw new FgcError('FGC_HTTP_INVALID_REQUEST', 'the body must be a JSON object', { details: [{ field: 'body', message: 'expected an object' }] });
      }
      const tenant = principalOf(request).tenant;
      const parsed = parsePreferences(tenant, request.body, now());
      const existed = (await preferences.get(tenant, parsed.user_id)) !== undefined;
      await preferences.save(parsed);
      return reply.status(existed ? 200 : 201).send(preferencesView(parsed));
    },
  );

  app.get<{ Params: { user_id: string } }>(
    '/api/v1/preferences/:user_id',
    { config: { scope: 'read' }, schema: { tags: preferenceTags, summary: "A user's notification preferences", params: userIdParamsSchema, response: { 200: preferencesSchema, ...errors(404) } } },
    async (request) => {
      const found = await preferences.get(principalOf(request).tenant, request.params.user_id);
      if (found === undefined) throw new FgcError('FGC_PREFERENCES_NOT_FOUND', `no preferences for user ${request.params.user_id}`);
      return preferencesView(found);
    },
  );

  // ------------------------------------------------------------ send and the delivery log
  const notificationTags = ['notifications'];

  app.post<{ Body: SendRequest }>(
    '/api/v1/send',
    {
      config: { scope: 'write' },
      bodyLimit,
      schema: {
        tags: notificationTags,
        summary: 'Send one message to a user on one channel (queued, delivered once)',
        description: '404 FGC_PREFERENCES_NOT_FOUND when the user has no preferences; 422 FGC_CHANNEL_NOT_CONFIGURED when they have no target for the channel. Quiet hours and minimum severity do not apply to a direct send.',
        body: sendBodySchema,
        response: { 202: sendResultSchema, ...errors(400, 404, 413, 422) },
      },
    },
    async (request, reply) => {
      const tenant = principalOf(request).tenant;
      const body = request.body;
      const user = await preferences.get(tenant, body.user_id);
      if (user === undefined) throw new FgcError('FGC_PREFERENCES_NOT_FOUND', `no preferences for user ${body.user_id}`, { details: [{ field: 'user_id', message: 'no preferences stored for this user' }] });
      if (!hasTarget(user, body.channel)) {
        throw new FgcError('FGC_CHANNEL_NOT_CONFIGURED', `user ${body.user_id} has no ${body.channel} target`, { details: [{ field: 'channel', message: `no ${body.channel} target in the user's preferences` }] });
      }
      const send: SendRequest = { user_id: body.user_id, title: body.title, message: body.message, notification_type: body.notification_type, severity: body.severity, channel: body.channel };
      return reply.status(202).send(await options.send(tenant, send));
    },
  );

  app.get<{ Querystring: { user_id?: string; status?: NotificationStatus; limit?: number } }>(
    '/api/v1/notifications',
    { config: { scope: 'read' }, schema: { tags: notificationTags, summary: 'The delivery log: one row per notification and channel, newest first', querystring: notificationsQuerySchema, response: { 200: deliveryListSchema, ...errors(400) } } },
    async (request) => {
      const { user_id, status, limit } = request.query;
      return (await deliveries.list(principalOf(request).tenant, { user_id, status, limit: limit ?? DEFAULT_PAGE })).map(deliveryView);
    },
  );

  app.get<{ Querystring: { user_id?: string; limit?: number } }>(
    '/api/v1/notifications/failed',
    { config: { scope: 'read' }, schema: { tags: notificationTags, summary: 'Deliveries that failed permanently or ran out of attempts', querystring: failedQuerySchema, response: { 200: deliveryListSchema, ...errors(400) } } },
    async (request) => {
      const { user_id, limit } = request.query;
      return (await deliveries.list(principalOf(request).tenant, { user_id, status: 'failed', limit: limit ?? DEFAULT_PAGE })).map(deliveryView);
    },
  );

  app.post<{ Params: { id: string } }>(
    '/api/v1/notifications/:id/retry',
    {
      config: { scope: 'write' },
      bodyLimit,
      schema: {
        tags: notificationTags,
        summary: 'Queue the failed channels of a notification again',
        description: 'Channels already delivered are not sent again (same idempotency key). 409 FGC_NOTIFICATION_NOT_RETRIABLE when nothing failed.',
        params: notificationIdParamsSchema,
        response: { 202: deliveryListSchema, ...errors(404, 409) },
      },
    },
    async (request, reply) => {
      const tenant = principalOf(request).tenant;
      const records = await deliveries.get(tenant, request.params.id);
      if (records.length === 0) throw new FgcError('FGC_NOTIFICATION_NOT_FOUND', `no notification ${request.params.id}`);
      return reply.status(202).send((await options.retry(tenant, request.params.id)).map(deliveryView));
    },
  );
};
