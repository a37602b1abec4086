/**
 * ACCEPTANCE, embedded mode: the pipeline crash test (pipeline-crash.suite.ts) with everything
 * embedded — the log, the registry and chDB in the child's data directory.
 *
 * Size: FORGECAST_CRASH_RECORDS (default 100,000 — the acceptance figure; about a minute on 2
 * cores). FORGECAST_CRASH_SEED replays a run's kill moments.
 */
import { describePipelineCrashSuite } from './pipeline-crash.suite.js';

describePipelineCrashSuite({
  mode: 'embedded',
  records: Number(process.env.FORGECAST_CRASH_RECORDS ?? 100_000),
  expectMode: 'embedded',
  drainTimeoutMs: 120_000,
  timeoutMs: 300_000,
});
