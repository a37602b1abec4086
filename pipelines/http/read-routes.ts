/**
 * The unified-data read API (scope `read`): canonical items, stock, and per-source statistics.
 * One encapsulated fastify plugin over the analytics-store port; every answer is scoped to the
 * caller's tenant, and another tenant's sku is a 404 exactly like an unknown one.
 */
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { AnalyticsStore } from '../../infra/clickhouse/analytics-store.js';
import { FgcError } from '../../infra/errors.js';
import '../../infra/http/fastify-types.js';
import { inventoryOf } from '../read-model/inventory-queries.js';
import { getItem, searchItems } from '../read-model/item-queries.js';
import { sourceStats } from '../read-model/source-stats.js';
import { DEFAULT_ITEMS_PAGE, getItemSchema, inventorySchema, listItemsSchema, sourcesSchema } from './read-route-schemas.js';

export interface ReadRoutesOptions {
  readonly store: AnalyticsStore;
  /** Clock for the default inventory range, injectable for tests. */
  readonly now?: () => number;
}

function tenantOf(request: FastifyRequest): string {
  if (request.principal === undefined) throw new FgcError('FGC_AUTH_MISSING_KEY');
  return request.principal.tenant;
}

export const readRoutes: FastifyPluginAsync<ReadRoutesOptions> = async (app, { store, now = Date.now }) => {
  app.get<{ Params: { sku: string } }>('/api/v1/items/:sku', { config: { scope: 'read' }, schema: getItemSchema }, async (request) => {
    const item = await getItem(store, tenantOf(request), request.params.sku);
    if (item === null) throw new FgcError('FGC_DATA_NOT_FOUND', `no item ${request.params.sku}`);
    return item;
  });

  app.get<{ Querystring: { q?: string; family?: string; abc_class?: string; limit?: number; cursor?: string } }>(
    '/api/v1/items',
    { config: { scope: 'read' }, schema: listItemsSchema },
    async (request) => {
      const { q, family, abc_class, limit, cursor } = request.query;
      return searchItems(store, tenantOf(request), { q, family, abc_class, limit: limit ?? DEFAULT_ITEMS_PAGE, cursor });
    },
  );

  app.get<{ Params: { sku: string }; Querystring: { site?: string; from?: string; to?: string } }>(
    '/api/v1/inventory/:sku',
    { config: { scope: 'read' }, schema: inventorySchema },
    async (request) => {
      const view = await inventoryOf(store, tenantOf(request), request.params.sku, request.query, now());
      if (view === null) throw new FgcError('FGC_DATA_NOT_FOUND', `no item or stock ${request.params.sku}`);
      return view;
    },
  );

  app.get('/api/v1/sources', { config: { scope: 'read' }, schema: sourcesSchema }, async (request) => ({ sources: await sourceStats(store, tenantOf(request)) }));
};
