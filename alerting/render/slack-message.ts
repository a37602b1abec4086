/**
 * A notification as a Slack message: Block Kit blocks plus the `text` fallback Slack shows in
 * notifications and screen readers. Pure.
 *
 * Layout: a header (severity emoji + label + title; ✅ when resolved), the notification's own
 * message when it says more than its alert, then per alert a section (title, message, value
 * against threshold, recommendation while firing, link) and a context line (entity, site,
 * data_as_of), and a closing context with the link to all alerts. Slack's limits are kept:
 * header text ≤ 150 characters, section / context text ≤ 3000, at most 50 blocks — alerts that
 * do not fit are summed up in one `…and N more` section. Data text is escaped for mrkdwn (`&`,
 * `<`, `>`), so a title can neither inject a link nor ping `<!channel>`.
 */
import type { Alert, Notification } from '../alert-model.js';
import {
  alertLink,
  cleanText,
  formatTime,
  headlineLabel,
  isResolved,
  notificationLink,
  notificationTitle,
  RESOLVED_EMOJI,
  SEVERITY_EMOJI,
  SEVERITY_LABEL,
  singleLine,
  truncate,
  valueVersusThreshold,
  type RenderOptions,
} from './message-facts.js';

/** The subset of Block Kit these messages use (assignable to @slack/web-api's KnownBlock). */
export interface SlackTextObject {
  readonly type: 'plain_text' | 'mrkdwn';
  readonly text: string;
  readonly emoji?: boolean;
}
export type SlackBlock =
  | { readonly type: 'header'; readonly text: SlackTextObject & { readonly type: 'plain_text' } }
  | { readonly type: 'section'; readonly text: SlackTextObject }
  | { readonly type: 'context'; readonly elements: readonly SlackTextObject[] }
  | { readonly type: 'divider' };

export interface SlackMessage {
  /** Fallback text (notifications, screen readers, clients without blocks). */
  readonly text: string;
  readonly blocks: readonly SlackBlock[];
}

/** Slack Block Kit limits (docs.slack.dev, "Blocks" reference). */
export const SLACK_HEADER_MAX = 150;
export const SLACK_TEXT_MAX = 3000;
export const SLACK_MAX_BLOCKS = 50;
/** Slack truncates top-level `text` past 40,000 characters and advises staying under 4,000. */
export const SLACK_FALLBACK_MAX = 4000;

/** mrkdwn control characters as Slack asks (api "Formatting text": escape &, <, >). */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** A `<url|label>` link; `|` and `>` cannot appear in the URL part, so they are percent-encoded. */
function slackLink(url: string, label: string): string {
  return `<${url.replace(/\|/g, '%7C').replace(/>/g, '%3E')}|${escapeMrkdwn(label)}>`;
}

function header(notification: Notification): string {
  const emoji = isResolved(notification) ? RESOLVED_EMOJI : SEVERITY_EMOJI[notification.severity];
  return `${emoji} ${headlineLabel(notification)}: ${notificationTitle(notification)}`;
}

function alertSection(alert: Alert, resolved: boolean, baseUrl: string): SlackBlock {
  const lines = [`*${escapeMrkdwn(singleLine(alert.title))}* (${SEVERITY_LABEL[alert.severity]}, ${alert.status})`];
  const message = cleanText(alert.message).trim();
  if (message !== '') lines.push(escapeMrkdwn(message));
  lines.push(`*Value:* ${valueVersusThreshold(alert)}`);
  if (resolved) lines.push(`*Resolved:* ${formatTime(alert.resolved_at ?? alert.updated_at)}`);
  else if (alert.recommendation.text.trim() !== '') lines.push(`*Recommendation:* ${escapeMrkdwn(cleanText(alert.recommendation.text).trim())}`);
  const link = slackLink(alertLink(baseUrl, alert), 'Open in Forgecast');
  // The link goes last and is never cut: truncate the prose before it.
  const body = truncate(lines.join('\n'), SLACK_TEXT_MAX - link.length - 1);
  return { type: 'section', text: { type: 'mrkdwn', text: `${body}\n${link}` } };
}

function alertContext(alert: Alert): SlackBlock {
  const text = `${escapeMrkdwn(singleLine(alert.entity_id))} · site ${escapeMrkdwn(singleLine(alert.site))} · data as of ${escapeMrkdwn(singleLine(alert.data_as_of))} · since ${formatTime(alert.starts_at)}`;
  return { type: 'context', elements: [{ type: 'mrkdwn', text: truncate(text, SLACK_TEXT_MAX) }] };
}

/** The notification's own message when it adds something to its alerts. */
function intro(notification: Notification): string {
  const message = cleanText(notification.message).trim();
  const [only, ...rest] = notification.alerts;
  if (only !== undefined && rest.length === 0 && cleanText(only.message).trim() === message) return '';
  return message;
}

export function renderSlack(notification: Notification, options: RenderOptions): SlackMessage {
  const resolved = isResolved(notification);
  const title = header(notification);
  const blocks: SlackBlock[] = [{ type: 'header', text: { type: 'plain_text', text: truncate(title, SLACK_HEADER_MAX), emoji: true } }];
  const introText = intro(notification);
  if (introText !== '') blocks.push({ type: 'section', text: { type: 'mrkdwn', text: truncate(escapeMrkdwn(introText), SLACK_TEXT_MAX) } });
  const footer: SlackBlock = {
    type: 'context',
    elements: [{ type: 'mrkdwn', text: `Forgecast · ${slackLink(notificationLink(options.baseUrl, notification), 'all alerts')}` }],
  };
  // Two blocks per alert; keep one for the footer and, when alerts are left out, one for the summary.
  const perAlert = 2;
  const room = SLACK_MAX_BLOCKS - blocks.length - 1;
  const all = notification.alerts;
  const fitsAll = all.length * perAlert <= room;
  const shown = fitsAll ? all : all.slice(0, Math.floor((room - 1) / perAlert));
  for (const alert of shown) blocks.push(alertSection(alert, resolved, options.baseUrl), alertContext(alert));
  const more = all.length - shown.length;
  if (more > 0) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: `…and ${more} more` } });
  blocks.push(footer);
  return { text: fallbackText(notification, title, introText), blocks };
}

function fallbackText(notification: Notification, title: string, introText: string): string {
  const lines = [title];
  if (introText !== '') lines.push(introText);
  else if (notification.alerts.length === 1) lines.push(cleanText(notification.alerts[0]?.message ?? '').trim());
  else if (notification.alerts.length > 1) lines.push(`${notification.alerts.length} alerts`);
  return truncate(escapeMrkdwn(lines.filter((l) => l !== '').join('\n')), SLACK_FALLBACK_MAX);
}

/** The thread reply posted under the original message when its alerts resolve. */
export function renderSlackResolvedReply(notification: Notification): string {
  const last = notification.alerts.map((a) => a.resolved_at).filter((t): t is string => t !== null).sort().at(-1) ?? notification.created_at;
  return truncate(`${RESOLVED_EMOJI} Resolved ${formatTime(last)}: ${escapeMrkdwn(notificationTitle(notification))}`, SLACK_FALLBACK_MAX);
}
