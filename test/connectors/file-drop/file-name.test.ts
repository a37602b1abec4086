import { describe, expect, it } from 'vitest';
import { isIgnoredFileName, parseDropFileName } from '../../../connectors/file-drop/file-name.js';
import { FgcError } from '../../../infra/errors.js';

function problem(name: string): string {
  try {
    parseDropFileName(name);
  } catch (error) {
    expect(error).toBeInstanceOf(FgcError);
    expect((error as FgcError).code).toBe('FGC_FILEDROP_INVALID_NAME');
    return (error as FgcError).message;
  }
  throw new Error(`${name} was accepted`);
}

describe('file-drop file names', () => {
  it('reads source type, source id, record type, mapping and format', () => {
    expect(parseDropFileName('erp__erp_001__items.csv')).toEqual({ source_type: 'erp', source_id: 'erp_001', record_type: 'items', mapping: undefined, format: 'csv' });
    expect(parseDropFileName('ERP__SAP-P01.de__Sales_Orders__SAP__2024-01-01T10.00.TSV')).toEqual({ source_type: 'erp', source_id: 'SAP-P01.de', record_type: 'sales_orders', mapping: 'sap', format: 'csv' });
    expect(parseDropFileName('quality__lims__inspections__canonical__run 7 (copy).ndjson')).toMatchObject({ mapping: undefined, format: 'jsonl' });
    expect(parseDropFileName('inventory__wms__inventory.jsonl')).toMatchObject({ source_type: 'inventory', record_type: 'inventory', format: 'jsonl' });
  });

  it('says what does not fit', () => {
    expect(problem('erp__x__items.xlsx')).toMatch(/extension must be one of \.csv, \.tsv, \.jsonl, \.ndjson/);
    expect(problem('items.csv')).toMatch(/expected <source_type>__<source_id>__<record_type>/);
    expect(problem('erp_x_items.csv')).toMatch(/double underscores/);
    expect(problem('erp__x__things.csv')).toMatch(/record type "things" is not one of items, sales_orders/);
    expect(problem('mes__x__items.csv')).toMatch(/source type "mes" is not one of erp/);
    expect(problem('erp___x__items.csv')).toMatch(/part 2 \("_x"\)/);
    expect(problem('erp__x y__items.csv')).toMatch(/part 2/);
    expect(problem('erp__x__items__20240101.csv')).toMatch(/mapping profile.*__canonical__20240101/);
  });

  it('ignores temporary and hidden files', () => {
    for (const name of ['.erp__x__items.csv', 'erp__x__items.csv.tmp', 'erp__x__items.csv.part', 'a.CRDOWNLOAD', '~lock.csv', 'erp__x__items.csv~']) {
      expect(isIgnoredFileName(name)).toBe(true);
    }
    expect(isIgnoredFileName('erp__x__items.csv')).toBe(false);
  });
});
