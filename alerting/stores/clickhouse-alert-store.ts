/**
 * AlertStore on ClickHouse (`alerts`, migration 008) over the AnalyticsStore port. Every version
 * the lifecycle writes is a row; reads use FINAL, so the highest version of each alert wins
 * without waiting for a merge (a lower version saved late is ignored). One insert per `save`,
 * whatever the number of alerts, with a token hashed from the rows so a retried insert lands once.
 *
 * Queries: `open()` (pending and firing alerts of every tenant, read once when the lifecycle
 * starts) filters on `status`, which the table's set index serves; `recentlyResolved(sinceMs)`
 * (every tenant, also at start-up) on resolved_at, served by its minmax index; `list` is tenant-scoped, newest
 * first (starts_at, then alert_id, descending), `from` inclusive and `to` exclusive on starts_at;
 * `byFingerprint` uses the fingerprint bloom filter. Every value travels as a query parameter.
 */
import type { AnalyticsStore } from '../../infra/clickhouse/analytics-store.js';
import { FgcError } from '../../infra/errors.js';
import type { Alert, AlertStatus, AlertType, Recommendation, Severity } from '../alert-model.js';
import type { AlertQuery, AlertStore } from '../alerting-ports.js';
import { boundedLimit, chTime, chTimeOfMs, chTimeOrNull, isoTime, isoTimeOrNull, parseJson, rowsToken } from './clickhouse-rows.js';

export const ALERTS_TABLE = 'alerts';
/** Rows `list` returns when the caller gives no limit: every active alert of a large plant network fits. */
export const DEFAULT_ALERT_LIST_LIMIT = 1_000;
/** Most rows one `list` returns: alert rows are ~1 KB, so 10,000 stays around 10 MB. */
export const MAX_ALERT_LIST_LIMIT = 10_000;

/** `recentlyResolved` from further back than DateTime64's range means "all": clamp to its start. */
const MIN_SINCE_MS = Date.UTC(1900, 0, 1);

/** A row of `alerts` as JSONEachRow returns it (UInt64 as text, DateTime64 as text). */
interface AlertRow {
  tenant_id: string;
  alert_id: string;
  fingerprint: string;
  type: string;
  severity: string;
  status: string;
  entity_id: string;
  site: string;
  title: string;
  message: string;
  value: number | null;
  threshold: number | null;
  recommendation: string;
  labels: string;
  data_as_of: string;
  starts_at: string;
  fired_at: string | null;
  resolved_at: string | null;
  updated_at: string;
  last_breach_at: string;
  ok_since: string | null;
  acknowledged_by: string | null;
  acknowledged_at: string | null;
  last_notified_at: string | null;
  version: string | number;
}

const COLUMNS = `tenant_id, alert_id, fingerprint, type, severity, status, entity_id, site, title, message, value, threshold,
  recommendation, labels, data_as_of, starts_at, fired_at, resolved_at, updated_at, last_breach_at, ok_since, acknowledged_by,
  acknowledged_at, last_notified_at, version`;

/** Alert → row. Non-finite value / threshold travel as JSON null, which the Float64 columns read as 0. */
function toRow(a: Alert): Record<string, unknown> {
  const at = (field: string): string => `alerts ${a.tenant_id}/${a.alert_id} ${field}`;
  return {
    tenant_id: a.tenant_id,
    alert_id: a.alert_id,
    fingerprint: a.fingerprint,
    type: a.type,
    severity: a.severity,
    status: a.status,
    entity_id: a.entity_id,
    site: a.site,
    title: a.title,
    message: a.message,
    value: a.value,
    threshold: a.threshold,
    recommendation: JSON.stringify(a.recommendation),
    labels: JSON.stringify(a.labels),
    data_as_of: a.data_as_of,
    starts_at: chTime(a.starts_at, at('starts_at')),
    fired_at: chTimeOrNull(a.fired_at, at('fired_at')),
    resolved_at: chTimeOrNull(a.resolved_at, at('resolved_at')),
    updated_at: chTime(a.updated_at, at('updated_at')),
    last_breach_at: chTime(a.last_breach_at, at('last_breach_at')),
    ok_since: chTimeOrNull(a.ok_since, at('ok_since')),
    acknowledged_by: a.acknowledged_by,
    acknowledged_at: chTimeOrNull(a.acknowledged_at, at('acknowledged_at')),
    last_notified_at: chTimeOrNull(a.last_notified_at, at('last_notified_at')),
    version: a.version,
  };
}

