import { createPipelineHarness } from './pipeline-harness.js';
import { describePipelineRunnerSuite } from './pipeline-runner.suite.js';

describePipelineRunnerSuite('embedded log + chDB', () => createPipelineHarness());
