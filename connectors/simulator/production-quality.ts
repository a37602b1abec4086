/**
 * Production lines and their quality. A line's defect rate is its in-control base rate, plus — on
 * the one drifting line — a linear rise from the drift start (tool wear that nobody corrects),
 * capped. Every weekday each line with products runs two shifts and inspects a sample per shift;
 * defects are binomial at the day's rate. The drifting line's extra defects carry their own code,
 * so the inspection's defect_code shows what is going wrong there.
 */
import { isoTimestamp, compactDate, weekday } from './calendar.js';
import type { Line } from './catalog.js';
import { STREAM, rngFor } from './prng.js';
import type { InspectionRecord } from './records.js';

/** A planted rise of the defect rate. */
export interface Drift {
  /** First simulation day of the rise. */
  readonly fromDay: number;
  /** Added defect rate per day since fromDay. */
  readonly slopePerDay: number;
  /** Defect code of the drift's defects. */
  readonly code: string;
}

export interface LineModel {
  readonly line: Line;
  readonly siteCode: string;
  readonly drift: Drift | undefined;
}

/** Base defect codes and their shares among in-control defects. */
const BASE_CODES = [
  { code: 'SURF', share: 0.4 },
  { code: 'ASSY', share: 0.3 },
  { code: 'BURR', share: 0.2 },
  { code: 'MAT', share: 0.1 },
] as const;
/** The drift adds at most this much to the rate (beyond it a line would be stopped). */
const MAX_DRIFT = 0.25;
/** Shift inspections at 10:00 and 18:00. */
const SHIFT_MINUTES = [600, 1080] as const;

export function defectRate(model: LineModel, day: number): number {
  const { drift } = model;
  const extra = drift !== undefined && day >= drift.fromDay ? Math.min(MAX_DRIFT, drift.slopePerDay * (day - drift.fromDay + 1)) : 0;
  return model.line.baseDefectRate + extra;
}

function baseCode(u: number): string {
  let left = u;
  for (const { code, share } of BASE_CODES) {
    left -= share;
    if (left < 0) return code;
  }
  return 'SURF';
}

/**
 * The inspections of a line on a day (none on weekends or on a line without products). `sku` is
 * what the line is producing that day.
 */
export function inspectionsOn(seed: number, model: LineModel, lineIndex: number, day: number, epochDay: number, sku: string): InspectionRecord[] {
  if (model.line.itemIndices.length === 0 || weekday(epochDay) >= 5) return [];
  const rng = rngFor(seed, STREAM.INSPECTION, lineIndex, day);
  const base = model.line.baseDefectRate;
  const extra = defectRate(model, day) - base;
  return SHIFT_MINUTES.map((minute, shift) => {
    // Samples of 40–120 units per shift, as an AQL plan for lots of a few hundred would draw.
    const inspected = rng.intBetween(40, 120);
    const baseDefects = rng.binomial(inspected, base);
    const driftDefects = extra > 0 ? rng.binomial(inspected - baseDefects, extra / (1 - base)) : 0;
    const defects = baseDefects + driftDefects;
    const code = model.drift !== undefined && driftDefects > baseDefects ? model.drift.code : baseCode(rng.next());
    return {
      inspection_id: `QI-${model.line.id}-${compactDate(epochDay)}-${shift + 1}`,
      sku,
      site: model.siteCode,
      line: model.line.id,
      inspected_qty: inspected,
      defect_qty: defects,
      ...(defects > 0 ? { defect_code: code } : {}),
      inspected_at: isoTimestamp(epochDay, minute),
    };
  });
}
