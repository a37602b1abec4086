/**
 * The batch envelope (SPEC.md, POST /api/v1/ingest): everything around the records. An invalid
 * envelope rejects the whole batch before anything is stored (FGC_INGEST_INVALID_ENVELOPE, 400,
 * every problem listed in `details` with its field), because without a valid source, reference,
 * profile and record-type arrays there is nothing to attribute records to. Problems inside
 * records are not envelope problems: they are reported per record.
 */
import { FgcError, type ErrorDetail } from '../../infra/errors.js';
import { RECORD_TYPES, isRecordType, type RecordType } from '../../schemas/topics.js';
import type { MappingProfile } from '../mapping/mapping-profile.js';
import { DEFAULT_PROFILE, type MappingProfiles } from '../mapping/profile-loader.js';
import { kindOf, preview } from './decimal-text.js';
import { SOURCE_TYPES, type IngestRequest, type SourceType } from './ingestor.js';
import { isWellFormedText } from './unicode-text.js';

/** Longest source_id / batch_reference: ids, not documents; they are part of keys and rows. */
export const MAX_REFERENCE_CHARS = 200;

/** A checked envelope: what the ingestor works with. */
export interface Envelope {
  readonly tenant: string;
  readonly sourceType: SourceType;
  readonly sourceId: string;
  readonly batchReference: string;
  readonly profile: MappingProfile;
  /** The record arrays present, in RECORD_TYPES order. */
  readonly records: readonly (readonly [RecordType, readonly unknown[]])[];
  /** Records over all types. */
  readonly total: number;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function checkReference(value: unknown, field: string, problems: ErrorDetail[]): string {
  if (typeof value !== 'string') {
    problems.push({ field, message: `${field} is required: a non-empty string (got ${kindOf(value)})` });
    return '';
  }
  if (value.trim() === '') problems.push({ field, message: `${field} must not be empty` });
  else if (value.length > MAX_REFERENCE_CHARS) problems.push({ field, message: `${field} must be at most ${MAX_REFERENCE_CHARS} characters (got ${value.length})` });
  else if (!isWellFormedText(value)) problems.push({ field, message: `${field} contains an unpaired UTF-16 surrogate, which is not valid Unicode` });
  return value;
}

/** Checks the envelope; FGC_INGEST_INVALID_ENVELOPE listing every problem when it is not valid. */
export function validateEnvelope(request: IngestRequest, profiles: MappingProfiles): Envelope {
  const problems: ErrorDetail[] = [];
  if (!isObject(request)) throw new FgcError('FGC_INGEST_INVALID_ENVELOPE', `the batch must be a JSON object, got ${kindOf(request)}`, { details: [{ field: null, message: 'expected an object' }] });

  if (typeof request.tenant !== 'string' || request.tenant === '') problems.push({ field: 'tenant', message: 'the tenant of the caller is missing' });
  const sourceType = request.source_type;
  if (typeof sourceType !== 'string' || !(SOURCE_TYPES as readonly string[]).includes(sourceType)) {
    const got = typeof sourceType === 'string' ? `"${preview(sourceType)}"` : kindOf(sourceType);
    problems.push({ field: 'source_type', message: `source_type must be one of ${SOURCE_TYPES.join(', ')} (got ${got})` });
  }
  const sourceId = checkReference(request.source_id, 'source_id', problems);
  const batchReference = checkReference(request.batch_reference, 'batch_reference', problems);

  const mappingName = request.mapping ?? DEFAULT_PROFILE;
  let profile: MappingProfile | undefined;
  if (typeof mappingName !== 'string') {
    problems.push({ field: 'mapping', message: `mapping must be the name of a profile (${profiles.names().join(', ')}), got ${kindOf(mappingName)}` });
  } else {
    profile = profiles.get(mappingName);
    if (profile === undefined) problems.push({ field: 'mapping', message: `unknown mapping profile "${preview(mappingName)}" (known: ${profiles.names().join(', ')})` });
  }

  const records: [RecordType, readonly unknown[]][] = [];
  let total = 0;
  const data = request.data as unknown;
  if (!isObject(data)) {
    problems.push({ field: 'data', message: `data must be an object of record type → array of records, got ${kindOf(data)}` });
  } else {
    for (const key of Object.keys(data)) {
      if (!isRecordType(key)) problems.push({ field: `data.${preview(key)}`, message: `unknown record type "${preview(key)}" (known: ${RECORD_TYPES.join(', ')})` });
      else if (!Array.isArray(data[key])) problems.push({ field: `data.${key}`, message: `data.${key} must be an array of records, got ${kindOf(data[key])}` });
    }
    for (const type of RECORD_TYPES) {
      const list = Object.hasOwn(data, type) ? data[type] : undefined;
      if (Array.isArray(list)) {
        records.push([type, list]);
        total += list.length;
      }
    }
    if (total === 0 && problems.length === 0) problems.push({ field: 'data', message: 'data holds no records' });
  }

  if (problems.length > 0 || profile === undefined) {
    const summary = problems.map((p) => String(p.message)).join('; ');
    throw new FgcError('FGC_INGEST_INVALID_ENVELOPE', `invalid batch envelope: ${summary}`, { details: problems });
  }
  return { tenant: request.tenant, sourceType: sourceType as SourceType, sourceId, batchReference, profile, records, total };
}
