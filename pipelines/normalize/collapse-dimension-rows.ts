/**
 * Dimension rows implied by facts repeat with every fact (dimension-rows.ts): a chunk of 1,000
 * sales lines from one site carries 1,000 identical `sites` rows. Before the chunk is stored,
 * the rows of each dimension table are collapsed to one per key, chosen as ReplacingMergeTree
 * would choose at merge time — the highest version, and among equal versions the one inserted
 * last — so query results (FINAL) are the same and the inserts carry about half the rows.
 * Fact tables are left alone: their rows are the data.
 */
import { DIMENSION_KEYS } from './model-tables.js';

type Row = Readonly<Record<string, unknown>>;

/** Versions are non-negative integers as text (envelope.ts) or numbers: compared as integers, without BigInt. */
function compareVersions(a: unknown, b: unknown): number {
  const x = String(a).replace(/^0+(?=\d)/, '');
  const y = String(b).replace(/^0+(?=\d)/, '');
  if (x.length !== y.length) return x.length - y.length;
  return x < y ? -1 : x > y ? 1 : 0;
}

/** One row per key in `rows`, in first-seen key order; the winner per key as ReplacingMergeTree picks it. */
export function collapseRows(rows: readonly Row[], keyColumns: readonly string[]): Row[] {
  const winners = new Map<string, Row>();
  for (const row of rows) {
    // \u0000 cannot occur in the codes (they are trimmed text), so joined keys never collide.
    const key = keyColumns.map((c) => String(row[c])).join('\u0000');
    const current = winners.get(key);
    if (current === undefined || compareVersions(row.version, current.version) >= 0) winners.set(key, row);
  }
  return [...winners.values()];
}

/** Collapses the dimension tables of `rowsByTable` in place; other tables are untouched. */
export function collapseDimensionRows(rowsByTable: Map<string, Row[]>): void {
  for (const [table, keyColumns] of Object.entries(DIMENSION_KEYS)) {
    const rows = rowsByTable.get(table);
    if (rows !== undefined && rows.length > 1) rowsByTable.set(table, collapseRows(rows, keyColumns));
  }
}
