/**
 * What Forgecast adds to fastify's types: the authenticated principal on each request, and the
 * per-route `config` that declares who may call it. Every route under /api/ declares either a
 * `scope` or `public: true`; server.ts refuses to start otherwise, so no route is open by mistake.
 */
import type { Principal, Scope } from '../auth/api-keys.js';

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | undefined;
  }
  interface FastifyContextConfig {
    /** The scope a key needs for this route (`admin` implies every scope). */
    scope?: Scope;
    /** Reachable without a key (health, readiness, metrics, docs). */
    public?: boolean;
  }
}

export {};
