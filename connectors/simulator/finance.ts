/**
 * General-ledger postings of stock movements, valued at standard cost in the item's currency:
 * two legs per posting (debit positive, credit negative, summing to zero), one cost center per
 * site. Goods receipts of purchase orders go to inventory against GR/IR (the accounts-payable
 * clearing account); production receipts against work in progress; issues to cost of goods sold;
 * scrap (stock write-offs and production scrap) to scrap expense; cycle-count corrections to
 * inventory differences. Transfers between sites move stock at the same standard cost within one
 * company and post nothing.
 */
import type { Item } from './catalog.js';
import type { GlEntryRecord, MovementRecord } from './records.js';
import { round2 } from './records.js';

export const ACCOUNTS = {
  INVENTORY: '1300',
  WORK_IN_PROGRESS: '1400',
  GR_IR: '2100',
  COGS: '5000',
  SCRAP: '5200',
  INVENTORY_DIFFERENCES: '5300',
} as const;

function legs(id: string, debit: string, credit: string, amount: number, item: Item, costCenter: string, postedAt: string): GlEntryRecord[] {
  const value = round2(amount);
  const base = { currency: item.currency, posted_at: postedAt, cost_center: costCenter, sku: item.sku };
  return [
    { entry_id: `${id}-1`, account: debit, amount: value, ...base },
    { entry_id: `${id}-2`, account: credit, amount: -value, ...base },
  ];
}

/** The postings of one movement; `receiptOf` says whether a receipt came from a purchase or a work order. */
export function postMovement(movement: MovementRecord, item: Item, receiptOf: 'po' | 'wo' | undefined): GlEntryRecord[] {
  const id = `GL-${movement.movement_id}`;
  const costCenter = `CC-${movement.site}`;
  const value = Math.abs(movement.qty) * item.standardCost;
  if (value === 0) return [];
  switch (movement.movement_type) {
    case 'receipt':
      return legs(id, ACCOUNTS.INVENTORY, receiptOf === 'wo' ? ACCOUNTS.WORK_IN_PROGRESS : ACCOUNTS.GR_IR, value, item, costCenter, movement.ts);
    case 'issue':
      return legs(id, ACCOUNTS.COGS, ACCOUNTS.INVENTORY, value, item, costCenter, movement.ts);
    case 'scrap':
      return legs(id, ACCOUNTS.SCRAP, ACCOUNTS.INVENTORY, value, item, costCenter, movement.ts);
    case 'adjustment':
      return movement.qty > 0
        ? legs(id, ACCOUNTS.INVENTORY, ACCOUNTS.INVENTORY_DIFFERENCES, value, item, costCenter, movement.ts)
        : legs(id, ACCOUNTS.INVENTORY_DIFFERENCES, ACCOUNTS.INVENTORY, value, item, costCenter, movement.ts);
    case 'transfer':
      return [];
  }
}

/** Production scrap of a completed work order: scrap expense against work in progress. */
export function postProductionScrap(woId: string, scrapped: number, item: Item, siteCode: string, postedAt: string): GlEntryRecord[] {
  if (scrapped <= 0) return [];
  return legs(`GL-${woId}-SCRAP`, ACCOUNTS.SCRAP, ACCOUNTS.WORK_IN_PROGRESS, scrapped * item.standardCost, item, `CC-${siteCode}`, postedAt);
}
