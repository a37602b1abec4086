/**
 * Silences: an alert matching every matcher of a silence active at `now` notifies nobody. Matchers
 * read the alert's fields (alert_id, fingerprint, type, severity, status, entity_id, site) and
 * then its labels; a name that is neither reads as ''. Operators: `=`, `!=`, `=~` (a regular
 * expression anchored at both ends, like Alertmanager's).
 *
 * Regexes come from users, so they are compiled defensively: bounded length, no backreferences,
 * no repeated group that itself repeats or alternates (the shapes of catastrophic backtracking),
 * at most a few unbounded quantifiers, and only short values are tested. A silence that would
 * fail these checks (stored before them, say) silences nothing rather than everything.
 */
import { FgcError } from '../../infra/errors.js';
import type { Alert, Silence } from '../alert-model.js';

export type SilenceMatcher = Silence['matchers'][number];

/** More matchers than this is a mistake, not a silence (Alertmanager UIs show a handful). */
export const MAX_MATCHERS = 32;
/** Longest matcher value or regex: an id list alternation fits; a pasted document does not. */
export const MAX_MATCHER_VALUE_LENGTH = 256;
/** Unbounded quantifiers (`*`, `+`, `{n,}`) per regex: `.*foo.*` needs two; each more multiplies worst-case backtracking by the value length. */
const MAX_UNBOUNDED_QUANTIFIERS = 3;
/** Values longer than this are never regex-tested (they do not match): entity ids and labels are short. */
const MAX_TESTED_LENGTH = 256;
/** Compiled regexes kept per process; cleared when full (silences are few, their patterns fewer). */
const REGEX_CACHE_LIMIT = 1_000;

const NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
const OPS: readonly string[] = ['=', '!=', '=~'];
const FIELDS = ['alert_id', 'fingerprint', 'type', 'severity', 'status', 'entity_id', 'site'] as const;

const cache = new Map<string, RegExp | string>();

/** The reason a pattern is refused, or undefined when it is acceptable. */
function regexProblem(pattern: string): string | undefined {
  if (pattern.length > MAX_MATCHER_VALUE_LENGTH) return `is longer than ${MAX_MATCHER_VALUE_LENGTH} characters`;
  const groups: { quantified: boolean; alternates: boolean }[] = [{ quantified: false, alternates: false }];
  let unbounded = 0;
  let lastClosed: { quantified: boolean; alternates: boolean } | undefined;
  for (let i = 0; i < pattern.length; i += 1) {
    const c = pattern[i];
    const top = groups[groups.length - 1]!;
    const closed = lastClosed;
    lastClosed = undefined;
    if (c === '\\') {
      const next = pattern[i + 1] ?? '';
      if (/[1-9]/.test(next) || next === 'k') return 'uses a backreference';
      i += 1;
    } else if (c === '[') {
      // Skip the character class: quantifier characters inside it are literals.
      for (i += 1; i < pattern.length && pattern[i] !== ']'; i += 1) if (pattern[i] === '\\') i += 1;
    } else if (c === '(') {
      groups.push({ quantified: false, alternates: false });
    } else if (c === ')') {
      if (groups.length > 1) {
        const inner = groups.pop()!;
        const parent = groups[groups.length - 1]!;
        parent.quantified ||= inner.quantified;
        lastClosed = inner;
      }
    } else if (c === '|') {
      top.alternates = true;
    } else if (c === '*' || c === '+' || c === '{') {
      const end = c === '{' ? pattern.indexOf('}', i) : i;
      const body = c === '{' ? pattern.slice(i + 1, end === -1 ? i + 1 : end) : '';
      const repeats = c !== '{' || /^\d*,\d*$/.test(body) || (/^\d+$/.test(body) && Number(body) > 1);
      if (c !== '{' || /^\d*,$/.test(body)) unbounded += 1;
      if (repeats && closed !== undefined && (closed.quantified || closed.alternates)) return 'repeats a group that itself repeats or alternates (catastrophic backtracking)';
      top.quantified = true;
      if (c === '{' && end !== -1) i = end;
    }
  }
  if (unbounded > MAX_UNBOUNDED_QUANTIFIERS) return `has more than ${MAX_UNBOUNDED_QUANTIFIERS} unbounded quantifiers`;
  return undefined;
}

/** The anchored regex of a `=~` matcher, or the reason it is refused. */
function compile(pattern: string): RegExp | string {
  const hit = cache.get(pattern);
  if (hit !== undefined) return hit;
  let result: RegExp | string;
  const problem = regexProblem(pattern);
  if (problem !== undefined) result = problem;
  else {
    try {
      result = new RegExp(`^(?:${pattern})$`, 'u');
    } catch (error) {
      result = `is not a valid regular expression (${error instanceof Error ? error.message : String(error)})`;
    }
  }
  if (cache.size >= REGEX_CACHE_LIMIT) cache.clear();
  cache.set(pattern, result);
  return result;
}

