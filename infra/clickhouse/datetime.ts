/**
 * ClickHouse DateTime64(3, 'UTC') values travel as `YYYY-MM-DD hh:mm:ss.sss` text in JSONEachRow;
 * these two functions convert between that and epoch milliseconds / ISO 8601.
 */

/** Epoch milliseconds → ClickHouse DateTime64(3) text in UTC. */
export function toClickHouseDateTime(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').replace('Z', '');
}

/** ClickHouse DateTime64 text (UTC) → ISO 8601 with `Z`. */
export function fromClickHouseDateTime(text: string): string {
  return `${text.replace(' ', 'T')}${text.includes('.') ? '' : '.000'}Z`;
}
