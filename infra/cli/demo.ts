/**
 * `forgecast demo`: the whole platform embedded, fed by the simulated manufacturer. Steps:
 *  1. start the platform with a generated admin key (printed);
 *  2. save the demo supervisor's alert preferences (`FORGECAST_DEMO_EMAIL`, email + Slack), so
 *     the planted situations reach someone: by SMTP when `SMTP_URL` is set, else as `.eml` /
 *     Slack files in `<data dir>/outbox/`;
 *  3. stream the simulator's history through the ingest path, wait until the pipelines have
 *     committed it, then run the nightly forecast job once — its events raise the alerts;
 *  4. continue live on the accelerated clock (the scheduled jobs keep forecasting).
 */
import { randomBytes } from 'node:crypto';
import { loadConfig } from '../config.js';
import { installSignalHandlers } from '../lifecycle.js';
import { createLogger, type Logger } from '../logger.js';
import { DEFAULT_TENANT } from '../auth/api-keys.js';
import { startPlatform, type RunningPlatform } from './start-platform.js';
import { createSimulator, historyStartFor } from '../../connectors/simulator/index.js';
import { parsePreferences } from '../../alerting/preferences/preferences-validation.js';

/** The pipelines are polled this often while the demo waits for them to commit the history. */
const CATCH_UP_POLL_MS = 1_000;
/** The history takes about a minute to normalize on two cores; ten minutes means something is stuck. */
const CATCH_UP_LIMIT_MS = 600_000;
export const DEMO_USER = 'demo-supervisor';

async function seedPreferences(platform: RunningPlatform, email: string, log: Logger): Promise<void> {
  const alerting = platform.started.alerting;
  if (alerting === undefined) return;
  const prefs = parsePreferences(DEFAULT_TENANT, { user_id: DEMO_USER, email, slack: { channel: '#forgecast-demo' }, channels: ['email', 'slack'], min_severity: 'warning' }, Date.now());
  await alerting.preferences.save(prefs);
  log.info({ user_id: DEMO_USER, email }, 'demo: alert preferences saved');
}

/** Resolves once every pipeline partition has committed everything published so far. */
async function pipelinesCaughtUp(platform: RunningPlatform): Promise<boolean> {
  const runner = platform.started.pipelineRunner;
  if (runner === undefined) return false;
  const deadline = Date.now() + CATCH_UP_LIMIT_MS;
  while (Date.now() < deadline) {
    await runner.refresh();
    const { partitions } = runner.status();
    if (partitions.length > 0 && partitions.every((p) => p.lag === 0)) return true;
    await new Promise((resolve) => setTimeout(resolve, CATCH_UP_POLL_MS));
  }
  return false;
}

async function forecastOnce(platform: RunningPlatform, log: Logger): Promise<void> {
  const forecasting = platform.started.forecasting;
  if (forecasting === undefined) return;
  if (!(await pipelinesCaughtUp(platform))) {
    log.warn('demo: the pipelines did not catch up in time; forecasting what is there');
  }
  const run = await forecasting.jobs.trigger('nightly', DEFAULT_TENANT);
  log.info({ run_id: run.run_id }, 'demo: nightly forecast run started; alerts follow its events');
}

export async function commandDemo(env: NodeJS.ProcessEnv, logger: Logger | undefined): Promise<number> {
  const adminKey = env.FORGECAST_ADMIN_KEY ?? `demo-${randomBytes(24).toString('base64url')}`;
  const config = loadConfig({ ...env, FORGECAST_ADMIN_KEY: adminKey });
  const log = logger ?? createLogger({ level: config.logLevel });
  const platform = await startPlatform(config, log);
  installSignalHandlers(platform.runtime.lifecycle, log);
  const url = platform.url ?? '(the api role is off)';
  const sim = config.simulator;
  await seedPreferences(platform, config.demo.email, log);
  if (platform.ingestion !== undefined) {
    // The simulated manufacturer streams its history through the same ingest path as real
    // sources, then continues live on an accelerated clock.
    const today = new Date().toISOString().slice(0, 10);
    const simulator = platform.runtime.lifecycle.use(
      'simulator',
      createSimulator({
        ingestor: platform.ingestion.ingestor,
        tenant: DEFAULT_TENANT,
        seed: sim.seed,
        items: sim.items,
        sites: sim.sites,
        historyDays: sim.historyDays,
        startDate: historyStartFor(today, sim.historyDays),
        live: { msPerDay: sim.msPerDay },
        logger: log,
      }),
    );
    simulator
      .runHistory()
      .then(async (stats) => {
        log.info({ stats }, 'simulator: history streamed; live mode starts');
        simulator.startLive();
        await forecastOnce(platform, log);
      })
      .catch((error: unknown) => log.error({ err: error }, 'demo: history or first forecast run failed'));
  }
  const outbox = config.mail.smtpUrl === undefined ? `${config.dataDir}/outbox/ (email and Slack files)` : `SMTP ${new URL(config.mail.smtpUrl).host}`;
  process.stdout.write(
    [
      '',
      '  Forgecast demo is running',
      `  URL:        ${url}`,
      `  Admin key:  ${adminKey}`,
      `  API docs:   ${url}/docs`,
      `  Simulator:  ${sim.items} items × ${sim.sites} sites, ${sim.historyDays} days of history, then a day every ${sim.msPerDay / 1000} s`,
      `  Alerts:     to ${DEMO_USER} <${config.demo.email}> via ${outbox}, after the first forecast run (a few minutes)`,
      `  Try:        curl -H "Authorization: Bearer ${adminKey}" "${url}/api/v1/alerts/active"`,
      '  Stop with Ctrl+C.',
      '',
      '',
    ].join('\n'),
  );
  return 0;
}
