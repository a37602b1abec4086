/**
 * The simulation clock: one `step()` advances every item×site by one day and renders what
 * happened as canonical records. State machine per day:
 *   1. each item×site steps its (s, S) state (receipts → issues → stock events → reorder check);
 *   2. rare inter-site transfers rebalance an item's stock (never for the stockout candidate, whose
 *      trajectory the planted search fixed);
 *   3. movements (and their GL postings) are rendered from what happened, then the closing
 *      snapshot — so snapshot(d) = snapshot(d − 1) + Σ movements(d) for every item×site;
 *   4. sales order lines per site from each item's demand and what was issued;
 *   5. shift inspections per line, of whatever the line is producing.
 * Purchase and work orders are returned as created/arrived supplies; the caller renders them as of
 * the day it reports (history: the last history day; live: the day itself).
 */
import { compactDate, isoTimestamp } from './calendar.js';
import { postMovement, postProductionScrap } from './finance.js';
import { promoOn } from './demand.js';
import { initialState, stepItemSite, type DayStep, type ItemSiteState, type Supply } from './inventory-policy.js';
import { inspectionsOn } from './production-quality.js';
import { STREAM, rngFor } from './prng.js';
import { emptyRecords, type MovementRecord, type RecordsByType } from './records.js';
import { orderLines } from './sales-orders.js';
import type { World } from './world.js';

export interface DayOutput {
  readonly day: number;
  /** Sales orders, inventory, movements, GL entries and inspections of the day. */
  readonly records: RecordsByType;
  readonly created: readonly Supply[];
  readonly arrived: readonly Supply[];
}

interface Transfer {
  readonly itemIndex: number;
  readonly from: number;
  readonly to: number;
  readonly qty: number;
}

/** Chance an item's stock is rebalanced between two sites on a day (a few times a year). */
const TRANSFER_CHANCE = 0.01;
/** A transfer moves this share of the source site's stock. */
const TRANSFER_SHARE = 0.15;

export class Simulation {
  readonly #states: ItemSiteState[][];
  readonly #supplies: Supply[] = [];
  #day = 0;

  constructor(readonly world: World) {
    this.#states = world.models.map((row) => row.map((model) => initialState(model)));
  }

  /** The next day `step()` simulates. */
  get day(): number {
    return this.#day;
  }

  /** Every purchase and work order created so far, in creation order. */
  get supplies(): readonly Supply[] {
    return this.#supplies;
  }

  state(itemIndex: number, siteIndex: number): Readonly<ItemSiteState> {
    return this.#state(itemIndex, siteIndex);
  }

