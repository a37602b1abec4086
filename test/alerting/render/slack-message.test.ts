import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Notification } from '../../../alerting/alert-model.js';
import { SLACK_HEADER_MAX, SLACK_MAX_BLOCKS, SLACK_TEXT_MAX, escapeMrkdwn, renderSlack, renderSlackResolvedReply, type SlackBlock } from '../../../alerting/render/slack-message.js';
import { alertFixture, manyAlerts, notificationFixture, resolvedFixture } from './notification-fixture.js';

const options = { baseUrl: 'https://forgecast.example.com' };

function texts(block: SlackBlock): string[] {
  switch (block.type) {
    case 'header':
    case 'section':
      return [block.text.text];
    case 'context':
      return block.elements.map((e) => e.text);
    case 'divider':
      return [];
  }
}

function checkLimits(message: ReturnType<typeof renderSlack>): void {
  expect(message.blocks.length).toBeLessThanOrEqual(SLACK_MAX_BLOCKS);
  const [header, ...rest] = message.blocks;
  expect(header?.type).toBe('header');
  if (header?.type === 'header') expect(header.text.text.length).toBeLessThanOrEqual(SLACK_HEADER_MAX);
  for (const block of rest) for (const text of texts(block)) {
    expect(text.length).toBeGreaterThan(0);
    expect(text.length).toBeLessThanOrEqual(SLACK_TEXT_MAX);
  }
}

describe('renderSlack', () => {
  it('has a header with the severity emoji, a section per alert with the recommendation, and a context with data_as_of', () => {
    const message = renderSlack(notificationFixture({ channel: 'slack' }), options);
    expect(message.blocks.map((b) => b.type)).toEqual(['header', 'section', 'context', 'context']);
    const [header, section, context, footer] = message.blocks.map(texts).map((t) => t.join(' '));
    expect(header).toBe('🚨 CRITICAL: Stockout risk: ITEM-001 at PLANT-1');
    expect(section).toContain('*Stockout risk: ITEM-001 at PLANT-1* (CRITICAL, firing)');
    expect(section).toContain('*Value:* 0.82 (threshold 0.5)');
    expect(section).toContain('*Recommendation:* Order 1,200 units by 2024-03-05');
    expect(section).toContain('<https://forgecast.example.com/api/v1/alerts?status=firing&type=stockout_risk&site=PLANT-1&from=2024-03-01T08%3A00%3A00.000Z|Open in Forgecast>');
    expect(context).toContain('data as of 2024-03-01');
    expect(footer).toContain('all alerts');
    expect(message.text).toContain('Stockout risk: ITEM-001 at PLANT-1');
    checkLimits(message);
  });

  it('the resolved variant has the ✅ header and the resolution time instead of the recommendation', () => {
    const message = renderSlack(resolvedFixture({ channel: 'slack' }), options);
    const all = message.blocks.flatMap(texts).join('\n');
    expect(texts(message.blocks[0]!)[0]).toBe('✅ RESOLVED: Stockout risk: ITEM-001 at PLANT-1');
    expect(all).toContain('*Resolved:* 2024-03-02 09:30 UTC');
    expect(all).not.toContain('Recommendation');
    expect(renderSlackResolvedReply(resolvedFixture())).toBe('✅ Resolved 2024-03-02 09:30 UTC: Stockout risk: ITEM-001 at PLANT-1');
  });

  it('escapes mrkdwn control characters so data cannot ping or link', () => {
    const evil = '<!channel> <https://evil.example|click> & co';
    const message = renderSlack(notificationFixture({ title: evil, message: `${evil} (digest)`, alerts: [alertFixture({ title: evil, message: evil })] }), options);
    const mrkdwn = message.blocks.slice(1).flatMap(texts).join('\n');
    expect(mrkdwn).not.toContain('<!channel>');
    expect(mrkdwn).not.toContain('<https://evil.example');
    expect(mrkdwn).toContain(escapeMrkdwn(evil));
    expect(message.text).not.toContain('<!channel>');
    // The header is plain_text: shown literally, so it needs no escaping.
    expect(texts(message.blocks[0]!)[0]).toContain('<!channel>');
  });

  it('truncates the header to 150 characters and long sections to 3000, keeping the link', () => {
    const long = `${'🚨'.repeat(100)}${'x'.repeat(5000)}`;
    const message = renderSlack(notificationFixture({ title: long, alerts: [alertFixture({ message: long, recommendation: { action: 'order', text: long } })] }), options);
    checkLimits(message);
    const header = texts(message.blocks[0]!)[0]!;
    expect(header.endsWith('…')).toBe(true);
    expect(header).not.toMatch(/[\ud800-\udbff]…$/);
    const section = texts(message.blocks.find((b) => b.type === 'section' && b.text.text.includes('Open in Forgecast'))!)[0]!;
    expect(section.length).toBeLessThanOrEqual(SLACK_TEXT_MAX);
    expect(section.endsWith('|Open in Forgecast>')).toBe(true);
  });

  it('keeps to 50 blocks with many alerts and says how many are left out', () => {
    const alerts = manyAlerts(200);
    const message = renderSlack(notificationFixture({ title: 'Digest', message: '200 alerts', kind: 'digest', state: '', alerts }), options);
    checkLimits(message);
    const alertSections = message.blocks.filter((b) => b.type === 'section' && b.text.text.includes('Open in Forgecast'));
    const more = message.blocks.map(texts).flat().find((t) => t.startsWith('…and '));
    expect(more).toBe(`…and ${200 - alertSections.length} more`);
    expect(alertSections.length).toBeGreaterThan(20);
    // Header + footer leave 48 blocks: 24 alerts of two blocks fit exactly; the 25th pushes two out for the summary.
    const fits = renderSlack(notificationFixture({ message: '', alerts: manyAlerts(24) }), options);
    checkLimits(fits);
    expect(fits.blocks).toHaveLength(SLACK_MAX_BLOCKS);
    expect(fits.blocks.flatMap(texts).some((t) => t.startsWith('…and'))).toBe(false);
    const over = renderSlack(notificationFixture({ message: '', alerts: manyAlerts(25) }), options);
    checkLimits(over);
    expect(over.blocks.flatMap(texts)).toContain('…and 2 more');
  });

  it('holds the limits for any notification (property)', () => {
    const text = fc.string({ unit: 'grapheme', maxLength: 400 });
    const alert = fc.record({ title: text, message: text, site: text, entity_id: text }).map((o) => alertFixture(o));
    fc.assert(
      fc.property(fc.record({ title: text, message: text, alerts: fc.array(alert, { maxLength: 60 }), state: fc.constantFrom<Notification['state']>('firing', 'resolved', '') }), (o) => {
        checkLimits(renderSlack(notificationFixture(o), options));
      }),
      { numRuns: 60 },
    );
  });
});
