/**
 * An in-memory RunStore shared by several runners (as forecast_runs is shared by replicas). It
 * also watches the invariant the jobs promise: a run of a job never starts while another run of
 * the same job is unfinished.
 */
import type { RunRecord, RunStore } from '../../../forecasting/jobs/job-runs.js';

export function memoryRunStore(): RunStore & { readonly rows: RunRecord[]; readonly overlaps: string[]; latest(): RunRecord[] } {
  const rows: RunRecord[] = [];
  const overlaps: string[] = [];
  const latest = (): RunRecord[] => {
    const byRun = new Map<string, RunRecord>();
    for (const r of rows) if ((byRun.get(r.run_id)?.version ?? -1) < r.version) byRun.set(r.run_id, r);
    return [...byRun.values()].sort((a, b) => b.started_at.localeCompare(a.started_at) || b.run_id.localeCompare(a.run_id));
  };
  return {
    rows,
    overlaps,
    latest,
    async save(run) {
      if (run.status === 'queued') {
        const open = latest().filter((r) => r.job === run.job && r.run_id !== run.run_id && (r.status === 'queued' || r.status === 'running'));
        if (open.length > 0) overlaps.push(`${run.run_id} started while ${open.map((r) => r.run_id).join(',')} ran`);
      }
      rows.push(run);
    },
    async list({ job, tenant, limit }) {
      return latest()
        .filter((r) => (job === undefined || r.job === job) && (tenant === undefined || r.tenant_id === '' || r.tenant_id === tenant))
        .slice(0, limit);
    },
    async lastScheduledSlot(job) {
      const slots = latest().filter((r) => r.job === job && r.scheduled_for !== null).map((r) => Date.parse(r.scheduled_for!));
      return slots.length === 0 ? undefined : Math.max(...slots);
    },
    async lastSuccessStart(job) {
      const starts = latest().filter((r) => r.job === job && r.status === 'success').map((r) => Date.parse(r.started_at));
      return starts.length === 0 ? undefined : Math.max(...starts);
    },
  };
}