  #state(itemIndex: number, siteIndex: number): ItemSiteState {
    const state = this.#states[itemIndex]?.[siteIndex];
    if (state === undefined) throw new RangeError(`no item ${itemIndex} at site ${siteIndex}`);
    return state;
  }

  step(): DayOutput {
    const day = this.#day;
    this.#day += 1;
    const { world } = this;
    const { catalog } = world;
    const epochDay = world.startEpoch + day;
    const records = emptyRecords();

    const steps: DayStep[][] = world.models.map((row, i) => row.map((model, s) => stepItemSite(model, this.#state(i, s), day)));
    const transfers = this.#transfers(day);
    const created = steps.flatMap((row) => row.flatMap((step) => step.created));
    const arrived = steps.flatMap((row) => row.flatMap((step) => step.receipts));
    this.#supplies.push(...created);

    for (const item of catalog.items) {
      for (const site of catalog.sites) {
        const step = steps[item.index]?.[site.index];
        if (step === undefined) continue;
        const prefix = `MV-${site.code}-${item.sku.slice(3)}-${compactDate(epochDay)}`;
        let n = 0;
        const move = (qty: number, type: MovementRecord['movement_type'], minute: number, reference?: string, receiptOf?: 'po' | 'wo'): void => {
          if (qty === 0) return;
          n += 1;
          const movement: MovementRecord = {
            movement_id: `${prefix}-${String(n).padStart(2, '0')}`,
            sku: item.sku,
            site: site.code,
            qty,
            movement_type: type,
            ts: isoTimestamp(epochDay, minute),
            ...(reference === undefined ? {} : { reference }),
          };
          records.inventory_movements.push(movement);
          records.gl_entries.push(...postMovement(movement, item, receiptOf));
        };
        step.receipts.forEach((supply, k) => {
          // Goods receipts from 07:00; production receipts when the shift closes the order at 16:30.
          move(supply.receivedQty, 'receipt', supply.kind === 'po' ? 420 + 10 * k : 990, supply.id, supply.kind);
          if (supply.kind === 'wo') records.gl_entries.push(...postProductionScrap(supply.id, supply.scrappedQty, item, site.code, isoTimestamp(epochDay, 990)));
        });
        move(-step.issued, 'issue', 900);
        step.adjustments.forEach((delta, k) => move(delta, 'adjustment', 1140 + k));
        step.scrapped.forEach((qty, k) => move(-qty, 'scrap', 1170 + k));
        for (const transfer of transfers) {
          if (transfer.itemIndex !== item.index) continue;
          const reference = `TR-${item.sku.slice(3)}-${compactDate(epochDay)}`;
          if (transfer.from === site.index) move(-transfer.qty, 'transfer', 1260, reference);
          if (transfer.to === site.index) move(transfer.qty, 'transfer', 1260, reference);
        }
        const state = this.state(item.index, site.index);
        const model = world.models[item.index]?.[site.index];
        records.inventory.push({
          sku: item.sku,
          site: site.code,
          on_hand: state.onHand,
          // Stock allocated to orders already in for tomorrow's shipment.
          reserved: Math.min(state.onHand, model?.series.at(day + 1) ?? 0),
          as_of: isoTimestamp(epochDay, 1439),
        });
      }
    }

    for (const site of catalog.sites) {
      const demands = catalog.items.map((item) => {
        const step = steps[item.index]?.[site.index];
        const key = world.models[item.index]?.[site.index]?.series.key;
        return { item, qty: step?.demand ?? 0, issued: step?.issued ?? 0, discount: key === undefined ? 0 : (promoOn(key, day)?.discount ?? 0) };
      });
      records.sales_orders.push(...orderLines(world.config.seed, site, catalog.customers[site.index] ?? [], day, epochDay, demands));
    }

    world.lines.forEach((line, lineIndex) => {
      const sku = this.#producing(line.line.siteIndex, line.line.itemIndices, line.line.id, day, arrived);
      if (sku !== undefined) records.inspections.push(...inspectionsOn(world.config.seed, line, lineIndex, day, epochDay, sku));
    });

    return { day, records, created, arrived };
  }

  /** The sku a line is producing: its oldest running work order, else its first product. */
  #producing(siteIndex: number, itemIndices: readonly number[], lineId: string, day: number, arrivedToday: readonly Supply[]): string | undefined {
    let oldest: Supply | undefined;
    const consider = (supply: Supply): void => {
      if (supply.kind !== 'wo' || supply.lineId !== lineId || supply.orderDay >= day || supply.arrivalDay < day) return;
      if (oldest === undefined || supply.orderDay < oldest.orderDay) oldest = supply;
    };
    for (const itemIndex of itemIndices) this.state(itemIndex, siteIndex).open.forEach(consider);
    arrivedToday.forEach(consider);
    const index = oldest?.itemIndex ?? itemIndices[0];
    return index === undefined ? undefined : this.world.catalog.items[index]?.sku;
  }

  #transfers(day: number): Transfer[] {
    const { catalog } = this.world;
    if (catalog.sites.length < 2) return [];
    const out: Transfer[] = [];
    for (const item of catalog.items) {
      if (item.index === this.world.stockout.itemIndex) continue;
      const rng = rngFor(this.world.config.seed, STREAM.TRANSFER, item.index, day);
      if (!rng.chance(TRANSFER_CHANCE)) continue;
      const from = rng.int(catalog.sites.length);
      const to = (from + 1 + rng.int(catalog.sites.length - 1)) % catalog.sites.length;
      const source = this.#state(item.index, from);
      const target = this.#state(item.index, to);
      const qty = Math.floor(TRANSFER_SHARE * source.onHand);
      // Only from a site with stock to spare above its reorder point.
      if (qty < 1 || source.onHand - qty <= source.policy.s) continue;
      source.onHand -= qty;
      target.onHand += qty;
      out.push({ itemIndex: item.index, from, to, qty });
    }
    return out;
  }
}
