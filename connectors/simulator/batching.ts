/**
 * Cuts generated records into ingest batches: per record type, consecutive days are packed into a
 * batch while it stays within the record limit (a day bigger than the limit is split into several
 * batches). Each batch gets a deterministic reference naming what it holds —
 * `sim:<seed>.<fingerprint>:<record type>:<from>-<to>:<n>` — so sending history again replays
 * the same batches (the ingestor answers with the original result) instead of duplicating them.
 * The fingerprint covers everything that shapes the content (size, dates, generator version), so
 * a differently sized world never collides with an earlier one's references.
 */
import { compactDate } from './calendar.js';
import type { DayRecords } from './generator.js';
import { hashString } from './prng.js';
import { SIM_RECORD_TYPES, type ItemRecord, type SimRecordType } from './records.js';
import type { SimulationConfig } from './world.js';

/** Bump when the model changes what a configuration generates: old references must not collide. */
export const GENERATOR_VERSION = 1;
/** Records per batch by default (well under the ingest endpoint's record-count limit). */
export const DEFAULT_BATCH_RECORDS = 1000;

/** The source system each record type comes from, as the ingest envelope names it. */
export const SOURCES: Readonly<Record<SimRecordType, { readonly sourceType: string; readonly sourceId: string }>> = {
  items: { sourceType: 'erp', sourceId: 'sim_erp' },
  sales_orders: { sourceType: 'erp', sourceId: 'sim_erp' },
  purchase_orders: { sourceType: 'erp', sourceId: 'sim_erp' },
  work_orders: { sourceType: 'erp', sourceId: 'sim_erp' },
  inventory: { sourceType: 'inventory', sourceId: 'sim_wms' },
  inventory_movements: { sourceType: 'inventory', sourceId: 'sim_wms' },
  inspections: { sourceType: 'quality', sourceId: 'sim_qms' },
  gl_entries: { sourceType: 'accounting', sourceId: 'sim_fin' },
};

export interface PlannedBatch {
  readonly recordType: SimRecordType;
  readonly sourceType: string;
  readonly sourceId: string;
  readonly batchReference: string;
  /** Simulation days covered (items: −1). */
  readonly fromDay: number;
  readonly toDay: number;
  readonly records: readonly object[];
}

/** `sim:<seed>.<fingerprint>` for a configuration. */
export function referencePrefix(config: SimulationConfig): string {
  const shape = `${GENERATOR_VERSION}|${config.items}|${config.sites}|${config.historyDays}|${config.startDate}`;
  return `sim:${config.seed}.${hashString(shape).toString(16).padStart(8, '0')}`;
}

interface Chunk {
  fromDay: number;
  toDay: number;
  /** Numbers the batches of one day range (a day split because it exceeds the limit). */
  part: number;
  records: object[];
}

function chunksOf(days: readonly DayRecords[], type: SimRecordType, limit: number): Chunk[] {
  const chunks: Chunk[] = [];
  let current: Chunk | undefined;
  for (const { day, records: byType } of days) {
    const records: readonly object[] = byType[type];
    if (records.length === 0) continue;
    if (records.length > limit) {
      if (current !== undefined) chunks.push(current);
      current = undefined;
      for (let i = 0; i < records.length; i += limit) chunks.push({ fromDay: day, toDay: day, part: i / limit, records: records.slice(i, i + limit) });
      continue;
    }
    if (current !== undefined && current.records.length + records.length > limit) {
      chunks.push(current);
      current = undefined;
    }
    current ??= { fromDay: day, toDay: day, part: 0, records: [] };
    current.records.push(...records);
    current.toDay = day;
  }
  if (current !== undefined) chunks.push(current);
  return chunks;
}

/**
 * Plans the batches of `days` (and `items`, first) in emission order: by first day, then by record
 * type (master data, documents, consequences), then by part.
 */
export function planBatches(prefix: string, startEpoch: number, days: readonly DayRecords[], items: readonly ItemRecord[], limit = DEFAULT_BATCH_RECORDS): PlannedBatch[] {
  const planned: (PlannedBatch & { order: number; part: number })[] = [];
  const add = (type: SimRecordType, chunk: Chunk, fromLabel: number, toLabel: number): void => {
    const source = SOURCES[type];
    planned.push({
      recordType: type,
      sourceType: source.sourceType,
      sourceId: source.sourceId,
      batchReference: `${prefix}:${type}:${compactDate(startEpoch + fromLabel)}-${compactDate(startEpoch + toLabel)}:${chunk.part}`,
      fromDay: chunk.fromDay,
      toDay: chunk.toDay,
      records: chunk.records,
      order: SIM_RECORD_TYPES.indexOf(type),
      part: chunk.part,
    });
  };
  const firstDay = days[0]?.day ?? 0;
  const lastDay = days.at(-1)?.day ?? firstDay;
  for (let i = 0; i < items.length; i += limit) {
    // Master data is not dated: its batches name the range of the days sent with them.
    add('items', { fromDay: -1, toDay: -1, part: i / limit, records: items.slice(i, i + limit) }, firstDay, lastDay);
  }
  for (const type of SIM_RECORD_TYPES) {
    if (type === 'items') continue;
    for (const chunk of chunksOf(days, type, limit)) add(type, chunk, chunk.fromDay, chunk.toDay);
  }
  planned.sort((a, b) => a.fromDay - b.fromDay || a.order - b.order || a.part - b.part);
  return planned.map(({ order: _order, part: _part, ...batch }) => batch);
}
