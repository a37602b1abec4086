/**
 * Who gets an alert, and where (pure). `recipientsFor` applies each user's filters; `targetsFor`
 * turns a user's channels into delivery targets. No I/O: the notifier passes the tenant's
 * preferences (from the cached PreferenceStore) in.
 *
 * Matching rules:
 *  - tenant: a user of another tenant never matches (defence in depth; callers pass one tenant);
 *  - severity: the alert's rank (info < warning < critical) must reach the user's min_severity;
 *  - alert_types: empty = every type;
 *  - sites: empty = every site. An alert without a site (site '': supplier and stale-source
 *    alerts) reaches users WITH site filters too — it concerns every site, and filtering by site
 *    must not hide a late supplier from the plant that waits for it. Sites compare trimmed and
 *    case-insensitively, as the unified model upper-cases site codes.
 * A user who matches but has no usable channel is still a recipient; `targetsFor` reports the
 * channels it had to skip so the caller can log them.
 */
import { CHANNELS, SEVERITY_RANK, type Alert, type ChannelName, type DeliveryTarget, type Preferences } from '../alert-model.js';

const siteKey = (site: string): string => site.trim().toUpperCase();

/** Whether one user's filters let this alert through. */
export function wantsAlert(alert: Alert, prefs: Preferences): boolean {
  if (prefs.tenant_id !== alert.tenant_id) return false;
  const minRank = SEVERITY_RANK[prefs.min_severity] ?? SEVERITY_RANK.info;
  if ((SEVERITY_RANK[alert.severity] ?? SEVERITY_RANK.info) < minRank) return false;
  if (prefs.alert_types.length > 0 && !prefs.alert_types.includes(alert.type)) return false;
  const site = siteKey(alert.site);
  if (site !== '' && prefs.sites.length > 0 && !prefs.sites.some((s) => siteKey(s) === site)) return false;
  return true;
}

/** The users whose filters let this alert through, in the order given. */
export function recipientsFor(alert: Alert, users: readonly Preferences[]): Preferences[] {
  return users.filter((prefs) => wantsAlert(alert, prefs));
}

const present = (text: string | null | undefined): text is string => typeof text === 'string' && text.trim() !== '';

/**
 * The target of one channel of a user, or null when the user gave none: email needs an address,
 * Slack a user or a channel id (the user's own DM first when both are set — these are personal
 * notifications), a webhook a URL and its signing secret.
 */
export function targetFor(prefs: Preferences, channel: ChannelName): DeliveryTarget | null {
  switch (channel) {
    case 'email':
      return present(prefs.email) ? { channel, address: prefs.email.trim() } : null;
    case 'slack': {
      const conversation = [prefs.slack?.user, prefs.slack?.channel].find(present);
      return conversation === undefined ? null : { channel, conversation: conversation.trim() };
    }
    case 'webhook':
      return prefs.webhook !== null && present(prefs.webhook.url) && present(prefs.webhook.secret)
        ? { channel, url: prefs.webhook.url.trim(), secret: prefs.webhook.secret }
        : null;
    default:
      return null;
  }
}

/** A user's delivery targets. */
export interface Targets {
  /** One per channel of `channels` that has a target, in the user's order, each channel once. */
  readonly targets: DeliveryTarget[];
  /** Channels listed without a target (or not a known channel), for the caller to log. */
  readonly skipped: ChannelName[];
}

export function targetsFor(prefs: Preferences): Targets {
  const targets: DeliveryTarget[] = [];
  const skipped: ChannelName[] = [];
  const seen = new Set<string>();
  for (const channel of prefs.channels) {
    if (seen.has(channel)) continue;
    seen.add(channel);
    const target = (CHANNELS as readonly string[]).includes(channel) ? targetFor(prefs, channel) : null;
    if (target === null) skipped.push(channel);
    else targets.push(target);
  }
  return { targets, skipped };
}

/** Where a critical notification goes when its channel fails permanently: the fallback channel's target, if the user has one. */
export function fallbackTargetFor(prefs: Preferences): DeliveryTarget | null {
  return prefs.fallback_channel === null ? null : targetFor(prefs, prefs.fallback_channel);
}
