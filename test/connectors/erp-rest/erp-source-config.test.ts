/** Parsing FORGECAST_ERP_SOURCES: defaults, frozen output, every problem named at once, secrets only by name. */
import { describe, expect, it } from 'vitest';
import { ERP_DEFAULTS, parseErpSources } from '../../../connectors/erp-rest/erp-source-config.js';
import { FgcError } from '../../../infra/errors.js';

const MINIMAL = [{ id: 'erp_001', base_url: 'https://erp.example.com/api', entities: [{ name: 'items', path: 'items', record_type: 'items' }] }];

function problemsOf(text: string, env: Record<string, string> = {}): string {
  try {
    parseErpSources(text, env);
  } catch (error) {
    expect(error).toBeInstanceOf(FgcError);
    expect((error as FgcError).code).toBe('FGC_CONFIG_INVALID');
    return (error as FgcError).message;
  }
  throw new Error('expected the sources to be refused');
}

describe('parseErpSources', () => {
  it('fills every default and freezes the result', () => {
    const [source] = parseErpSources(JSON.stringify(MINIMAL), {});
    expect(source).toMatchObject({
      id: 'erp_001',
      tenant: 'default',
      sourceType: 'erp',
      baseUrl: 'https://erp.example.com/api/',
      auth: undefined,
      pollIntervalMs: ERP_DEFAULTS.pollIntervalMs,
      overlapMs: 300_000,
      requestTimeoutMs: 30_000,
      retry: { maxAttempts: 5, baseDelayMs: 500, maxDelayMs: 30_000, maxRetryAfterMs: 300_000 },
    });
    expect(source!.entities[0]).toEqual({
      name: 'items',
      path: 'items',
      recordType: 'items',
      mapping: undefined,
      pageSize: 200,
      idField: 'id',
      updatedAtField: 'updated_at',
      versionField: undefined,
      recordsField: 'data',
      query: {},
      updatedSince: { param: 'updated_since', format: 'iso' },
      paging: { kind: 'offset', offsetParam: 'offset', limitParam: 'limit' },
      startFrom: undefined,
    });
    expect(Object.isFrozen(source)).toBe(true);
    expect(Object.isFrozen(source!.entities[0]!.paging)).toBe(true);
  });

  it('reads an ERP-style description: SAP field names, next links, epoch seconds, a body that is the array', () => {
    const text = JSON.stringify([
      {
        ...MINIMAL[0],
        auth: { header: 'X-API-Key', value_env: 'SAP_KEY' },
        entities: [
          {
            name: 'materials',
            path: '/odata/materials',
            record_type: 'items',
            mapping: 'sap',
            id_field: 'MATNR',
            updated_at_field: 'LAEDA',
            version_field: 'ROWVERSION',
            records_field: '',
            updated_since: { param: 'changedSince', format: 'epoch_s' },
            paging: { kind: 'next', next_from: 'link_header' },
          },
        ],
      },
    ]);
    const [source] = parseErpSources(text, { SAP_KEY: 'k' });
    expect(source!.auth).toEqual({ header: 'X-API-Key', valueEnv: 'SAP_KEY' });
    expect(JSON.stringify(source)).not.toContain('"k"');
    expect(source!.entities[0]).toMatchObject({ recordsField: '', versionField: 'ROWVERSION', updatedSince: { format: 'epoch_s' }, paging: { kind: 'next', nextFrom: 'link_header', nextField: 'next', limitParam: undefined } });
  });

  it('names every problem in one error', () => {
    const text = JSON.stringify([
      { id: '../x', base_url: 'ftp://erp', auth: { value_env: 'MISSING_TOKEN' }, overlap_ms: -1, entities: [{ name: 'items', record_type: 'widgets', page_size: 0 }, { name: 'items', path: 'p', record_type: 'items' }] },
    ]);
    const message = problemsOf(text);
    for (const expected of [
      'sources[0].id',
      'sources[0].base_url: expected an http or https URL',
      'environment variable MISSING_TOKEN is not set',
      'sources[0].overlap_ms',
      'sources[0].entities[0].path: is required',
      'sources[0].entities[0].record_type: expected one of items',
      'sources[0].entities[0].page_size',
      'entity name "items" appears twice',
    ]) {
      expect(message).toContain(expected);
    }
  });

  it('refuses text that is not a JSON array, and sources listed twice', () => {
    expect(problemsOf('{oops')).toMatch(/not valid JSON/);
    expect(problemsOf('{}')).toMatch(/expected a JSON array/);
    expect(problemsOf(JSON.stringify([MINIMAL[0], MINIMAL[0]]))).toMatch(/default\/erp_001 appears twice/);
  });
});
