/**
 * What every rendering of a notification states the same way: the headline, severity labels,
 * numbers, times, and the links back to the API. Pure. The email, Slack and webhook renderers all
 * build on these helpers, so the three channels never disagree about a value or a link.
 *
 * Links (documented in alerting/README.md):
 *  - one alert → `${baseUrl}/api/v1/alerts?status=<status>&type=<type>&site=<site>&from=<starts_at>`
 *    (the alert history from the moment this alert started, filtered to its type and site: the
 *    alert is its first entry);
 *  - a notification about several alerts, or none → `${baseUrl}/api/v1/alerts/active`.
 */
import type { Alert, Notification, Severity } from '../alert-model.js';

/** What every renderer needs besides the notification. */
export interface RenderOptions {
  /** Public URL of the platform (`FORGECAST_PUBLIC_URL`, resolved: never empty), e.g. `https://forgecast.example.com`; a trailing slash is ignored. */
  readonly baseUrl: string;
}

export const SEVERITY_LABEL: Readonly<Record<Severity, string>> = { info: 'INFO', warning: 'WARNING', critical: 'CRITICAL' };

/** Unicode, not Slack `:codes:`, so the same marks read right in email subjects and push previews. */
export const SEVERITY_EMOJI: Readonly<Record<Severity, string>> = { info: 'ℹ️', warning: '⚠️', critical: '🚨' };
export const RESOLVED_EMOJI = '✅';

/** Whether the notification announces that its alerts cleared. */
export function isResolved(notification: Notification): boolean {
  return notification.state === 'resolved';
}

/** The one-line name of the notification: its title, else its first alert's, else a generic one. */
export function notificationTitle(notification: Notification): string {
  const title = singleLine(notification.title);
  if (title !== '') return title;
  const first = notification.alerts[0];
  if (first !== undefined && singleLine(first.title) !== '') return singleLine(first.title);
  return 'Forgecast notification';
}

/** `CRITICAL`, `RESOLVED`, or `DIGEST`: the label subjects and headers start with. */
export function headlineLabel(notification: Notification): string {
  if (isResolved(notification)) return 'RESOLVED';
  if (notification.kind === 'digest') return 'DIGEST';
  return SEVERITY_LABEL[notification.severity];
}

/**
 * Numbers as people read them: grouping, at most two decimals, a fixed locale (en-US) so a
 * message does not depend on the server's locale. NaN and infinities read `n/a`.
 */
const NUMBER_FORMAT = new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 });

export function formatNumber(value: number): string {
  return Number.isFinite(value) ? NUMBER_FORMAT.format(value) : 'n/a';
}

/** `12 (threshold 20)`: the observed value against the rule's threshold. */
export function valueVersusThreshold(alert: Alert): string {
  return `${formatNumber(alert.value)} (threshold ${formatNumber(alert.threshold)})`;
}

/** An ISO timestamp as `2024-03-01 14:05 UTC`; anything unreadable is shown as given. */
export function formatTime(iso: string | null): string {
  if (iso === null || iso === '') return 'n/a';
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return singleLine(iso);
  return `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

function base(baseUrl: string): string {
  return baseUrl.replace(/\/+$/, '');
}

/** The link to one alert (see the module comment). */
export function alertLink(baseUrl: string, alert: Alert): string {
  const query = new URLSearchParams({ status: alert.status, type: alert.type, site: alert.site, from: alert.starts_at });
  return `${base(baseUrl)}/api/v1/alerts?${query.toString()}`;
}

/** The link of a whole notification: its alert when there is exactly one, else the active alerts. */
export function notificationLink(baseUrl: string, notification: Notification): string {
  const [only, ...rest] = notification.alerts;
  if (only !== undefined && rest.length === 0) return alertLink(baseUrl, only);
  return `${base(baseUrl)}/api/v1/alerts/active`;
}

/** Line breaks, tabs and other control characters become spaces; runs of blanks collapse; trimmed. For subjects and headers. */
export function singleLine(text: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is removed
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ').replace(/ {2,}/g, ' ').trim();
}

/** Control characters other than line breaks and tabs removed; CRLF / CR become LF. For bodies. */
export function cleanText(text: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is removed
  return text.replace(/\r\n?/g, '\n').replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, '');
}

/**
 * At most `max` UTF-16 code units (JavaScript's `length`; never more characters than that by any
 * count Slack or a mail client uses), ending with `…` when shortened. A surrogate pair is never
 * cut in half, so an emoji at the cut disappears whole.
 */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  if (max <= 0) return '';
  let out = '';
  for (const point of text) {
    if (out.length + point.length > max - 1) break;
    out += point;
  }
  return `${out}…`;
}
