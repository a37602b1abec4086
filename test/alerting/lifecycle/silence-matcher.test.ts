import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Alert, Silence } from '../../../alerting/alert-model.js';
import { applyObservations, DEFAULT_LIFECYCLE_CONFIG } from '../../../alerting/lifecycle/alert-lifecycle.js';
import { isSilenced, matcherProblems, matcherSubject, validateMatchers, type SilenceMatcher } from '../../../alerting/lifecycle/silence-matcher.js';
import { FgcError } from '../../../infra/errors.js';
import { HOUR, T0, observation } from './lifecycle-harness.js';

const alert: Alert = applyObservations(
  new Map(),
  [observation('breach', { type: 'stockout_risk', fingerprint: 'fp-s', entity_id: 'FG-10003', site: 'MUC', severity: 'critical', labels: { sku: 'FG-10003', site: 'MUC', supplier_id: 'SUP-01' } })],
  T0,
  DEFAULT_LIFECYCLE_CONFIG,
  () => 'alert-1',
).changed[0]!;

function silence(matchers: SilenceMatcher[], overrides: Partial<Silence> = {}): Silence {
  return {
    silence_id: 's-1',
    tenant_id: 'acme',
    matchers,
    starts_at: new Date(T0 - HOUR).toISOString(),
    ends_at: new Date(T0 + HOUR).toISOString(),
    created_by: 'u-1',
    comment: 'maintenance',
    created_at: new Date(T0 - HOUR).toISOString(),
    deleted: false,
    ...overrides,
  };
}

const m = (name: string, op: SilenceMatcher['op'], value: string): SilenceMatcher => ({ name, op, value });

describe('isSilenced', () => {
  it('matches alert fields and labels with =, != and anchored =~', () => {
    expect(isSilenced(alert, [silence([m('type', '=', 'stockout_risk')])], T0)).toBe(true);
    expect(isSilenced(alert, [silence([m('site', '=', 'MUC'), m('severity', '!=', 'info')])], T0)).toBe(true);
    expect(isSilenced(alert, [silence([m('site', '=', 'MUC'), m('severity', '!=', 'critical')])], T0)).toBe(false);
    expect(isSilenced(alert, [silence([m('supplier_id', '=', 'SUP-01')])], T0)).toBe(true);
    expect(isSilenced(alert, [silence([m('entity_id', '=~', 'FG-1.*')])], T0)).toBe(true);
    // Anchored: a prefix alone does not match.
    expect(isSilenced(alert, [silence([m('entity_id', '=~', 'FG-1')])], T0)).toBe(false);
    expect(isSilenced(alert, [silence([m('entity_id', '=~', 'FG-10003|FG-2')])], T0)).toBe(true);
    expect(isSilenced(alert, [silence([m('site', '=~', 'muc')])], T0)).toBe(false);
  });

  it('reads a missing label as empty', () => {
    expect(matcherSubject(alert, 'line')).toBe('');
    expect(matcherSubject(alert, 'toString')).toBe('');
    expect(isSilenced(alert, [silence([m('type', '=', 'stockout_risk'), m('line', '=', '')])], T0)).toBe(true);
    expect(isSilenced(alert, [silence([m('line', '=', 'L3')])], T0)).toBe(false);
  });

  it('applies only inside [starts_at, ends_at), for the same tenant, when not deleted', () => {
    const s = silence([m('type', '=', 'stockout_risk')], { starts_at: new Date(T0).toISOString(), ends_at: new Date(T0 + HOUR).toISOString() });
    expect(isSilenced(alert, [s], T0 - 1)).toBe(false);
    expect(isSilenced(alert, [s], T0)).toBe(true);
    expect(isSilenced(alert, [s], T0 + HOUR - 1)).toBe(true);
    expect(isSilenced(alert, [s], T0 + HOUR)).toBe(false);
    expect(isSilenced(alert, [{ ...s, tenant_id: 'other' }], T0)).toBe(false);
    expect(isSilenced(alert, [{ ...s, deleted: true }], T0)).toBe(false);
    expect(isSilenced(alert, [], T0)).toBe(false);
    expect(isSilenced(alert, [{ ...s, deleted: true }, { ...s, silence_id: 's-2' }], T0)).toBe(true);
  });

  it('lets an invalid stored silence silence nothing rather than everything', () => {
    expect(isSilenced(alert, [silence([])], T0)).toBe(false);
    expect(isSilenced(alert, [silence([m('site', '=~', '.*')])], T0)).toBe(false);
    expect(isSilenced(alert, [silence([m('site', '=~', '(M+)+')])], T0)).toBe(false);
  });

  it('does not hang on an adversarial value against an accepted pattern', () => {
    const long = { ...alert, entity_id: `${'a'.repeat(5_000)}!` };
    const started = Date.now();
    expect(isSilenced(long, [silence([m('entity_id', '=~', 'a*a*a*')])], T0)).toBe(false);
    expect(Date.now() - started).toBeLessThan(1_000);
  });
});

