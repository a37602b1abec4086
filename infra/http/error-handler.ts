/**
 * Maps every error to the body of SPEC.md — `{"error":{"code","message","details"}}` — and a
 * status. Forgecast's own errors carry their status; fastify's parsing errors are translated
 * (malformed JSON 400, too large 413, media type 415, schema validation 400); anything else is a
 * 500 that is logged with its stack but never echoed to the client.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { ERROR_CODES, FgcError, isFgcError, type ErrorCode, type ErrorDetail } from '../errors.js';

export interface ErrorBody {
  error: { code: ErrorCode; message: string; details: readonly ErrorDetail[]; request_id: string };
}

function fromFastifyError(error: FastifyError): FgcError | undefined {
  if (error.validation !== undefined) {
    const details = error.validation.map((v) => ({
      field: `${error.validationContext ?? 'body'}${v.instancePath.replaceAll('/', '.')}`,
      message: v.message ?? 'invalid',
    }));
    return new FgcError('FGC_HTTP_INVALID_REQUEST', error.message, { details });
  }
  switch (error.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new FgcError('FGC_HTTP_MALFORMED_JSON', error.message);
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new FgcError('FGC_HTTP_BODY_TOO_LARGE', error.message);
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new FgcError('FGC_HTTP_UNSUPPORTED_MEDIA_TYPE', error.message);
    default:
      break;
  }
  if (error instanceof SyntaxError) return new FgcError('FGC_HTTP_MALFORMED_JSON', error.message);
  if (error.statusCode === 413) return new FgcError('FGC_HTTP_BODY_TOO_LARGE', error.message);
  if (error.statusCode === 415) return new FgcError('FGC_HTTP_UNSUPPORTED_MEDIA_TYPE', error.message);
  if (error.statusCode === 429) return new FgcError('FGC_HTTP_RATE_LIMITED', error.message);
  if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) {
    return new FgcError('FGC_HTTP_INVALID_REQUEST', error.message);
  }
  return undefined;
}

export function errorBody(error: FgcError, requestId: string): ErrorBody {
  return { error: { code: error.code, message: error.message, details: error.details, request_id: requestId } };
}

export function handleError(error: FastifyError | FgcError | Error, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const known = isFgcError(error) ? error : fromFastifyError(error as FastifyError);
  if (known === undefined || known.status >= 500) {
    request.log.error({ err: error }, 'request failed');
  }
  const fgc = known ?? new FgcError('FGC_HTTP_INTERNAL', ERROR_CODES.FGC_HTTP_INTERNAL.message);
  if (fgc.code === 'FGC_HTTP_RATE_LIMITED' || fgc.status === 503) void reply.header('retry-after', '1');
  return reply.status(fgc.status).send(errorBody(fgc, request.id));
}
