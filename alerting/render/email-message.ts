/**
 * A notification as an email: subject, plain text and HTML with the same content. Pure.
 *
 * Subject `[Forgecast] <LABEL>: <title>` (LABEL = severity, `RESOLVED` or `DIGEST`), one line,
 * at most SUBJECT_MAX characters. The body names each alert (title, message, value against its
 * threshold, the recommendation while it fires, entity / site / data_as_of, a link) up to
 * MAX_ALERTS, then `…and N more`. Every text that came from data is HTML-escaped in the HTML part.
 */
import type { Alert, Notification } from '../alert-model.js';
import {
  cleanText,
  formatTime,
  headlineLabel,
  isResolved,
  notificationLink,
  notificationTitle,
  alertLink,
  SEVERITY_LABEL,
  singleLine,
  truncate,
  valueVersusThreshold,
  type RenderOptions,
} from './message-facts.js';

export interface EmailMessage {
  readonly subject: string;
  readonly text: string;
  readonly html: string;
}

/** RFC 5322 recommends lines under 78 characters; mail clients show about this much of a subject anyway. */
export const EMAIL_SUBJECT_MAX = 200;
/** A digest of a large tenant stays readable (and far below common 10 MB size limits) with this many alerts spelled out. */
export const EMAIL_MAX_ALERTS = 100;

const SEVERITY_COLOR = { info: '#1d4ed8', warning: '#b45309', critical: '#b91c1c' } as const;
const RESOLVED_COLOR = '#15803d';

/** `&`, `<`, `>`, `"` and `'` as entities: safe in element content and in quoted attributes. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function renderEmail(notification: Notification, options: RenderOptions): EmailMessage {
  const title = notificationTitle(notification);
  const label = headlineLabel(notification);
  const subject = truncate(`[Forgecast] ${label}: ${title}`, EMAIL_SUBJECT_MAX);
  const shown = notification.alerts.slice(0, EMAIL_MAX_ALERTS);
  const more = notification.alerts.length - shown.length;
  const link = notificationLink(options.baseUrl, notification);
  const intro = introText(notification);
  return {
    subject,
    text: renderText(notification, { title, label, intro, shown, more, link, baseUrl: options.baseUrl }),
    html: renderHtml(notification, { title, label, intro, shown, more, link, baseUrl: options.baseUrl }),
  };
}

interface Parts {
  readonly title: string;
  readonly label: string;
  readonly intro: string;
  readonly shown: readonly Alert[];
  readonly more: number;
  readonly link: string;
  readonly baseUrl: string;
}

/** The notification's own message, unless it only repeats the single alert's message. */
function introText(notification: Notification): string {
  const message = cleanText(notification.message).trim();
  const [only, ...rest] = notification.alerts;
  if (only !== undefined && rest.length === 0 && cleanText(only.message).trim() === message) return '';
  return message;
}

/** The lines describing one alert, as label/value pairs (shared by the text and HTML parts). */
function alertFacts(alert: Alert, resolved: boolean): [string, string][] {
  const facts: [string, string][] = [];
  const message = cleanText(alert.message).trim();
  if (message !== '') facts.push(['', message]);
  facts.push(['Value', valueVersusThreshold(alert)]);
  if (resolved) facts.push(['Resolved', formatTime(alert.resolved_at ?? alert.updated_at)]);
  else if (alert.recommendation.text.trim() !== '') facts.push(['Recommendation', cleanText(alert.recommendation.text).trim()]);
  facts.push(['Entity', `${singleLine(alert.entity_id)} · Site: ${singleLine(alert.site)}`]);
  facts.push(['Data as of', singleLine(alert.data_as_of)]);
  facts.push(['Since', formatTime(alert.starts_at)]);
  return facts;
}

function renderText(notification: Notification, parts: Parts): string {
  const resolved = isResolved(notification);
  const lines: string[] = [`${parts.label}: ${parts.title}`, ''];
  if (parts.intro !== '') lines.push(parts.intro, '');
  parts.shown.forEach((alert, i) => {
    lines.push(`${i + 1}. ${singleLine(alert.title)} [${SEVERITY_LABEL[alert.severity]}, ${alert.status}]`);
    for (const [name, value] of alertFacts(alert, resolved)) {
      const indented = value.replace(/\n/g, '\n   ');
      lines.push(name === '' ? `   ${indented}` : `   ${name}: ${indented}`);
    }
    lines.push(`   Link: ${alertLink(parts.baseUrl, alert)}`, '');
  });
  if (parts.more > 0) lines.push(`…and ${parts.more} more`, '');
  lines.push('--', `Forgecast · ${parts.link}`, `Notification ${notification.notification_id}`);
  return `${lines.join('\n')}\n`;
}

function renderHtml(notification: Notification, parts: Parts): string {
  const resolved = isResolved(notification);
  const color = resolved ? RESOLVED_COLOR : SEVERITY_COLOR[notification.severity];
  const paragraphs = (text: string): string => escapeHtml(text).replace(/\n/g, '<br>');
  const alerts = parts.shown.map((alert) => {
    const rows = alertFacts(alert, resolved)
      .map(([name, value]) =>
        name === ''
          ? `<tr><td colspan="2" style="padding:2px 0">${paragraphs(value)}</td></tr>`
          : `<tr><td style="padding:2px 12px 2px 0;color:#555;white-space:nowrap">${escapeHtml(name)}</td><td style="padding:2px 0">${paragraphs(value)}</td></tr>`,
      )
      .join('');
    const heading = `${escapeHtml(singleLine(alert.title))} <span style="color:${SEVERITY_COLOR[alert.severity]}">[${SEVERITY_LABEL[alert.severity]}, ${escapeHtml(alert.status)}]</span>`;
    return `<div class="alert" style="margin:12px 0;padding:8px 12px;border-left:4px solid ${SEVERITY_COLOR[alert.severity]}"><h3 style="margin:0 0 6px">${heading}</h3><table style="border-collapse:collapse">${rows}</table><p style="margin:6px 0 0"><a href="${escapeHtml(alertLink(parts.baseUrl, alert))}">Open in Forgecast</a></p></div>`;
  });
  const intro = parts.intro === '' ? '' : `<p>${paragraphs(parts.intro)}</p>`;
  const more = parts.more > 0 ? `<p>…and ${parts.more} more</p>` : '';
  return [
    '<!DOCTYPE html><html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"></head>',
    '<body style="font-family:Arial,Helvetica,sans-serif;font-size:14px;color:#111">',
    `<h2 style="margin:0 0 8px;color:${color}">${escapeHtml(parts.label)}: ${escapeHtml(parts.title)}</h2>`,
    intro,
    ...alerts,
    more,
    `<p style="color:#555;font-size:12px">Forgecast · <a href="${escapeHtml(parts.link)}">${escapeHtml(parts.link)}</a><br>Notification ${escapeHtml(notification.notification_id)}</p>`,
    '</body></html>',
  ].join('');
}