describe('validateMatchers', () => {
  it('accepts ordinary silences', () => {
    expect(() => validateMatchers([m('type', '=', 'stale_source')])).not.toThrow();
    expect(() => validateMatchers([m('site', '=~', 'MUC|BER'), m('severity', '!=', 'critical')])).not.toThrow();
    expect(() => validateMatchers([m('entity_id', '=~', 'FG-[0-9]{3,5}'), m('sku', '=~', '.*-Ø8')])).not.toThrow();
  });

  it('names the bad matcher and why, with FGC_ALERT_INVALID_REQUEST', () => {
    const cases: [SilenceMatcher[], string, RegExp][] = [
      [[], 'matchers', /needs at least one matcher/],
      [[m('type', '=', 'x'), m('bad name', '=', 'x')], 'matchers[1].name', /matcher 1 \(bad name\) must be a label name/],
      [[{ name: 'site', op: '~' as SilenceMatcher['op'], value: 'x' }], 'matchers[0].op', /matcher 0 \(site\) must be one of = != =~/],
      [[m('site', '=~', '(MUC')], 'matchers[0].value', /matcher 0 \(site\) regex is not a valid regular expression/],
      [[m('site', '=~', '(a+)+b')], 'matchers[0].value', /repeats a group that itself repeats or alternates/],
      [[m('site', '=~', '(a|aa)*')], 'matchers[0].value', /repeats a group/],
      [[m('site', '=~', '(?:x+){2,}')], 'matchers[0].value', /repeats a group/],
      [[m('site', '=~', '(a)\\1')], 'matchers[0].value', /backreference/],
      [[m('site', '=~', 'a*b*c*d*')], 'matchers[0].value', /more than 3 unbounded quantifiers/],
      [[m('site', '=', 'x'.repeat(257))], 'matchers[0].value', /longer than 256 characters/],
      [[m('site', '=~', '.*'), m('line', '=', '')], 'matchers', /every matcher matches the empty string/],
      [Array.from({ length: 33 }, () => m('site', '=', 'MUC')), 'matchers', /at most 32/],
      [[null as unknown as SilenceMatcher], 'matchers[0]', /must be an object/],
    ];
    for (const [matchers, field, pattern] of cases) {
      let thrown: unknown;
      try {
        validateMatchers(matchers);
      } catch (error) {
        thrown = error;
      }
      expect(thrown, pattern.source).toBeInstanceOf(FgcError);
      const error = thrown as FgcError;
      expect(error.code).toBe('FGC_ALERT_INVALID_REQUEST');
      expect(error.message, pattern.source).toMatch(pattern);
      expect(error.details.map((d) => d['field'])).toContain(field);
    }
  });

  it('lists every problem for the HTTP layer', () => {
    const problems = matcherProblems([m('site', '=~', '(x'), m('9', '=', 'y')]);
    expect(problems.map((p) => p.field)).toEqual(['matchers[0].value', 'matchers[1].name']);
  });

  it('accepts or refuses any pattern without throwing anything else, and compiled patterns are anchored', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), fc.string({ maxLength: 20 }), (pattern, subject) => {
        const problems = matcherProblems([m('type', '=', 'stockout_risk'), m('entity_id', '=~', pattern)]);
        if (problems.length > 0) return;
        const silenced = isSilenced({ ...alert, entity_id: subject }, [silence([m('type', '=', 'stockout_risk'), m('entity_id', '=~', pattern)])], T0);
        expect(silenced).toBe(new RegExp(`^(?:${pattern})$`, 'u').test(subject));
      }),
      { numRuns: 500 },
    );
  });
});
