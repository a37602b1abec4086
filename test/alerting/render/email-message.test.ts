import { describe, expect, it } from 'vitest';
import { EMAIL_MAX_ALERTS, EMAIL_SUBJECT_MAX, escapeHtml, renderEmail } from '../../../alerting/render/email-message.js';
import { alertFixture, manyAlerts, notificationFixture, resolvedFixture } from './notification-fixture.js';

const options = { baseUrl: 'https://forgecast.example.com/' };

describe('renderEmail', () => {
  it('states severity, title, value vs threshold, recommendation, data_as_of and a link in both parts', () => {
    const email = renderEmail(notificationFixture(), options);
    expect(email.subject).toBe('[Forgecast] CRITICAL: Stockout risk: ITEM-001 at PLANT-1');
    for (const part of [email.text, email.html]) {
      expect(part).toContain('Stockout risk: ITEM-001 at PLANT-1');
      expect(part).toContain('Probability of a stockout within lead time is 82%.');
      expect(part).toContain('0.82 (threshold 0.5)');
      expect(part).toContain('Order 1,200 units by 2024-03-05');
      expect(part).toContain('2024-03-01');
      expect(part).toContain('PLANT-1');
    }
    const link = 'https://forgecast.example.com/api/v1/alerts?status=firing&type=stockout_risk&site=PLANT-1&from=2024-03-01T08%3A00%3A00.000Z';
    expect(email.text).toContain(link);
    expect(email.html).toContain(`href="${escapeHtml(link)}"`);
    // The notification message equals the single alert's: said once, not twice.
    expect(email.text.split('Probability of a stockout').length - 1).toBe(1);
  });

  it('escapes HTML from data and keeps unicode intact', () => {
    const evil = '<script>alert("x")</script> & \'quotes\'';
    const unicode = 'Ünïcødé 零件 🚨 Ω';
    const n = notificationFixture({
      title: `${evil} ${unicode}`,
      message: `${evil}\n${unicode}`,
      alerts: [alertFixture({ title: evil, message: evil, entity_id: '<b>E</b>', site: unicode, recommendation: { action: 'order', text: `<img src=x onerror=alert(1)> ${unicode}` } })],
    });
    const email = renderEmail(n, options);
    expect(email.html).not.toMatch(/<script|<img|<b>E/);
    expect(email.html).toContain('&#60;script&#62;alert(&#34;x&#34;)&#60;/script&#62; &#38; &#39;quotes&#39;');
    expect(email.html).toContain(unicode);
    expect(email.text).toContain(evil); // plain text is not HTML: shown as typed
    expect(email.subject).toContain(unicode);
  });

  it('keeps the subject on one line and within its limit', () => {
    const n = notificationFixture({ title: `Line one\r\nBcc: victim@example.com\n${'x'.repeat(500)}🚨` });
    const { subject } = renderEmail(n, options);
    expect(subject).not.toMatch(/[\r\n]/);
    expect(subject.length).toBeLessThanOrEqual(EMAIL_SUBJECT_MAX);
    expect(subject.endsWith('…')).toBe(true);
    expect(subject).toContain('Line one Bcc: victim@example.com');
  });

  it('the resolved variant says RESOLVED and when, without the recommendation', () => {
    const email = renderEmail(resolvedFixture(), options);
    expect(email.subject).toBe('[Forgecast] RESOLVED: Stockout risk: ITEM-001 at PLANT-1');
    expect(email.text).toContain('Resolved: 2024-03-02 09:30 UTC');
    expect(email.text).not.toContain('Recommendation');
    expect(email.html).toContain('RESOLVED');
    expect(email.html).not.toContain('Recommendation');
    expect(email.text).toContain('status=resolved');
  });

  it('lists at most EMAIL_MAX_ALERTS alerts, then says how many more', () => {
    const alerts = manyAlerts(EMAIL_MAX_ALERTS + 7);
    const email = renderEmail(notificationFixture({ title: 'Many alerts', message: `${alerts.length} alerts`, alerts }), options);
    expect(email.text).toContain('…and 7 more');
    expect(email.html).toContain('…and 7 more');
    expect(email.text).toContain(`Alert number ${EMAIL_MAX_ALERTS - 1}`);
    expect(email.text).not.toContain(`Alert number ${EMAIL_MAX_ALERTS}\n`);
    expect(email.html.match(/class="alert"/g)).toHaveLength(EMAIL_MAX_ALERTS);
    expect(email.text).toContain('https://forgecast.example.com/api/v1/alerts/active');
  });

  it('renders a direct message without alerts, and falls back to a generic title when none is given', () => {
    const direct = renderEmail(notificationFixture({ kind: 'direct', state: '', severity: 'info', title: 'Maintenance tonight', message: 'Line 3 stops at 22:00.', alerts: [] }), options);
    expect(direct.subject).toBe('[Forgecast] INFO: Maintenance tonight');
    expect(direct.text).toContain('Line 3 stops at 22:00.');
    const untitled = renderEmail(notificationFixture({ kind: 'direct', state: '', title: '  ', alerts: [] }), options);
    expect(untitled.subject).toBe('[Forgecast] CRITICAL: Forgecast notification');
    const digest = renderEmail(notificationFixture({ kind: 'digest', state: '', title: 'Daily digest', alerts: manyAlerts(3) }), options);
    expect(digest.subject).toBe('[Forgecast] DIGEST: Daily digest');
  });

  it('shows n/a for values that are not finite', () => {
    const email = renderEmail(notificationFixture({ alerts: [alertFixture({ value: Number.NaN, threshold: Number.POSITIVE_INFINITY })] }), options);
    expect(email.text).toContain('n/a (threshold n/a)');
  });
});
