/**
 * ACCEPTANCE (alerting issue): the alerting process killed with SIGKILL between enqueue and send →
 * the notification is delivered exactly once after the restart.
 *
 * The real CLI (`forgecast start`, roles api + alerting, its own data dir; embedded, or on Kafka and
 * Redis under test:services) sends email to
 * an SMTP server in this process. The server stalls (accepts the connection, never greets), so the
 * send is provably in flight — its delivery record says `sending` — when the child is SIGKILLed.
 * The server then answers again, the child restarts on the same data dir, and the dispatcher finds
 * the `sending` record stale (ALERT_STALE_SENDING_MS=2000) and sends it: exactly one message
 * arrives, and the delivery log shows it delivered on the second attempt.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCli, type RunningCli } from '../../helpers/platform-process.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { waitFor } from '../../helpers/wait-for.js';
import { startSmtpStandin, type SmtpStandin } from './receivers.js';

const ADMIN_KEY = 'alerting-crash-admin-key-0123456789';
const USER = 'supervisor';
const ADDRESS = 'supervisor@plant.example.com';
/** How long a `sending` record must be untouched before the restarted dispatcher sends it again. */
const STALE_SENDING_MS = 2_000;
/**
 * After the message arrived, how long the test keeps watching for a second copy: past another
 * stale window and several due polls (1 s each by default), so a resend would have happened.
 */
const NO_SECOND_COPY_MS = 3 * STALE_SENDING_MS;

interface NotificationView {
  readonly notification_id: string;
  readonly channel: string;
  readonly status: string;
  readonly attempts: number;
  readonly idempotency_key: string;
}

export interface CrashSuiteOptions {
  readonly label: string;
  /** Extra environment of the child (the services' URLs). */
  readonly env: () => Record<string, string>;
  /**
   * How long the restarted child may take to send: embedded, the due poller starts at once; on
   * Redis, the killed process's poller lease (15 s) must lapse first.
   */
  readonly redeliveryMs: number;
}

export function describeAlertingCrash(options: CrashSuiteOptions): void {
  describe(`alerting process killed between enqueue and send (real CLI, ${options.label})`, () => {
    let dir: { path: string; remove: () => Promise<void> };
    let smtp: SmtpStandin;
    let platform: RunningCli | undefined;

    const env = (): Record<string, string> => ({
      PORT: '0',
      FORGECAST_DATA_DIR: dir.path,
      FORGECAST_ADMIN_KEY: ADMIN_KEY,
      FORGECAST_ROLES: 'api,alerting',
      FORGECAST_LOG_LEVEL: 'info',
      SMTP_URL: smtp.url,
      ALERT_STALE_SENDING_MS: String(STALE_SENDING_MS),
      ...options.env(),
    });

    const api = async (method: string, path: string, body?: unknown): Promise<{ status: number; json: unknown }> => {
      const response = await fetch(`${platform!.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${ADMIN_KEY}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await response.text();
      return { status: response.status, json: text === '' ? undefined : (JSON.parse(text) as unknown) };
    };
    const notifications = async (): Promise<NotificationView[]> => (await api('GET', `/api/v1/notifications?user_id=${USER}`)).json as NotificationView[];

    const start = async (): Promise<RunningCli> => {
      const running = await startCli(['start'], env(), 45_000);
      // The alerting role logs this once its dispatcher and engine run.
      await waitFor('the "alerting started" log line', () => running.output().includes('alerting started'), 10_000);
      return running;
    };

    beforeAll(async () => {
      dir = await tempDir('forgecast-alerting-crash-');
      smtp = await startSmtpStandin();
    });
    afterAll(async () => {
      platform?.child.kill('SIGKILL');
      await platform?.exited;
      await smtp?.close();
      await dir?.remove();
    });

    it('delivers a send that was in flight at SIGKILL exactly once after the restart', async () => {
      platform = await start();
      const saved = await api('POST', '/api/v1/preferences', { user_id: USER, email: ADDRESS, channels: ['email'], min_severity: 'info' });
      expect(saved.status).toBe(201);

      smtp.setMode('stall');
      const sent = await api('POST', '/api/v1/send', { user_id: USER, title: 'Line 3 stopped', message: 'Maintenance until 14:00', notification_type: 'manual', severity: 'warning', channel: 'email' });
      expect(sent.status).toBe(202);
      const { notification_id: id } = sent.json as { notification_id: string; status: string };
      expect(sent.json).toMatchObject({ status: 'queued' });

      // In flight: the dispatcher recorded the attempt and holds an SMTP connection that was never greeted.
      await waitFor('the SMTP connection of the send', () => smtp.stalledConnections >= 1, 15_000);
      const inFlight = await waitFor('the delivery record in state sending', async () => (await notifications()).find((n) => n.notification_id === id && n.status === 'sending'), 5_000);
      expect(inFlight).toMatchObject({ channel: 'email', attempts: 1 });

      platform.child.kill('SIGKILL');
      expect(await platform.exited).toBeNull();
      expect(smtp.messages).toEqual([]);

      smtp.setMode('accept');
      platform = await start();
      await waitFor('the email after the restart', () => smtp.to(ADDRESS).length >= 1, options.redeliveryMs);
      const delivered = await waitFor('the delivery record delivered', async () => (await notifications()).find((n) => n.notification_id === id && n.status === 'delivered'), 10_000);

      // Absence of a second copy can only be observed by waiting: past another stale window and several polls.
      await new Promise((resolve) => setTimeout(resolve, NO_SECOND_COPY_MS));
      const messages = smtp.to(ADDRESS);
      expect(messages).toHaveLength(1);
      expect(messages[0]!.headers.get('x-forgecast-idempotency-key')).toBe(`${id}:email`);
      expect(delivered).toMatchObject({ channel: 'email', idempotency_key: `${id}:email`, attempts: 2 });
      expect((await notifications()).map((n) => [n.notification_id, n.channel, n.status])).toEqual([[id, 'email', 'delivered']]);
    }, 120_000);
  });
}
