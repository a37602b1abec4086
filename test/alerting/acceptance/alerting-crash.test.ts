/** The SIGKILL-between-enqueue-and-send acceptance (alerting-crash.suite.ts) on the embedded adapters. */
import { describeAlertingCrash } from './alerting-crash.suite.js';

describeAlertingCrash({ label: 'embedded', env: () => ({}), redeliveryMs: 20_000 });
