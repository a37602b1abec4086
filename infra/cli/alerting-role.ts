/**
 * The alerting role: builds the alerting domain over the runtime (alerting/create-alerting.ts) and
 * starts its two long-running parts — the dispatcher (delivers the outbox) and the alert engine
 * (forecast events and freshness → alerts → outbox). Released in reverse: the engine stops first,
 * then the dispatcher finishes its in-flight batch, then the channels close their connections.
 */
import type { Config } from '../config.js';
import type { Runtime } from '../runtime.js';
import { createAlerting, type Alerting } from '../../alerting/create-alerting.js';

/** The alerting parts over the runtime's ports, not started (the api role serves its routes with them). */
export function buildAlerting(runtime: Runtime, config: Config = runtime.config): Alerting {
  const a = config.alerting;
  return createAlerting(
    { store: runtime.store, bus: runtime.bus, coordination: runtime.coordination, logger: runtime.logger },
    {
      publicUrl: a.publicUrl === '' ? `http://localhost:${config.port}` : a.publicUrl.replace(/\/+$/, ''),
      dataDir: config.dataDir,
      mail: config.mail,
      slack: config.slack,
      webhooks: { allowPrivateNetworks: config.webhooks.allowPrivateNetworks, timeoutMs: a.webhookTimeoutMs },
      groupWaitMs: a.groupWaitMs,
      repeatIntervalMs: a.repeatIntervalMs,
      staleSourceHours: a.staleSourceHours,
      stockoutProbability: a.stockoutProbability,
      maxAttempts: a.maxAttempts,
      staleSendingMs: a.staleSendingMs,
    },
  );
}

export async function startAlerting(runtime: Runtime): Promise<Alerting> {
  const alerting = buildAlerting(runtime);
  const { lifecycle } = runtime;
  lifecycle.register('alert-channels', alerting, (a) => a.closeChannels());
  lifecycle.register('alert-dispatcher', alerting.dispatcher, (d) => d.close());
  await alerting.dispatcher.start();
  lifecycle.register('alert-engine', alerting.engine, (e) => e.close());
  await alerting.engine.start();
  runtime.logger.child({ component: 'alerting' }).info({ engine_active: alerting.engine.active, email: config(runtime).mail.smtpUrl === undefined ? 'outbox files' : 'smtp', slack: config(runtime).slack.botToken === undefined ? 'outbox files' : 'slack api' }, 'alerting started');
  return alerting;
}

function config(runtime: Runtime): Config {
  return runtime.config;
}
