/**
 * SilenceStore on ClickHouse (`alert_silences`, migration 008) over the AnalyticsStore port.
 * Silences carry no version of their own, so the store versions each save from its clock:
 * `ms × 2 + deleted`, strictly increasing in this process. The later save wins, and a deletion
 * written in the same millisecond as an edit (two replicas) still wins. Deleted silences stay in
 * the table (deleted = 1), so `get` can show them; `active` leaves them out. Reads use FINAL.
 */
import type { AnalyticsStore } from '../../infra/clickhouse/analytics-store.js';
import type { Silence } from '../alert-model.js';
import type { SilenceStore } from '../alerting-ports.js';
import { chTime, chTimeOfMs, isoTime, parseJson, rowsToken, versionClock } from './clickhouse-rows.js';

export const SILENCES_TABLE = 'alert_silences';

interface SilenceRow {
  tenant_id: string;
  silence_id: string;
  matchers: string;
  starts_at: string;
  ends_at: string;
  created_by: string;
  comment: string;
  created_at: string;
  deleted: number;
}

const COLUMNS = 'tenant_id, silence_id, matchers, starts_at, ends_at, created_by, comment, created_at, deleted';

function fromRow(r: SilenceRow): Silence {
  return {
    silence_id: r.silence_id,
    tenant_id: r.tenant_id,
    matchers: parseJson<Silence['matchers']>(r.matchers, `alert_silences ${r.tenant_id}/${r.silence_id} matchers`),
    starts_at: isoTime(r.starts_at),
    ends_at: isoTime(r.ends_at),
    created_by: r.created_by,
    comment: r.comment,
    created_at: isoTime(r.created_at),
    deleted: Number(r.deleted) === 1,
  };
}

export interface SilenceStoreOptions {
  /** The clock that versions saves (tests pass a fixed one). */
  readonly now?: () => number;
}

export function createClickHouseSilenceStore(store: AnalyticsStore, options: SilenceStoreOptions = {}): SilenceStore {
  const nextMs = versionClock(options.now ?? Date.now);
  return {
    async save(silence: Silence): Promise<void> {
      const at = (field: string): string => `alert_silences ${silence.tenant_id}/${silence.silence_id} ${field}`;
      const row = {
        tenant_id: silence.tenant_id,
        silence_id: silence.silence_id,
        matchers: JSON.stringify(silence.matchers),
        starts_at: chTime(silence.starts_at, at('starts_at')),
        ends_at: chTime(silence.ends_at, at('ends_at')),
        created_by: silence.created_by,
        comment: silence.comment,
        created_at: chTime(silence.created_at, at('created_at')),
        deleted: silence.deleted ? 1 : 0,
        version: nextMs() * 2 + (silence.deleted ? 1 : 0),
      };
      await store.insert(SILENCES_TABLE, [row], { deduplicationToken: rowsToken(SILENCES_TABLE, [row]) });
    },

    async get(tenant: string, silenceId: string): Promise<Silence | undefined> {
      const rows = await store.query<SilenceRow>(
        `SELECT ${COLUMNS} FROM ${SILENCES_TABLE} FINAL WHERE tenant_id = {tenant:String} AND silence_id = {silenceId:String} LIMIT 1`,
        { tenant, silenceId },
      );
      const [row] = rows;
      return row === undefined ? undefined : fromRow(row);
    },

    async active(tenant: string, nowMs: number): Promise<Silence[]> {
      const rows = await store.query<SilenceRow>(
        `SELECT ${COLUMNS} FROM ${SILENCES_TABLE} FINAL
          WHERE tenant_id = {tenant:String} AND deleted = 0 AND ends_at > {now:DateTime64(3, 'UTC')}
          ORDER BY starts_at, silence_id`,
        { tenant, now: chTimeOfMs(nowMs, 'now') },
      );
      return rows.map(fromRow);
    },
  };
}
