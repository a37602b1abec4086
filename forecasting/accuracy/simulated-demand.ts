/**
 * Deterministic simulated daily demand for the forecast speed bench: three years per series with
 * weekly and yearly seasonality, trend and noise; every fifth series intermittent (spare-part
 * like). A seeded generator keeps every run on identical data.
 */
import { mulberry32 } from '../../infra/seeded-random.js';

/** Three years of daily data. */
const DAYS = 3 * 365;
/** Share of intermittent series: spare parts are a large minority of SKUs. */
const INTERMITTENT_EVERY = 5;


function gaussian(r: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
}

export function simulateDailySeries(count: number, seed = 20240101): number[][] {
  const r = mulberry32(seed);
  const out: number[][] = [];
  for (let i = 0; i < count; i += 1) {
    if (i % INTERMITTENT_EVERY === INTERMITTENT_EVERY - 1) {
      const p = 0.05 + 0.3 * r();
      const size = 1 + 10 * r();
      out.push(Array.from({ length: DAYS }, () => (r() < p ? Math.max(1, Math.round(size * (0.5 + r()))) : 0)));
      continue;
    }
    const level = 50 + 500 * r();
    const trend = (r() - 0.5) * level * 0.0005;
    const weekly = Array.from({ length: 7 }, () => (r() - 0.5) * 0.4);
    const yearlyAmp = 0.3 * r();
    const phase = 2 * Math.PI * r();
    const noise = 0.05 + 0.15 * r();
    out.push(
      Array.from({ length: DAYS }, (_, t) => {
        const season = 1 + (weekly[t % 7] ?? 0) + yearlyAmp * Math.sin((2 * Math.PI * t) / 365.25 + phase);
        return Math.max(0, Math.round((level + trend * t) * season * (1 + noise * gaussian(r)) * 100) / 100);
      }),
    );
  }
  return out;
}
