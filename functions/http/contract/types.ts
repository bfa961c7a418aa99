import type * as z from 'zod';
import type { ZodMiniType } from 'zod/mini';

/**
 * What a route's code takes and answers, as zod schemas: the OpenAPI document (document.ts) is
 * generated from these and the wiring table, never kept by hand. Request bodies are the very
 * schemas the handlers parse with; response schemas describe the JSON the handlers write, and
 * every response the end-to-end tests receive is checked against them (test/support/contract.ts).
 */
export interface RouteContract {
  summary: string;
  /** When the generated one (document.ts operationId) would name two routes alike. */
  operationId?: string;
  /** Markdown: what the route does that the summary cannot say. */
  description?: string;
  /** Groups routes on the reference page (`/docs`). */
  tag: string;
  body?: {
    /** Either zod API: the hot-path bodies are zod/mini schemas (lean bundles), the rest classic. */
    schema: z.ZodType | ZodMiniType;
    /** @default ['application/json'] */
    contentTypes?: readonly string[];
    /** @default true */
    required?: boolean;
    /** README examples live in README.md and docs/api.md themselves; this one is shown on the reference page. */
    example?: unknown;
  };
  /** Query parameters: each a zod schema of the string the route reads, with what it means. */
  query?: Readonly<Record<string, { schema: z.ZodType; description: string }>>;
  /** Whether the route takes an `Idempotency-Key` header, and whether it must. */
  idempotencyKey?: 'optional' | 'required';
  /** Answers other than problems, by status. */
  responses: Readonly<Record<number, ResponseContract>>;
  /** Problem codes (problem-types.ts) this route answers beyond the ones every route may. */
  problems?: readonly string[];
}

export interface ResponseContract {
  description: string;
  schema: z.ZodType;
  /** @default 'application/json' */
  contentType?: string;
  /** Response headers worth naming, with what they mean. */
  headers?: Readonly<Record<string, string>>;
}

/** `METHOD /path` exactly as the wiring table writes it, e.g. `GET /details/{wallet_id}`. */
export type RouteKey = `${'GET' | 'POST' | 'PUT' | 'DELETE'} /${string}`;
