import { createPipelineHarness } from './pipeline-harness.js';
import { describePipelineRunnerSuite } from './pipeline-runner.suite.js';

// The ClickHouse outage lasts the acceptance figure, 30 s.
describePipelineRunnerSuite('embedded log + chDB', () => createPipelineHarness(), { outageMs: 30_000 });
