/**
 * A streaming CSV reader (RFC 4180 plus what real ERP exports do), written here because no CSV
 * package is a dependency.
 *
 * - The first record is the header; each later record becomes an object keyed by it. Values stay
 *   strings: the ingestor's validation and mapping profile read numbers and dates (decimal commas,
 *   `YYYYMMDD`…). An empty cell means "no value" and is left out of the record, so an optional
 *   numeric column that is blank is not mistaken for an unreadable number.
 * - Delimiter: `,`, `;` or tab, whichever occurs most often outside quotes in the header record;
 *   a tie goes to the earlier of `,` `;` tab; a header without any of them is one column (`,`).
 * - Quoting: a field that starts with `"` is quoted; inside it the delimiter and line breaks are
 *   data and `""` is one quote. A quote inside an unquoted field is kept as text (`12" pipe`).
 *   Text after a closing quote (`"a"b`) rejects that line. A quote still open at the end of the
 *   file makes the file unparsable (everything after it would be one field).
 * - Line endings LF or CRLF (a lone CR is data); blank lines are skipped; the last record may
 *   lack a line break. Line numbers are physical lines of the file where a record starts, so a
 *   record with an embedded line break still points at its first line.
 * - A record with another number of fields than the header is rejected with its line number;
 *   reading goes on with the next record.
 *
 * The tokenizer is a small state machine fed string chunks; it keeps only the record in progress,
 * so memory stays flat however large the file (each record is capped at MAX_RECORD_CHARS).
 */
import { FgcError } from '../../infra/errors.js';
import { MAX_RECORD_CHARS, type ReadItem } from './read-item.js';

/** One raw record: its fields, its first physical line, and a problem that rejects it. */
export interface CsvRow {
  readonly line: number;
  readonly fields: readonly string[];
  readonly problem?: string;
}

export const CSV_DELIMITERS = [',', ';', '\t'] as const;
export type CsvDelimiter = (typeof CSV_DELIMITERS)[number];

const QUOTE = 0x22;
const LF = 0x0a;
const CR = 0x0d;

const FIELD_START = 0;
const UNQUOTED = 1;
const QUOTED = 2;
/** A quote was seen inside a quoted field: either the first of `""` or the closing one. */
const QUOTE_IN_QUOTED = 3;
type State = typeof FIELD_START | typeof UNQUOTED | typeof QUOTED | typeof QUOTE_IN_QUOTED;

export class CsvTokenizer {
  readonly #delimiter: number;
  #state: State = FIELD_START;
  #field = '';
  #fields: string[] = [];
  #recordChars = 0;
  #sawQuote = false;
  #problem: string | undefined;
  /** Physical line of the next character, and where the current record / open quote began. */
  #line = 1;
  #recordLine = 1;
  #quoteLine = 1;
  /** A trailing CR held back until the next chunk says whether LF follows. */
  #carry = '';
  #rows: CsvRow[] = [];

  constructor(delimiter: CsvDelimiter) {
    this.#delimiter = delimiter.charCodeAt(0);
  }

