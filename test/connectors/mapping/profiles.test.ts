/**
 * Mapping profiles: the shipped files load and pass their checks; `canonical` is the identity;
 * `sap` reads SAP field names and formats (YYYYMMDD, decimal commas, trailing minus, X flags,
 * composite ids, movement-type codes, debit/credit signs) and keeps unknown fields; broken
 * profile files are refused at start-up with every problem named.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateRecord, type ValidationResult } from '../../../connectors/ingest/validate-record.js';
import { compileProfile, type MappingProfile } from '../../../connectors/mapping/mapping-profile.js';
import { loadMappingProfiles, type MappingProfiles } from '../../../connectors/mapping/profile-loader.js';
import { FgcError } from '../../../infra/errors.js';
import { RECORD_TYPES, type RecordType } from '../../../schemas/topics.js';
import { tempDir } from '../../helpers/temp-dir.js';

let profiles: MappingProfiles;
let sap: MappingProfile;
let canonical: MappingProfile;
beforeAll(async () => {
  profiles = await loadMappingProfiles();
  sap = profiles.get('sap')!;
  canonical = profiles.get('canonical')!;
});

const okOf = (result: ValidationResult): Record<string, unknown> => {
  if (result.ok === undefined) throw new Error(`expected a valid record, got ${JSON.stringify(result.errors)}`);
  return { ...result.ok, extra: { ...result.ok.extra } };
};
const viaSap = (type: RecordType, raw: unknown): ValidationResult => validateRecord(type, raw, sap, 0);

describe('shipped profiles', () => {
  it('loads canonical and sap, each with a description', () => {
    expect(profiles.names()).toEqual(['canonical', 'sap']);
    expect(canonical.description.length).toBeGreaterThan(20);
    expect(sap.description).toMatch(/YYYYMMDD/);
    expect(profiles.get('oracle')).toBeUndefined();
  });

  it('canonical is the identity for every record type', () => {
    for (const type of RECORD_TYPES) {
      const mapping = canonical.recordTypes[type];
      expect(mapping.sources.every((s) => s.from.length === 1 && s.values === undefined && s.negateWhen === undefined)).toBe(true);
    }
    expect(okOf(validateRecord('items', { sku: 'A', name: 'B', MATNR: 'kept' }, canonical))).toMatchObject({ sku: 'A', name: 'B', extra: { MATNR: '"kept"' } });
    // Canonical formats are strict: no decimal commas or compact dates.
    expect(validateRecord('inventory', { sku: 'A', site: 'W', on_hand: '1.234,5', as_of: '20240105' }, canonical).errors!.map((e) => e.field)).toEqual(['on_hand', 'as_of']);
  });
});

describe('the sap profile', () => {
  it('maps an item (MARA/MAKT/MBEW) with decimal comma cost and X deletion flag, keeping unknown fields', () => {
    expect(okOf(viaSap('items', { MATNR: '000000000000012345', MAKTX: 'Schraube M6 – Edelstahl ✓', MEINS: 'ST', MATKL: 'SCREWS', STPRS: '1.234,50', WAERS: 'EUR', LIFNR: '0000100001', NAME1: 'Müller GmbH', PLIFZ: '14', LVORM: 'X', MAABC: 'a', MTART: 'ROH' }))).toEqual({
      sku: '000000000000012345',
      name: 'Schraube M6 – Edelstahl ✓',
      uom: 'ST',
      family: 'SCREWS',
      standard_cost: '1234.5',
      currency: 'EUR',
      supplier_id: '0000100001',
      supplier_name: 'Müller GmbH',
      lead_time_days: 14,
      deleted: true,
      abc_class: 'A',
      extra: { MTART: '"ROH"' },
    });
    expect(okOf(viaSap('items', { MATNR: 'A', MAKTX: 'B', LVORM: '' })).deleted).toBeNull();
    expect(okOf(viaSap('items', { MATNR: 'A', MAKTX: 'B' })).abc_class).toBeNull();
    expect(viaSap('items', { MATNR: 'A', MAKTX: 'B', MAABC: 'Z' }).errors).toEqual([
      { record_type: 'items', index: 0, field: 'abc_class', message: 'abc_class must be one of A, B, C (got "Z")' },
    ]);
  });

  it('maps sales order lines (VBAK/VBAP): POSNR 000010 → 10, YYYYMMDD dates, 00000000 = no date', () => {
    expect(okOf(viaSap('sales_orders', { VBELN: '0000004711', POSNR: '000010', MATNR: 'A', WERKS: '1000', KUNNR: 'C1', KWMENG: '1.500,000', NETPR: '9,99', WAERK: 'EUR', AUDAT: '20240105', VDATU: '00000000', GBSTA: 'A' }))).toMatchObject({
      order_id: '0000004711',
      line: 10,
      site: '1000',
      qty: '1500',
      unit_price: '9.99',
      order_date: '2024-01-05',
      requested_date: null,
      status: 'A',
    });
  });

  it('maps purchase order lines (EKKO/EKPO/EKET) and inventory (MARD, BUDAT as the snapshot date)', () => {
    expect(okOf(viaSap('purchase_orders', { EBELN: '4500000001', EBELP: '00010', MATNR: 'A', WERKS: '1000', LIFNR: 'V1', MENGE: '100', BEDAT: '20240102', EINDT: '20240120', WEMNG: '40,5' }))).toMatchObject({
      po_id: '4500000001',
      line: 10,
      supplier_id: 'V1',
      qty: '100',
      order_date: '2024-01-02',
      promised_date: '2024-01-20',
      received_qty: '40.5',
    });
    expect(okOf(viaSap('inventory', { MATNR: 'A', WERKS: '1000', LABST: '1.234,5', BUDAT: 20240131, LGORT: '0001' }))).toEqual({
      sku: 'A',
      site: '1000',
      on_hand: '1234.5',
      reserved: null,
      as_of: '2024-01-31T00:00:00.000Z',
      extra: { LGORT: '"0001"' },
    });
  });

  it('maps material documents (MKPF/MSEG): composite id, movement-type codes, H = negative quantity', () => {
    const movement = { MBLNR: '4900000001', MJAHR: '2024', ZEILE: '0001', MATNR: 'A', WERKS: '1000', MENGE: '25,000', BWART: '261', SHKZG: 'H', BUDAT: '20240105' };
    expect(okOf(viaSap('inventory_movements', movement))).toEqual({
      movement_id: '4900000001-2024-0001',
      sku: 'A',
      site: '1000',
      qty: '-25',
      movement_type: 'issue',
      ts: '2024-01-05T00:00:00.000Z',
      extra: { SHKZG: '"H"' },
    });
    expect(okOf(viaSap('inventory_movements', { ...movement, BWART: 101, SHKZG: 'S' }))).toMatchObject({ qty: '25', movement_type: 'receipt' });
    expect(okOf(viaSap('inventory_movements', { ...movement, MENGE: '3,5-', SHKZG: 'H' })).qty).toBe('3.5');
    const unknownCode = viaSap('inventory_movements', { ...movement, BWART: '999' });
    expect(unknownCode.errors).toEqual([{ record_type: 'inventory_movements', index: 0, field: 'movement_type', message: 'movement_type must be one of receipt, issue, adjustment, scrap, transfer (got "999")' }]);
    const partial = viaSap('inventory_movements', { ...movement, ZEILE: undefined });
    expect(partial.errors).toEqual([{ record_type: 'inventory_movements', index: 0, field: 'movement_id', message: 'movement_id is made of MBLNR + MJAHR + ZEILE, but ZEILE is missing' }]);
    const none = viaSap('inventory_movements', { ...movement, MBLNR: undefined, MJAHR: undefined, ZEILE: undefined });
    expect(none.errors).toEqual([{ record_type: 'inventory_movements', index: 0, field: 'movement_id', message: 'movement_id is required (profile "sap" reads it from MBLNR + MJAHR + ZEILE)' }]);
  });

  it('maps ledger lines (BKPF/BSEG), inspections (QALS) and production orders (AFKO)', () => {
    expect(okOf(viaSap('gl_entries', { BUKRS: '1000', BELNR: '0100000001', GJAHR: '2024', BUZEI: '001', HKONT: '0000400000', DMBTR: '1.250,00', SHKZG: 'H', WAERS: 'EUR', BUDAT: '20240131', KOSTL: 'CC1' }))).toMatchObject({
      entry_id: '1000-0100000001-2024-001',
      account: '0000400000',
      amount: '-1250',
      posted_at: '2024-01-31T00:00:00.000Z',
      cost_center: 'CC1',
      sku: null,
    });
    expect(okOf(viaSap('inspections', { PRUEFLOS: '010000000001', MATNR: 'A', WERK: '1000', LOSMENGE: '100', defect_qty: '2', FECOD: 'SCR', ENSTEHDAT: '20240105' }))).toMatchObject({
      inspection_id: '010000000001',
      site: '1000',
      inspected_qty: '100',
      defect_qty: '2',
      defect_code: 'SCR',
      inspected_at: '2024-01-05T00:00:00.000Z',
    });
    expect(viaSap('inspections', { PRUEFLOS: '1', MATNR: 'A', WERK: '1000', LOSMENGE: '10', defect_qty: '11', ENSTEHDAT: '20240105' }).errors![0]!.field).toBe('defect_qty');
    expect(okOf(viaSap('work_orders', { AUFNR: '000001000001', MATNR: 'A', WERKS: '1000', GAMNG: '500', IGMNG: '480', IASMG: '20', GSTRP: '20240101', GLTRP: '20240110' }))).toMatchObject({
      wo_id: '000001000001',
      qty_planned: '500',
      qty_completed: '480',
      qty_scrapped: '20',
      start_at: '2024-01-01T00:00:00.000Z',
      end_at: '2024-01-10T00:00:00.000Z',
    });
  });

  it('names the SAP field when a required value is missing, and reports bad SAP formats', () => {
    expect(viaSap('items', { MAKTX: 'B' }).errors).toEqual([{ record_type: 'items', index: 0, field: 'sku', message: 'sku is required (profile "sap" reads it from MATNR)' }]);
    expect(viaSap('inventory', { MATNR: 'A', WERKS: '1', LABST: '12.5', BUDAT: '20241301' }).errors!.map((e) => e.field)).toEqual(['on_hand', 'as_of']);
    expect(viaSap('inventory', { MATNR: 'A', WERKS: '1', LABST: '-5', BUDAT: '20240101' }).errors![0]!.message).toBe('on_hand must not be negative (got -5)');
    // A canonical name not mapped by sap is read as is; one that sap maps from a SAP field is just extra.
    expect(okOf(viaSap('items', { MATNR: 'A', MAKTX: 'B', sku: 'ignored' })).extra).toEqual({ sku: '"ignored"' });
  });
});

describe('profile files are checked at start-up', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  beforeAll(async () => {
    dir = await tempDir();
  });
  afterAll(() => dir.remove());

  const problemsOf = (json: unknown, name = 'p'): string[] => {
    try {
      compileProfile(json, name);
    } catch (error) {
      expect(error).toBeInstanceOf(FgcError);
      expect((error as FgcError).code).toBe('FGC_INGEST_PROFILE_INVALID');
      return (error as FgcError).details.map((d) => `${String(d.path)}: ${String(d.message)}`);
    }
    return [];
  };

  it('names every problem with its path', () => {
    const problems = problemsOf({
      name: 'p',
      description: '',
      formats: { date: 'dd.mm.yyyy', decimal: 'comma' },
      record_types: {
        orders: {},
        items: { fields: { sku: 'MATNR', colour: 'FARBE', name: 42, uom: { from: [], separator: 1 }, family: { from: 'A', values: { x: 1 } } } },
        inventory: { fields: { sku: 'MATNR', site: 'MATNR' } },
      },
      extra_key: true,
    });
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^: unknown keys extra_key/),
        expect.stringMatching(/^description: /),
        expect.stringMatching(/^formats.date: expected one of iso, yyyymmdd/),
        expect.stringMatching(/^record_types.orders: unknown record type/),
        expect.stringMatching(/^record_types.items.fields.colour: not a canonical field of items/),
        expect.stringMatching(/^record_types.items.fields.name: expected a source field name/),
        expect.stringMatching(/^record_types.items.fields.uom.from: /),
        expect.stringMatching(/^record_types.items.fields.uom.separator: /),
        expect.stringMatching(/^record_types.items.fields.family.values: /),
        expect.stringMatching(/^record_types.inventory.fields.site: source field MATNR is read by two canonical fields/),
      ]),
    );
    expect(problemsOf({ name: 'other', description: 'x' }, 'p')).toEqual(['name: must equal the file name "p"']);
    expect(problemsOf({ name: 'p', description: 'fine' })).toEqual([]);
    expect(() => compileProfile([], 'p')).toThrow(FgcError);
  });

  it('refuses a directory with a broken file, or without the canonical profile', async () => {
    const broken = path.join(dir.path, 'broken');
    await mkdir(broken);
    await writeFile(path.join(broken, 'canonical.json'), JSON.stringify({ name: 'canonical', description: 'identity' }));
    await writeFile(path.join(broken, 'bad.json'), '{"name": "bad",');
    await expect(loadMappingProfiles(broken)).rejects.toMatchObject({ code: 'FGC_INGEST_PROFILE_INVALID' });
    await expect(loadMappingProfiles(broken)).rejects.toThrow('bad.json is not JSON');
    const missing = path.join(dir.path, 'missing');
    await mkdir(missing);
    await writeFile(path.join(missing, 'sap.json'), JSON.stringify({ name: 'sap', description: 'x' }));
    await expect(loadMappingProfiles(missing)).rejects.toThrow('"canonical" mapping profile is missing');
  });
});
