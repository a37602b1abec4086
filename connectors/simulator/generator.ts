/**
 * The pure, deterministic generator: a configuration in, the manufacturer's history out as
 * canonical records per day, plus the simulation standing at "today" (ready to go on live) and the
 * ground truth. No I/O, no clock, no Math.random: the same configuration gives byte-identical
 * records.
 */
import { isoDate } from './calendar.js';
import { groundTruthAt, type GroundTruth } from './ground-truth.js';
import { itemRecords, purchaseOrderRecord, workOrderRecord } from './documents.js';
import type { Supply } from './inventory-policy.js';
import type { ItemRecord, RecordsByType } from './records.js';
import { Simulation } from './simulation.js';
import { buildWorld, type SimulationConfig, type World } from './world.js';

/** The records of one simulation day. */
export interface DayRecords {
  readonly day: number;
  readonly date: string;
  readonly records: RecordsByType;
}

export interface GeneratedHistory {
  readonly world: World;
  /** Stands at today: `nextLiveDay` continues it. */
  readonly simulation: Simulation;
  readonly items: readonly ItemRecord[];
  /** Days 0 … today − 1; purchase and work orders sit on their order day, as of the last history day. */
  readonly days: readonly DayRecords[];
  readonly groundTruth: GroundTruth;
}

function addSupply(world: World, into: RecordsByType, supply: Supply, asOfDay: number): void {
  if (supply.kind === 'po') into.purchase_orders.push(purchaseOrderRecord(world.catalog, world.startEpoch, supply, asOfDay));
  else into.work_orders.push(workOrderRecord(world.catalog, world.startEpoch, supply, asOfDay));
}

export function generateHistory(config: SimulationConfig): GeneratedHistory {
  const world = buildWorld(config);
  const simulation = new Simulation(world);
  const days: DayRecords[] = [];
  while (simulation.day < world.today) {
    const day = simulation.day;
    const output = simulation.step();
    days.push({ day, date: isoDate(world.startEpoch + day), records: output.records });
  }
  const asOf = world.today - 1;
  for (const supply of simulation.supplies) {
    const day = days[supply.orderDay];
    if (day !== undefined) addSupply(world, day.records, supply, asOf);
  }
  return { world, simulation, items: itemRecords(world.catalog), days, groundTruth: groundTruthAt(simulation) };
}

/**
 * Simulates the next day after history (or after the previous live day) and renders it as live
 * mode reports it: orders created that day, and orders that arrived that day in their final state.
 */
export function nextLiveDay(simulation: Simulation): DayRecords {
  const { world } = simulation;
  const day = simulation.day;
  const output = simulation.step();
  const records = output.records;
  for (const supply of output.created) addSupply(world, records, supply, day);
  for (const supply of output.arrived) addSupply(world, records, supply, day);
  return { day, date: isoDate(world.startEpoch + day), records };
}