  /** Feeds the next chunk of text; returns the records it completed. */
  push(chunk: string): CsvRow[] {
    let text = this.#carry + chunk;
    this.#carry = '';
    if (text.endsWith('\r')) {
      this.#carry = '\r';
      text = text.slice(0, -1);
    }
    this.#scan(text);
    if (this.#recordChars + this.#field.length > MAX_RECORD_CHARS) {
      const why = this.#state === QUOTED ? `; the quote opened on line ${this.#quoteLine} may never be closed` : '';
      throw unparsable(this.#recordLine, `the record starting on line ${this.#recordLine} is longer than ${MAX_RECORD_CHARS} characters${why}`);
    }
    return this.#take();
  }

  /** Ends the input: completes the last record or reports a quote left open. */
  end(): CsvRow[] {
    // A CR at the very end of the file is a line ending without its LF, not data.
    this.#carry = '';
    switch (this.#state) {
      case QUOTED:
        throw unparsable(this.#quoteLine, `unterminated quoted field: the quote opened on line ${this.#quoteLine} is never closed`);
      case QUOTE_IN_QUOTED:
      case UNQUOTED:
        this.#endField();
        this.#endRecord();
        break;
      case FIELD_START:
        if (this.#fields.length > 0) {
          this.#endField();
          this.#endRecord();
        }
        break;
    }
    return this.#take();
  }

  #take(): CsvRow[] {
    const rows = this.#rows;
    this.#rows = [];
    return rows;
  }

  #scan(text: string): void {
    const delimiter = this.#delimiter;
    const n = text.length;
    let start = 0; // where the not yet copied part of the current field begins in `text`
    for (let i = 0; i < n; i++) {
      const c = text.charCodeAt(i);
      switch (this.#state) {
        case FIELD_START:
          if (c === QUOTE) {
            this.#state = QUOTED;
            this.#sawQuote = true;
            this.#quoteLine = this.#line;
            start = i + 1;
          } else if (c === delimiter) {
            this.#endField();
          } else if (c === LF || (c === CR && text.charCodeAt(i + 1) === LF)) {
            if (c === CR) i++;
            this.#endField();
            this.#endLine();
          } else {
            this.#state = UNQUOTED;
            start = i;
          }
          break;
        case UNQUOTED:
          if (c === delimiter) {
            this.#field += text.slice(start, i);
            this.#endField();
          } else if (c === LF || (c === CR && text.charCodeAt(i + 1) === LF)) {
            this.#field += text.slice(start, i);
            if (c === CR) i++;
            this.#endField();
            this.#endLine();
          }
          break;
        case QUOTED:
          if (c === QUOTE) {
            this.#field += text.slice(start, i);
            this.#state = QUOTE_IN_QUOTED;
          } else if (c === LF) {
            this.#line++;
          }
          break;
        case QUOTE_IN_QUOTED:
          if (c === QUOTE) {
            this.#field += '"';
            this.#state = QUOTED;
            start = i + 1;
          } else if (c === delimiter) {
            this.#endField();
          } else if (c === LF || (c === CR && text.charCodeAt(i + 1) === LF)) {
            if (c === CR) i++;
            this.#endField();
            this.#endLine();
          } else {
            this.#problem ??= `unexpected text after the closing quote of field ${this.#fields.length + 1}`;
            this.#state = UNQUOTED;
            start = i;
          }
          break;
      }
    }
    if (this.#state === UNQUOTED || this.#state === QUOTED) this.#field += text.slice(start);
  }

  #endField(): void {
    this.#recordChars += this.#field.length;
    this.#fields.push(this.#field);
    this.#field = '';
    this.#state = FIELD_START;
  }

  /** A line break outside quotes: the record ends and the next one starts on the next line. */
  #endLine(): void {
    this.#endRecord();
    this.#line++;
    this.#recordLine = this.#line;
  }

  #endRecord(): void {
    const fields = this.#fields;
    const blank = fields.length === 1 && !this.#sawQuote && fields[0]!.trim() === '';
    if (!blank) this.#rows.push(this.#problem === undefined ? { line: this.#recordLine, fields } : { line: this.#recordLine, fields, problem: this.#problem });
    this.#fields = [];
    this.#recordChars = 0;
    this.#sawQuote = false;
    this.#problem = undefined;
  }
}

/**
 * Finds the end of the header record in `text` and picks the delimiter: the candidate occurring
 * most often outside quotes; ties go to the earlier candidate in CSV_DELIMITERS, and a header
 * with none of them is one column (`,`). A quote opens a quoted name only at the start of the
 * text or right after a candidate, as in the tokenizer. Returns undefined while the header is not
 * complete yet (`final` false).
 */
