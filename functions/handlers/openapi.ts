import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { DOCS_HTML } from '#http/docs-page.ts';
import type { HttpResult } from '#http/problem.ts';
import document from '../../openapi/openapi.json' with { type: 'json' };

/** Serialised once per container: the document is fixed at build time. */
const DOCUMENT_TEXT = JSON.stringify(document);

/**
 * `GET /openapi.json` and `GET /docs` (public): the generated contract (openapi/openapi.json,
 * written by `npm run openapi` from the wiring table and the route contracts) and a reference page
 * rendered from it. A plain handler on purpose: two fixed answers need no middleware, logger or
 * table, so the bundle is the document and the page (issue 13: every bundle ≤ 150 KB).
 */
export async function handler(event: Pick<APIGatewayProxyEventV2, 'routeKey'>): Promise<HttpResult> {
  const cache = { 'cache-control': 'max-age=300' };
  if (event.routeKey.endsWith('/docs')) {
    return {
      statusCode: 200,
      headers: { 'content-type': 'text/html; charset=utf-8', ...cache },
      body: DOCS_HTML,
    };
  }
  return { statusCode: 200, headers: { 'content-type': 'application/json', ...cache }, body: DOCUMENT_TEXT };
}
