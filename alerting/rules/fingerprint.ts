/**
 * The identity of an alert condition. The lifecycle keys open alerts by fingerprint, so the same
 * condition seen on every evaluation updates one alert instead of raising a new one each time.
 */
import { createHash } from 'node:crypto';
import type { AlertType } from '../alert-model.js';

/**
 * 16 hex digits (64 bits) of SHA-256: short enough for URLs and logs; a collision among even a
 * million open conditions has a probability around 3·10⁻⁸.
 */
const FINGERPRINT_HEX_DIGITS = 16;

/**
 * Stable short hash of tenant | type | entity | site (plus optional qualifiers, e.g. the period of
 * a demand forecast, when one entity has several independent conditions of one type). The parts
 * are hashed as a JSON array, so `a|b` + `c` and `a` + `b|c` never collide.
 */
export function fingerprintOf(tenantId: string, type: AlertType, entityId: string, site: string, ...qualifiers: readonly string[]): string {
  return createHash('sha256')
    .update(JSON.stringify([tenantId, type, entityId, site, ...qualifiers]))
    .digest('hex')
    .slice(0, FINGERPRINT_HEX_DIGITS);
}
