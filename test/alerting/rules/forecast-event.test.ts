import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_EVENT_BYTES, parseForecastEvent } from '../../../alerting/rules/forecast-event.js';
import { FgcError } from '../../../infra/errors.js';
import { baseEvent, breach, inventoryEvent, openOrder, qualityEvent, supplyEvent, view, type Json } from './event-fixtures.js';

/** The FgcError a parse throws (fails the test when it does not throw one). */
function rejection(value: Buffer | string): FgcError {
  try {
    parseForecastEvent(value);
  } catch (error) {
    if (error instanceof FgcError) return error;
    throw error;
  }
  throw new Error('expected the event to be rejected');
}

const rejectionOf = (event: Json): FgcError => rejection(JSON.stringify(event));

function without(event: Json, key: string): Json {
  const copy = { ...event };
  delete copy[key];
  return copy;
}

describe('parseForecastEvent', () => {
  it('reads a version-1 demand event (no details) from a Buffer, ignoring unknown fields', () => {
    const v1 = without(baseEvent({ schema_version: 1, bound_breaches: [breach('2026-11-10', 180)], extra_field: { anything: true } }), 'details');
    const e = parseForecastEvent(Buffer.from(JSON.stringify(v1)));
    expect(e.schema_version).toBe(1);
    expect(e.details).toBeNull();
    expect(e.tenant_id).toBe('acme');
    expect(e.points).toHaveLength(14);
    expect(e.points[0]).toEqual({ period_start: '2026-11-11', value: 100, lower: { '80': 80, '95': 70 }, upper: { '80': 120, '95': 130 } });
    expect(e.bound_breaches).toEqual([{ period_start: '2026-11-10', actual: 180, forecast: 100, level: 95, lower: 70, upper: 130, direction: 'above' }]);
    expect(e).not.toHaveProperty('extra_field');
  });

  it('reads version-2 details of each kind', () => {
    const inv = view(inventoryEvent({ open_receipts: [{ po_id: 'PO-9', qty: 50, promised_date: null, expected_date: '2026-11-30' }] }));
    expect(inv.details).toMatchObject({ kind: 'inventory', stockout_probability_within_lead_time: 0.62, lead_time_days: 14, recommended_order_qty: 339.2, recommended_order_date: '2026-11-25' });
    expect(inv.stockout_date).toBe('2026-11-27');
    expect(inv.details?.kind === 'inventory' ? inv.details.open_receipts : []).toEqual([{ po_id: 'PO-9', qty: 50, promised_date: null, expected_date: '2026-11-30' }]);
    const sup = view(supplyEvent([openOrder({ days_past_due: 3 })]));
    expect(sup.details).toMatchObject({ kind: 'supply', supplier_id: 'SUP-01', open_orders: [{ po_id: 'PO-1', days_past_due: 3, promised_date: '2026-11-20' }] });
    const q = view(qualityEvent({ spc_violations: [{ rule: 'rule_2', period_start: '2026-11-09', description: '2 of 3 beyond 2σ' }] }));
    expect(q.details).toMatchObject({ kind: 'quality', ucl: 0.032, limit_breached: false, spc_violations: [{ rule: 'rule_2', description: '2 of 3 beyond 2σ' }] });
  });

  it('accepts unicode identifiers and an ISO timestamp where a date is expected (cut to the date)', () => {
    const e = view(baseEvent({ entity_id: 'Schraube-Ø8-🔩', site: 'München', data_as_of: '2026-11-10T23:59:59Z' }));
    expect(e.entity_id).toBe('Schraube-Ø8-🔩');
    expect(e.site).toBe('München');
    expect(e.data_as_of).toBe('2026-11-10');
  });

  it('refuses what is not a JSON object', () => {
    expect(rejection('{"tenant_id":').message).toMatch(/not valid JSON/);
    expect(rejection('[1,2]').message).toMatch(/^forecast event must be a JSON object \(got an array\)/);
    expect(rejection('null').message).toMatch(/must be a JSON object \(got null\)/);
    expect(rejection('').code).toBe('FGC_ALERT_EVENT_INVALID');
  });

  it('names the missing or mistyped field', () => {
    const cases: [Json, RegExp][] = [
      [without(baseEvent(), 'tenant_id'), /field tenant_id must be a string \(got nothing\)/],
      [baseEvent({ tenant_id: '  ' }), /field tenant_id must be a non-empty string/],
      [baseEvent({ entity_id: 42 }), /field entity_id must be a string \(got number 42\)/],
      [baseEvent({ data_as_of: '2026-13-45' }), /field data_as_of must be a real calendar date/],
      [baseEvent({ data_as_of: 'yesterday' }), /field data_as_of must be a date YYYY-MM-DD/],
      [baseEvent({ schema_version: 3 }), /field schema_version must be one of 1, 2 \(got number 3\)/],
      [baseEvent({ schema_version: '2' }), /field schema_version must be a finite number/],
      [baseEvent({ points: 'none' }), /field points must be an array/],
      [baseEvent({ points: [{ period_start: '2026-11-11', value: 'x', lower: {}, upper: {} }] }), /field points\[0\]\.value must be a finite number/],
      [baseEvent({ points: [{ period_start: '2026-11-11', value: 1, lower: { '95': null }, upper: {} }] }), /field points\[0\]\.lower\.95 must be a finite number/],
      [baseEvent({ bound_breaches: [breach('2026-11-10', 180, { direction: 'sideways' })] }), /field bound_breaches\[0\]\.direction must be "above" or "below"/],
      [baseEvent({ stockout_probability: 1.5 }), /field stockout_probability must be a number ≤ 1/],
      [inventoryEvent({ stockout_probability_within_lead_time: undefined }), /field details\.stockout_probability_within_lead_time must be a finite number \(got nothing\)/],
      [inventoryEvent({ recommended_order_qty: -5 }), /field details\.recommended_order_qty must be a number ≥ 0/],
      [inventoryEvent({ kind: 'stock' }), /field details\.kind must be one of inventory, supply, quality/],
      [inventoryEvent({}, { forecast_type: 'supply' }), /field details\.kind must be the event's forecast_type "supply"/],
      [supplyEvent([openOrder({ expected_date: null })]), /field details\.open_orders\[0\]\.expected_date must be a date/],
      [supplyEvent([openOrder(), openOrder({ po_id: '' })]), /field details\.open_orders\[1\]\.po_id must be a non-empty string/],
      [qualityEvent({ limit_breached: 'yes' }), /field details\.limit_breached must be true or false/],
      [qualityEvent({ spc_violations: [1] }), /field details\.spc_violations\[0\] must be an object/],
      [baseEvent({ details: [] }), /field details must be null or an object/],
    ];
    for (const [event, pattern] of cases) {
      const error = rejectionOf(event);
      expect(error.code).toBe('FGC_ALERT_EVENT_INVALID');
      expect(error.message, JSON.stringify(pattern.source)).toMatch(pattern);
      expect(error.details[0]).toHaveProperty('field');
    }
  });

  it('refuses oversized values and identifiers before doing anything with them', () => {
    const huge = 'x'.repeat(MAX_EVENT_BYTES + 1);
    expect(rejection(huge).message).toMatch(/^forecast event must be at most 4194304 bytes \(got 4194305 bytes\)/);
    expect(rejectionOf(baseEvent({ entity_id: 'x'.repeat(10_000) })).message).toMatch(/field entity_id must be a string of at most 256 characters \(got 10000 characters\)/);
    const tooManyPoints = Array.from({ length: 10_001 }, () => ({ period_start: '2026-11-11', value: 1, lower: {}, upper: {} }));
    expect(rejectionOf(baseEvent({ points: tooManyPoints })).message).toMatch(/field points must be an array of at most 10000 entries \(got 10001 entries\)/);
  });

  it('never throws anything but FGC_ALERT_EVENT_INVALID, whatever arrives', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.json(), fc.jsonValue().map((v) => JSON.stringify(v))), (text) => {
        try {
          parseForecastEvent(text);
        } catch (error) {
          expect(error).toBeInstanceOf(FgcError);
          expect((error as FgcError).code).toBe('FGC_ALERT_EVENT_INVALID');
        }
      }),
      { numRuns: 300 },
    );
  });

  it('survives any one field of a valid event replaced by junk: parsed or refused naming a field', () => {
    const valid = inventoryEvent();
    const keys = Object.keys(valid);
    fc.assert(
      fc.property(fc.constantFrom(...keys), fc.jsonValue(), (key, junk) => {
        const event = { ...valid, [key]: junk };
        try {
          const parsed = view(event);
          expect(parsed.tenant_id).not.toBe('');
        } catch (error) {
          expect(error).toBeInstanceOf(FgcError);
          expect((error as FgcError).message).toMatch(/field /);
        }
      }),
      { numRuns: 300 },
    );
  });
});
