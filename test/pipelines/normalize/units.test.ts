import { describe, expect, it } from 'vitest';
import { canonicalUnit, defaultFactor, isKnownUnit } from '../../../pipelines/reference/units.js';
import { createStaticReference } from '../../../pipelines/reference/tenant-reference.js';
import { configuredSkuMappingRow, uomConversionRow, CONFIGURED_VERSION_BASE } from '../../../pipelines/reference/reference-rows.js';
import { rowVersion } from '../../../pipelines/normalize/envelope.js';

describe('default unit table', () => {
  it('resolves the spellings of each unit', () => {
    for (const code of ['EA', 'pc', 'PCS', 'st', ' Stk ', 'C62']) expect(canonicalUnit(code)).toBe('EA');
    expect(canonicalUnit('kgm')).toBe('KG');
    expect(canonicalUnit('MTR')).toBe('M');
    expect(canonicalUnit('box')).toBe('BOX');
    expect(isKnownUnit('BOX')).toBe(false);
  });

  it('converts within a dimension, exactly, and nowhere else', () => {
    expect(defaultFactor('KG', 'G')).toBe('1000');
    expect(defaultFactor('G', 'KG')).toBe('0.001');
    expect(defaultFactor('T', 'KG')).toBe('1000');
    expect(defaultFactor('ML', 'L')).toBe('0.001');
    expect(defaultFactor('CM', 'MM')).toBe('10');
    expect(defaultFactor('DZ', 'PCS')).toBe('12');
    expect(defaultFactor('EA', 'DZ')).toBeUndefined();
    expect(defaultFactor('KG', 'L')).toBeUndefined();
    expect(defaultFactor('BOX', 'EA')).toBeUndefined();
  });
});

describe('tenant reference lookups', () => {
  const context = createStaticReference({
    acme: { baseUoms: { A: 'PCS', B: 'KG' }, conversions: [{ sku: 'A', fromUom: 'box', factor: '12' }, { sku: 'B', fromUom: 'G', factor: '0.002' }], skuMappings: [{ sourceId: 'erp_b', sourceSku: 'X', canonicalSku: 'A' }] },
  });

  it('answers 1 for the base unit, the item conversion before the default table, undefined otherwise', () => {
    expect(context.uomFactor('acme', 'A', 'EA')).toBe('1');
    expect(context.uomFactor('acme', 'A', 'BOX')).toBe('12');
    expect(context.uomFactor('acme', 'B', 'G')).toBe('0.002');
    expect(context.uomFactor('acme', 'B', 'T')).toBe('1000');
    expect(context.uomFactor('acme', 'B', 'BOX')).toBeUndefined();
    expect(context.uomFactor('acme', 'UNKNOWN', 'EA')).toBeUndefined();
    expect(context.uomFactor('other', 'A', 'BOX')).toBeUndefined();
  });

  it('maps skus per tenant and source', () => {
    expect(context.canonicalSku('acme', 'erp_b', 'X')).toBe('A');
    expect(context.canonicalSku('acme', 'erp_a', 'X')).toBe('X');
    expect(context.canonicalSku('other', 'erp_b', 'X')).toBe('X');
  });
});

describe('configured reference rows', () => {
  it('puts configured mappings above every observed version', () => {
    const row = configuredSkuMappingRow({ tenant: 'acme', sourceId: 'erp_b', sourceSku: 'X', canonicalSku: 'A', atMs: 0 });
    expect(BigInt(row.version as string)).toBeGreaterThanOrEqual(CONFIGURED_VERSION_BASE);
    expect(BigInt(rowVersion(Date.UTC(2100, 0, 1), 2 ** 20 - 1))).toBeLessThan(CONFIGURED_VERSION_BASE);
  });

  it('refuses a conversion factor that is not positive', () => {
    expect(uomConversionRow({ tenant: 'acme', sku: 'A', fromUom: 'box', factor: '12.0', atMs: 1 })).toMatchObject({ from_uom: 'BOX', factor: '12' });
    for (const factor of ['0', '-2', 'twelve']) expect(() => uomConversionRow({ tenant: 'acme', sku: 'A', fromUom: 'BOX', factor, atMs: 1 })).toThrow(RangeError);
  });
});
