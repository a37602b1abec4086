/**
 * Runs of the forecasting jobs: their record (one row per state change in `forecast_runs`, the
 * latest wins), the run-store port and the view GET /api/v1/jobs serves.
 */

export const RUN_STATUSES = ['queued', 'running', 'success', 'failed'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

export const RUN_TRIGGERS = ['schedule', 'catch-up', 'manual'] as const;
export type RunTrigger = (typeof RUN_TRIGGERS)[number];

/** One state of one run (snake_case: it is also the API view). Times are ISO 8601. */
export interface RunRecord {
  readonly run_id: string;
  readonly job: string;
  /** '' for a run over every tenant. */
  readonly tenant_id: string;
  readonly trigger: RunTrigger;
  readonly status: RunStatus;
  readonly scheduled_for: string | null;
  readonly started_at: string;
  readonly finished_at: string | null;
  readonly entities_total: number;
  readonly entities_done: number;
  readonly entities_failed: number;
  readonly error: string;
  readonly holder: string;
  readonly fencing_token: number;
  /** Increases with every state written for the run; the highest wins. */
  readonly version: number;
}

export interface RunStore {
  save(run: RunRecord): Promise<void>;
  /** Latest state of recent runs, newest first; `tenant` limits to that tenant's and all-tenant runs. */
  list(options: { readonly job?: string; readonly tenant?: string; readonly limit: number }): Promise<RunRecord[]>;
  /** The latest cron slot (epoch ms) a run of `job` was started for (schedule or catch-up), if any. */
  lastScheduledSlot(job: string): Promise<number | undefined>;
  /** Start of the latest successful run of `job` (for "new data since"), if any. */
  lastSuccessStart(job: string): Promise<number | undefined>;
}

/** A job as GET /api/v1/jobs shows it. */
export interface JobView {
  readonly name: string;
  readonly schedule: string;
  readonly description: string;
  readonly running: boolean;
  readonly last_run: RunRecord | null;
}

/** What the HTTP routes need from the jobs. */
export interface JobsApi {
  list(tenant: string): Promise<{ jobs: JobView[]; runs: RunRecord[] }>;
  /** Starts a run now; resolves once it holds the job's lease (409 FGC_FORECAST_JOB_BUSY otherwise). */
  trigger(name: string, tenant: string): Promise<{ run_id: string; job: string; status: RunStatus; fencing_token: number }>;
}