export function scanHeader(text: string, final = false): { readonly end: number; readonly delimiter: CsvDelimiter } | undefined {
  const counts = new Map<number, number>(CSV_DELIMITERS.map((d) => [d.charCodeAt(0), 0]));
  let quoted = false;
  let fieldStart = true;
  let end = -1;
  for (let i = 0; i < text.length && end < 0; i++) {
    const c = text.charCodeAt(i);
    if (quoted) {
      if (c !== QUOTE) continue;
      if (i + 1 === text.length && !final) return undefined; // `"` or `""`? the next chunk decides
      if (text.charCodeAt(i + 1) === QUOTE) i++;
      else quoted = false;
    } else if (c === QUOTE && fieldStart) {
      quoted = true;
    } else if (c === LF) {
      end = i;
    } else {
      const count = counts.get(c);
      if (count !== undefined) counts.set(c, count + 1);
      fieldStart = count !== undefined;
    }
  }
  if (end < 0 && !final) return undefined;
  let delimiter: CsvDelimiter = ',';
  for (const d of CSV_DELIMITERS) if (counts.get(d.charCodeAt(0))! > counts.get(delimiter.charCodeAt(0))!) delimiter = d;
  return { end: end < 0 ? text.length : end, delimiter };
}

/** Reads decoded CSV text into records keyed by the header (see the module comment for the rules). */
export async function* readCsv(text: AsyncIterable<string>): AsyncGenerator<ReadItem> {
  let head = '';
  let tokenizer: CsvTokenizer | undefined;
  let columns: readonly string[] | undefined;

  function* rows(batch: readonly CsvRow[]): Generator<ReadItem> {
    for (const row of batch) {
      if (columns === undefined) {
        columns = headerColumns(row);
        continue;
      }
      if (row.problem !== undefined) {
        yield { kind: 'rejected', line: row.line, field: null, message: row.problem };
      } else if (row.fields.length !== columns.length) {
        yield { kind: 'rejected', line: row.line, field: null, message: `expected ${columns.length} fields (as in the header), found ${row.fields.length}` };
      } else {
        // fromEntries defines own properties, so even a column named `__proto__` stays a field.
        const entries: [string, string][] = [];
        row.fields.forEach((value, i) => {
          if (value !== '') entries.push([columns![i]!, value]);
        });
        yield { kind: 'record', line: row.line, record: Object.fromEntries(entries) };
      }
    }
  }

  for await (const chunk of text) {
    if (tokenizer === undefined) {
      // The delimiter is chosen on the complete header record, so buffer until it is complete.
      head += chunk;
      const header = scanHeader(head);
      if (header === undefined) {
        if (head.length > MAX_RECORD_CHARS) throw unparsable(1, `the header is longer than ${MAX_RECORD_CHARS} characters (an unterminated quote?)`);
        continue;
      }
      tokenizer = new CsvTokenizer(header.delimiter);
      yield* rows(tokenizer.push(head));
      head = '';
    } else {
      yield* rows(tokenizer.push(chunk));
    }
  }
  tokenizer ??= new CsvTokenizer(scanHeader(head, true)!.delimiter);
  if (head !== '') yield* rows(tokenizer.push(head));
  yield* rows(tokenizer.end());
  if (columns === undefined) throw unparsable(1, 'the file is empty: a CSV file needs a header row');
}

function headerColumns(row: CsvRow): readonly string[] {
  if (row.problem !== undefined) throw unparsable(row.line, `header: ${row.problem}`);
  const names = row.fields.map((f) => f.trim());
  const seen = new Set<string>();
  names.forEach((name, i) => {
    if (name === '') throw unparsable(row.line, `header column ${i + 1} has no name`);
    if (seen.has(name)) throw unparsable(row.line, `header column ${i + 1} repeats the name ${JSON.stringify(name)}`);
    seen.add(name);
  });
  return names;
}

function unparsable(line: number, problem: string): FgcError {
  const message = `line ${line}: ${problem}`;
  return new FgcError('FGC_FILEDROP_UNPARSABLE', message, { details: [{ line, field: null, message: problem }] });
}
