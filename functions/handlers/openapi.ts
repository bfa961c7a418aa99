import { brotliDecompressSync } from 'node:zlib';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { DOCS_HTML } from '#http/docs-page.ts';
import type { HttpResult } from '#http/problem.ts';
import { OPENAPI_JSON_BROTLI_BASE64 } from '../../openapi/document-brotli.ts';

/**
 * Decompressed once per container (about 1 ms): the document is fixed at build time. The bundle
 * carries it brotli-compressed (`npm run openapi` writes openapi/document-brotli.ts beside
 * openapi.json, and its check fails when the two differ): 17 KB instead of the 185 KB the JSON
 * took as a module, for the same compact text, byte for byte.
 */
const DOCUMENT_TEXT = brotliDecompressSync(Buffer.from(OPENAPI_JSON_BROTLI_BASE64, 'base64')).toString(
  'utf8',
);

/**
 * `GET /openapi.json` and `GET /docs` (public): the generated contract (openapi/openapi.json,
 * written by `npm run openapi` from the wiring table and the route contracts) and a reference page
 * rendered from it. A plain handler on purpose: two fixed answers need no middleware, logger or
 * table, so the bundle is the compressed document and the page (issue 13: every bundle ≤ 150 KB).
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
