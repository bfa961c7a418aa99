import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

/**
 * The generated OpenAPI document (openapi/openapi.json) as a checker: does this answer, of this
 * route, match what the document says the route answers? Used by every end-to-end test through
 * startTestRuntime (test/support/local.ts), so the document cannot drift from what the API does.
 */

type Json = Record<string, unknown>;

export const OPENAPI_DOCUMENT = JSON.parse(
  readFileSync(new URL('../../openapi/openapi.json', import.meta.url), 'utf8'),
) as Json & { paths: Record<string, Record<string, Json>>; components: { schemas: Record<string, Json> } };

const ajv = new Ajv2020({ strict: false, allErrors: true });
(addFormats as unknown as (ajv: Ajv2020) => void)(ajv);
ajv.addSchema({ $id: 'openapi', components: OPENAPI_DOCUMENT.components }, 'openapi');

const compiled = new Map<string, ReturnType<typeof ajv.compile>>();

/** A schema of the document, compiled once; its `$ref`s point into the document's components. */
export function validatorFor(schema: Json): ReturnType<typeof ajv.compile> {
  const key = JSON.stringify(schema);
  let validate = compiled.get(key);
  if (validate === undefined) {
    const rebased = JSON.parse(key.replaceAll('"#/components/', '"openapi#/components/')) as Json;
    validate = ajv.compile(rebased);
    compiled.set(key, validate);
  }
  return validate;
}

const mediaType = (contentType: string | undefined): string =>
  (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';

/** Why a response does not match the document, or undefined when it does. */
export function responseMismatch(
  routeKey: string,
  answer: { statusCode: number; headers?: Record<string, unknown>; body?: string },
): string | undefined {
  const [method = '', path = ''] = routeKey.split(' ');
  const operation = OPENAPI_DOCUMENT.paths[path]?.[method.toLowerCase()] as
    | { responses: Record<string, { content?: Record<string, { schema: Json }> }> }
    | undefined;
  if (operation === undefined) return `${routeKey} is not in the document`;
  const declared = operation.responses[String(answer.statusCode)] ?? operation.responses.default;
  if (declared === undefined) {
    return `${routeKey} answered ${answer.statusCode}, which the document does not list (${Object.keys(operation.responses).join(', ')})`;
  }
  if (declared.content === undefined) return undefined;
  const type = mediaType(answer.headers?.['content-type'] as string | undefined);
  const media = declared.content[type];
  if (media === undefined) {
    return `${routeKey} ${answer.statusCode} came as ${type}; the document says ${Object.keys(declared.content).join(', ')}`;
  }
  let body: unknown = answer.body ?? '';
  if (type.endsWith('json')) {
    try {
      body = JSON.parse(answer.body ?? '');
    } catch {
      return `${routeKey} ${answer.statusCode}: the body is not JSON`;
    }
  }
  const validate = validatorFor(media.schema);
  if (validate(body)) return undefined;
  return `${routeKey} ${answer.statusCode}: ${ajv.errorsText(validate.errors)} in ${String(answer.body).slice(0, 300)}`;
}