/** What is wrong with one matcher: which part, and why. */
function matcherProblem(m: SilenceMatcher): { readonly part: 'name' | 'op' | 'value' | ''; readonly message: string } | undefined {
  if (typeof m !== 'object' || m === null) return { part: '', message: 'must be an object {name, op, value}' };
  if (typeof m.name !== 'string' || !NAME.test(m.name)) return { part: 'name', message: 'must be a label name (letters, digits, underscore; up to 64 characters)' };
  if (!OPS.includes(m.op)) return { part: 'op', message: `must be one of ${OPS.join(' ')}` };
  if (typeof m.value !== 'string') return { part: 'value', message: 'must be a string' };
  if (m.value.length > MAX_MATCHER_VALUE_LENGTH) return { part: 'value', message: `is longer than ${MAX_MATCHER_VALUE_LENGTH} characters` };
  if (m.op === '=~') {
    const compiled = compile(m.value);
    if (typeof compiled === 'string') return { part: 'value', message: `regex ${compiled}` };
  }
  return undefined;
}

/** One problem of a silence's matchers, as an error body lists it. */
export type MatcherProblem = {
  /** `matchers`, or `matchers[i].name|op|value`. */
  readonly field: string;
  readonly message: string;
};

/**
 * Every problem of a silence's matchers (empty: valid). Like Alertmanager, at least one matcher
 * must not match the empty string, so no silence mutes every alert by accident (`site=~.*`).
 */
export function matcherProblems(matchers: readonly SilenceMatcher[]): MatcherProblem[] {
  const raw: unknown = matchers;
  if (!Array.isArray(raw) || matchers.length === 0) return [{ field: 'matchers', message: 'needs at least one matcher' }];
  if (matchers.length > MAX_MATCHERS) return [{ field: 'matchers', message: `has ${matchers.length} matchers; at most ${MAX_MATCHERS} are allowed` }];
  const problems: MatcherProblem[] = [];
  matchers.forEach((m, i) => {
    const problem = matcherProblem(m);
    if (problem === undefined) return;
    const name = typeof m === 'object' && m !== null && typeof m.name === 'string' ? ` (${m.name.slice(0, 64)})` : '';
    problems.push({ field: `matchers[${i}]${problem.part === '' ? '' : `.${problem.part}`}`, message: `matcher ${i}${name} ${problem.message}` });
  });
  if (problems.length === 0 && matchers.every((m) => matchesValue(m, ''))) {
    problems.push({ field: 'matchers', message: 'every matcher matches the empty string, so the silence would mute every alert; add one that names something (e.g. type=stale_source)' });
  }
  return problems;
}

/** Throws FGC_ALERT_INVALID_REQUEST naming each bad matcher (details: the problems), for callers that want one check. */
export function validateMatchers(matchers: readonly SilenceMatcher[]): void {
  const problems = matcherProblems(matchers);
  if (problems.length > 0) throw new FgcError('FGC_ALERT_INVALID_REQUEST', `invalid silence: ${problems.map((p) => p.message).join('; ')}`, { details: problems });
}

/** The value a matcher reads from an alert. */
export function matcherSubject(alert: Alert, name: string): string {
  if ((FIELDS as readonly string[]).includes(name)) return String(alert[name as (typeof FIELDS)[number]]);
  return Object.hasOwn(alert.labels, name) ? (alert.labels[name] ?? '') : '';
}

function matchesValue(m: SilenceMatcher, subject: string): boolean {
  if (m.op === '=') return subject === m.value;
  if (m.op === '!=') return subject !== m.value;
  const regex = compile(m.value);
  return typeof regex !== 'string' && subject.length <= MAX_TESTED_LENGTH && regex.test(subject);
}

/** Valid silences only: one stored before a check existed silences nothing rather than everything. */
function valid(matchers: readonly SilenceMatcher[]): boolean {
  return matcherProblems(matchers).length === 0;
}

/** Whether a silence of the alert's tenant, not deleted, active at `nowMs` ([starts_at, ends_at)), matches every label of it. */
export function isSilenced(alert: Alert, silences: readonly Silence[], nowMs: number): boolean {
  return silences.some(
    (s) =>
      !s.deleted &&
      s.tenant_id === alert.tenant_id &&
      Date.parse(s.starts_at) <= nowMs &&
      nowMs < Date.parse(s.ends_at) &&
      valid(s.matchers) &&
      s.matchers.every((m) => matchesValue(m, matcherSubject(alert, m.name))),
  );
}
