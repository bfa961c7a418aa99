import { DOCS_HTML } from '#http/docs-page.ts';
import { httpHandler, httpRoute } from '#http/handler.ts';
import { jsonResult } from '#http/problem.ts';
import document from '../../openapi/openapi.json' with { type: 'json' };

/** Serialised once per container: the document is fixed at build time. */
const DOCUMENT_TEXT = JSON.stringify(document);

/**
 * `GET /openapi.json` and `GET /docs` (public): the generated contract (openapi/openapi.json,
 * written by `npm run openapi` from the wiring table and the route contracts) and a reference page
 * rendered from it. No dependencies and no table access: the bundle is the document and the page.
 */
export const makeOpenApiHandler = () =>
  httpRoute({
    deps: () => undefined,
    run: async (request) => {
      if (request.event.routeKey.endsWith('/docs')) {
        return {
          statusCode: 200,
          headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'max-age=300' },
          body: DOCS_HTML,
        };
      }
      return jsonResult(200, DOCUMENT_TEXT, { 'cache-control': 'max-age=300' });
    },
  });

export const handler = httpHandler(makeOpenApiHandler());
