/**
 * API-key administration (admin scope). An admin manages the keys of its own tenant; the
 * platform operator — an admin of tenant `default` — may also create keys for other tenants,
 * which is how a tenant comes to exist. Another tenant's key is a 404, never a 403, so ids do not
 * leak across tenants.
 */
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { FgcError } from '../errors.js';
import { DEFAULT_TENANT, SCOPES, type ApiKeys, type Principal } from '../auth/api-keys.js';

function principalOf(request: FastifyRequest): Principal {
  if (request.principal === undefined) throw new FgcError('FGC_AUTH_MISSING_KEY');
  return request.principal;
}

const keyRecordSchema = {
  type: 'object',
  properties: {
    tenant: { type: 'string' },
    key_id: { type: 'string' },
    name: { type: 'string' },
    scopes: { type: 'array', items: { type: 'string' } },
    created_at: { type: 'string' },
    revoked_at: { type: ['string', 'null'] },
  },
} as const;

function toBody(record: { tenant: string; keyId: string; name: string; scopes: readonly string[]; createdAt: string; revokedAt: string | null }): Record<string, unknown> {
  return { tenant: record.tenant, key_id: record.keyId, name: record.name, scopes: record.scopes, created_at: record.createdAt, revoked_at: record.revokedAt };
}

export const keyRoutes: FastifyPluginAsync<{ apiKeys: ApiKeys }> = async (app, { apiKeys }) => {
  app.post<{ Body: { tenant?: string; scopes: string[]; name?: string } }>(
    '/api/v1/keys',
    {
      config: { scope: 'admin' },
      schema: {
        tags: ['keys'],
        summary: 'Create an API key (the key is shown only in this response)',
        body: {
          type: 'object',
          required: ['scopes'],
          additionalProperties: false,
          properties: {
            tenant: { type: 'string', maxLength: 63 },
            scopes: { type: 'array', minItems: 1, maxItems: SCOPES.length, items: { type: 'string', enum: [...SCOPES] } },
            name: { type: 'string', maxLength: 200 },
          },
        },
        response: { 201: { type: 'object', properties: { key: { type: 'string' }, ...keyRecordSchema.properties } } },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const tenant = request.body.tenant ?? principal.tenant;
      if (tenant !== principal.tenant && principal.tenant !== DEFAULT_TENANT) {
        throw new FgcError('FGC_AUTH_FORBIDDEN', 'only an admin of tenant "default" creates keys for other tenants');
      }
      const { key, record } = await apiKeys.create({ tenant, scopes: request.body.scopes, name: request.body.name ?? '' });
      return reply.status(201).send({ key, ...toBody(record) });
    },
  );

  app.get('/api/v1/keys', { config: { scope: 'admin' }, schema: { tags: ['keys'], summary: "List the tenant's API keys", response: { 200: { type: 'object', properties: { keys: { type: 'array', items: keyRecordSchema } } } } } }, async (request) => {
    const records = await apiKeys.list(principalOf(request).tenant);
    return { keys: records.map(toBody) };
  });

  app.get<{ Params: { id: string } }>(
    '/api/v1/keys/:id',
    { config: { scope: 'admin' }, schema: { tags: ['keys'], summary: 'One API key of the tenant', params: { type: 'object', properties: { id: { type: 'string', maxLength: 64 } } }, response: { 200: keyRecordSchema } } },
    async (request) => {
      const record = await apiKeys.get(principalOf(request).tenant, request.params.id);
      if (record === null) throw new FgcError('FGC_KEYS_NOT_FOUND', `no key ${request.params.id}`);
      return toBody(record);
    },
  );

  app.delete<{ Params: { id: string } }>(
    '/api/v1/keys/:id',
    { config: { scope: 'admin' }, schema: { tags: ['keys'], summary: 'Revoke an API key of the tenant', params: { type: 'object', properties: { id: { type: 'string', maxLength: 64 } } } } },
    async (request, reply) => {
      const revoked = await apiKeys.revoke(principalOf(request).tenant, request.params.id);
      if (!revoked) throw new FgcError('FGC_KEYS_NOT_FOUND', `no key ${request.params.id}`);
      return reply.status(204).send();
    },
  );
};
