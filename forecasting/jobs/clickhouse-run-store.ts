/**
 * Job runs in ClickHouse (`forecast_runs`, migration 006): every state change of a run is a row
 * with a higher version; reads use FINAL so the latest state wins without waiting for a merge.
 */
import type { AnalyticsStore } from '../../infra/clickhouse/analytics-store.js';
import { fromClickHouseDateTime, toClickHouseDateTime } from '../../infra/clickhouse/datetime.js';
import type { RunRecord, RunStatus, RunStore, RunTrigger } from './job-runs.js';

interface RunRow {
  tenant_id: string;
  job_name: string;
  run_id: string;
  trigger: string;
  status: string;
  scheduled_text: string | null;
  started_text: string;
  finished_text: string | null;
  entities_total: number;
  entities_done: number;
  entities_failed: number;
  error: string;
  holder: string;
  fencing_token: string;
  version: string;
}

// Aliases differ from the columns: a ClickHouse alias would otherwise change ORDER BY.
const COLUMNS = `tenant_id, job_name, run_id, trigger, status, toString(scheduled_for) AS scheduled_text, toString(started_at) AS started_text,
  toString(finished_at) AS finished_text, entities_total, entities_done, entities_failed, error, holder, toString(fencing_token) AS fencing_token, toString(version) AS version`;

const chTime = (isoText: string | null): string | null => (isoText === null ? null : toClickHouseDateTime(Date.parse(isoText)));

function fromRow(r: RunRow): RunRecord {
  return {
    run_id: r.run_id,
    job: r.job_name,
    tenant_id: r.tenant_id,
    trigger: r.trigger as RunTrigger,
    status: r.status as RunStatus,
    scheduled_for: r.scheduled_text === null ? null : fromClickHouseDateTime(r.scheduled_text),
    started_at: fromClickHouseDateTime(r.started_text),
    finished_at: r.finished_text === null ? null : fromClickHouseDateTime(r.finished_text),
    entities_total: Number(r.entities_total),
    entities_done: Number(r.entities_done),
    entities_failed: Number(r.entities_failed),
    error: r.error,
    holder: r.holder,
    fencing_token: Number(r.fencing_token),
    version: Number(r.version),
  };
}

export function createClickHouseRunStore(store: AnalyticsStore): RunStore {
  const maxOf = async (sql: string, job: string): Promise<number | undefined> => {
    const [row] = await store.query<{ at: string | null }>(sql, { job });
    return row?.at === null || row?.at === undefined ? undefined : Date.parse(fromClickHouseDateTime(row.at));
  };
  return {
    async save(run: RunRecord): Promise<void> {
      await store.insert(
        'forecast_runs',
        [
          {
            tenant_id: run.tenant_id,
            job_name: run.job,
            run_id: run.run_id,
            trigger: run.trigger,
            status: run.status,
            scheduled_for: chTime(run.scheduled_for),
            started_at: chTime(run.started_at),
            finished_at: chTime(run.finished_at),
            entities_total: run.entities_total,
            entities_done: run.entities_done,
            entities_failed: run.entities_failed,
            error: run.error,
            holder: run.holder,
            fencing_token: run.fencing_token,
            version: run.version,
          },
        ],
        { deduplicationToken: `run:${run.run_id}:${run.version}` },
      );
    },

    async list(options): Promise<RunRecord[]> {
      const parts: string[] = [];
      const params: Record<string, unknown> = { limit: options.limit };
      if (options.job !== undefined) {
        parts.push('job_name = {job:String}');
        params.job = options.job;
      }
      if (options.tenant !== undefined) {
        parts.push("tenant_id IN ('', {tenant:String})");
        params.tenant = options.tenant;
      }
      const where = parts.length === 0 ? '' : `WHERE ${parts.join(' AND ')}`;
      const rows = await store.query<RunRow>(`SELECT ${COLUMNS} FROM forecast_runs FINAL ${where} ORDER BY started_at DESC, run_id DESC LIMIT {limit:UInt32}`, params);
      return rows.map(fromRow);
    },

    lastScheduledSlot(job: string): Promise<number | undefined> {
      return maxOf("SELECT toString(max(scheduled_for)) AS at FROM forecast_runs FINAL WHERE job_name = {job:String} AND scheduled_for IS NOT NULL", job);
    },

    lastSuccessStart(job: string): Promise<number | undefined> {
      return maxOf("SELECT if(count() = 0, NULL, toString(max(started_at))) AS at FROM forecast_runs FINAL WHERE job_name = {job:String} AND status = 'success'", job);
    },
  };
}
