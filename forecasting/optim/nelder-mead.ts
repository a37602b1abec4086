/**
 * Nelder–Mead simplex minimisation (standard coefficients: reflection 1, expansion 2,
 * contraction ½, shrink ½). Small and allocation-light because ETS fitting calls it for every
 * candidate model of every series. Constraints are handled by the caller (transform the
 * parameters or return Infinity outside the feasible set).
 */

export interface NelderMeadOptions {
  /** Initial step per coordinate. */
  readonly step: readonly number[];
  /** Stop after this many function evaluations. */
  readonly maxEvaluations: number;
  /** Stop when the simplex's function values differ by less than this (relative). */
  readonly tolerance: number;
}

export interface NelderMeadResult {
  readonly x: number[];
  readonly value: number;
  readonly evaluations: number;
}

export function nelderMead(f: (x: readonly number[]) => number, x0: readonly number[], options: NelderMeadOptions): NelderMeadResult {
  const d = x0.length;
  const safe = (x: readonly number[]): number => {
    const v = f(x);
    return Number.isNaN(v) ? Number.POSITIVE_INFINITY : v;
  };
  const simplex: number[][] = [[...x0]];
  for (let i = 0; i < d; i += 1) {
    const p = [...x0];
    p[i] = (p[i] ?? 0) + (options.step[i] ?? 0.1);
    simplex.push(p);
  }
  const values = simplex.map(safe);
  let evaluations = simplex.length;
  const order = Array.from({ length: d + 1 }, (_, i) => i);
  const point = (i: number): number[] => simplex[i] ?? [];
  const value = (i: number): number => values[i] ?? Number.POSITIVE_INFINITY;
  const along = (centroid: readonly number[], worst: readonly number[], t: number): number[] =>
    centroid.map((c, j) => c + t * (c - (worst[j] ?? 0)));

  while (evaluations < options.maxEvaluations) {
    order.sort((a, b) => value(a) - value(b));
    const best = order[0] ?? 0;
    const worstIndex = order[d] ?? 0;
    const secondWorst = order[d - 1] ?? 0;
    const fBest = value(best);
    const fWorst = value(worstIndex);
    if (Number.isFinite(fWorst) && Math.abs(fWorst - fBest) <= options.tolerance * (Math.abs(fBest) + options.tolerance)) break;
    const centroid = new Array<number>(d).fill(0);
    for (let k = 0; k < d; k += 1) {
      const p = point(order[k] ?? 0);
      for (let j = 0; j < d; j += 1) centroid[j] = (centroid[j] ?? 0) + (p[j] ?? 0) / d;
    }
    const worst = point(worstIndex);
    const reflected = along(centroid, worst, 1);
    const fR = safe(reflected);
    evaluations += 1;
    if (fR < fBest) {
      const expanded = along(centroid, worst, 2);
      const fE = safe(expanded);
      evaluations += 1;
      if (fE < fR) {
        simplex[worstIndex] = expanded;
        values[worstIndex] = fE;
      } else {
        simplex[worstIndex] = reflected;
        values[worstIndex] = fR;
      }
      continue;
    }
    if (fR < value(secondWorst)) {
      simplex[worstIndex] = reflected;
      values[worstIndex] = fR;
      continue;
    }
    const outside = fR < fWorst;
    const contracted = along(centroid, worst, outside ? 0.5 : -0.5);
    const fC = safe(contracted);
    evaluations += 1;
    if (fC < (outside ? fR : fWorst)) {
      simplex[worstIndex] = contracted;
      values[worstIndex] = fC;
      continue;
    }
    const b = point(best);
    for (const i of order.slice(1)) {
      const p = point(i).map((v, j) => (b[j] ?? 0) + 0.5 * (v - (b[j] ?? 0)));
      simplex[i] = p;
      values[i] = safe(p);
      evaluations += 1;
    }
  }
  let bestIndex = 0;
  for (let i = 1; i <= d; i += 1) if (value(i) < value(bestIndex)) bestIndex = i;
  return { x: point(bestIndex), value: value(bestIndex), evaluations };
}
