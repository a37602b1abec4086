/**
 * Number and place wording shared by the rules' titles, messages and recommendations, so every
 * alert reads the same way: "62%", "340 units", "FG-10003 at MUC", "14 days".
 */

/** A quantity as people write it: whole numbers plain, fractions to two decimals without trailing zeros. */
export function quantity(value: number): string {
  if (Number.isInteger(value)) return String(value);
  return String(Number(value.toFixed(2)));
}

/** A share as a percentage: whole percent from 10 %, one decimal from 1 %, two below (defect rates are small). */
export function percent(share: number): string {
  const p = share * 100;
  const digits = Math.abs(p) >= 10 ? 0 : Math.abs(p) >= 1 ? 1 : 2;
  return `${String(Number(p.toFixed(digits)))}%`;
}

/** "FG-10003 at MUC", or just the entity when it is not site-specific. */
export function entityAt(entity: string, site: string): string {
  return site === '' ? entity : `${entity} at ${site}`;
}

/** " for MUC" or nothing. */
export function forSite(site: string): string {
  return site === '' ? '' : ` for ${site}`;
}

/** "1 day", "14 days". */
export function days(n: number): string {
  const q = quantity(n);
  return `${q} ${q === '1' ? 'day' : 'days'}`;
}