function fromRow(r: AlertRow): Alert {
  const at = (field: string): string => `alerts ${r.tenant_id}/${r.alert_id} ${field}`;
  return {
    alert_id: r.alert_id,
    tenant_id: r.tenant_id,
    fingerprint: r.fingerprint,
    type: r.type as AlertType,
    severity: r.severity as Severity,
    status: r.status as AlertStatus,
    entity_id: r.entity_id,
    site: r.site,
    title: r.title,
    message: r.message,
    value: Number(r.value ?? 0),
    threshold: Number(r.threshold ?? 0),
    recommendation: parseJson<Recommendation>(r.recommendation, at('recommendation')),
    labels: parseJson<Record<string, string>>(r.labels, at('labels')),
    data_as_of: r.data_as_of,
    starts_at: isoTime(r.starts_at),
    fired_at: isoTimeOrNull(r.fired_at),
    resolved_at: isoTimeOrNull(r.resolved_at),
    updated_at: isoTime(r.updated_at),
    last_breach_at: isoTime(r.last_breach_at),
    ok_since: isoTimeOrNull(r.ok_since),
    acknowledged_by: r.acknowledged_by,
    acknowledged_at: isoTimeOrNull(r.acknowledged_at),
    last_notified_at: isoTimeOrNull(r.last_notified_at),
    version: Number(r.version),
  };
}

/** A `from` / `to` filter: bad text is the caller's mistake (422), not a storage failure. */
function boundParam(iso: string, field: 'from' | 'to'): string {
  try {
    return chTime(iso, field);
  } catch (error) {
    throw new FgcError('FGC_ALERT_INVALID_REQUEST', `${field} must be an ISO 8601 timestamp`, { cause: error, details: [{ field, message: 'not an ISO 8601 timestamp' }] });
  }
}

/** The AlertStore port plus a lookup the port does not declare. */
export interface ClickHouseAlertStore extends AlertStore {
  /** The newest alert (by starts_at) with this fingerprint, whatever its status. */
  byFingerprint(tenant: string, fingerprint: string): Promise<Alert | undefined>;
}

export function createClickHouseAlertStore(store: AnalyticsStore): ClickHouseAlertStore {
  const select = async (where: string, params: Record<string, unknown>, tail: string): Promise<Alert[]> => {
    const rows = await store.query<AlertRow>(`SELECT ${COLUMNS} FROM ${ALERTS_TABLE} FINAL WHERE ${where} ${tail}`, params);
    return rows.map(fromRow);
  };

  return {
    async save(alerts: readonly Alert[]): Promise<void> {
      if (alerts.length === 0) return;
      const rows = alerts.map(toRow);
      await store.insert(ALERTS_TABLE, rows, { deduplicationToken: rowsToken(ALERTS_TABLE, rows) });
    },

    async get(tenant: string, alertId: string): Promise<Alert | undefined> {
      const [alert] = await select('tenant_id = {tenant:String} AND alert_id = {alertId:String}', { tenant, alertId }, 'LIMIT 1');
      return alert;
    },

    async byFingerprint(tenant: string, fingerprint: string): Promise<Alert | undefined> {
      const [alert] = await select('tenant_id = {tenant:String} AND fingerprint = {fingerprint:String}', { tenant, fingerprint }, 'ORDER BY starts_at DESC, alert_id DESC LIMIT 1');
      return alert;
    },

    open(): Promise<Alert[]> {
      return select("status IN ('pending', 'firing')", {}, 'ORDER BY tenant_id, alert_id');
    },

    async recentlyResolved(sinceMs: number): Promise<Alert[]> {
      const since = chTimeOfMs(Math.max(sinceMs, MIN_SINCE_MS), 'sinceMs');
      return select("status = 'resolved' AND resolved_at >= {since:DateTime64(3, 'UTC')}", { since }, 'ORDER BY tenant_id, alert_id');
    },

    async list(tenant: string, query: AlertQuery): Promise<Alert[]> {
      const conditions = ['tenant_id = {tenant:String}'];
      const params: Record<string, unknown> = { tenant, limit: boundedLimit(query.limit, DEFAULT_ALERT_LIST_LIMIT, MAX_ALERT_LIST_LIMIT) };
      const add = (sql: string, name: string, value: unknown): void => {
        conditions.push(sql);
        params[name] = value;
      };
      if (query.status !== undefined) add('status = {status:String}', 'status', query.status);
      if (query.severity !== undefined) add('severity = {severity:String}', 'severity', query.severity);
      if (query.type !== undefined) add('type = {type:String}', 'type', query.type);
      if (query.site !== undefined) add('site = {site:String}', 'site', query.site);
      if (query.from !== undefined) add("starts_at >= {from:DateTime64(3, 'UTC')}", 'from', boundParam(query.from, 'from'));
      if (query.to !== undefined) add("starts_at < {to:DateTime64(3, 'UTC')}", 'to', boundParam(query.to, 'to'));
      return select(conditions.join(' AND '), params, 'ORDER BY starts_at DESC, alert_id DESC LIMIT {limit:UInt32}');
    },
  };
}
