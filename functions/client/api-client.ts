import createClient, { type Client } from 'openapi-fetch';
import type { components, paths } from './api-types.ts';

/**
 * Tally's typed HTTP client: openapi-fetch over the types openapi-typescript generates from
 * openapi/openapi.json (`npm run openapi`), so a call that does not match the contract (a wrong
 * path, a missing field, a misread answer) fails to type-check rather than at run time.
 *
 *   const tally = tallyClient('http://localhost:8080', { token });
 *   const { data, error } = await tally.GET('/details/{wallet_id}', { params: { path: { wallet_id: 'w1' } } });
 *
 * `error` is the RFC 9457 problem when the answer is one.
 */
export type TallyClient = Client<paths>;
export type Problem = components['schemas']['Problem'];

export interface TallyClientOptions {
  /** A bearer token (`npx tally token`, or your issuer's). */
  token?: string;
  /** @default globalThis.fetch */
  fetch?: typeof fetch;
}

export function tallyClient(baseUrl: string, options: TallyClientOptions = {}): TallyClient {
  return createClient<paths>({
    baseUrl,
    headers: options.token === undefined ? {} : { authorization: `Bearer ${options.token}` },
    ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
  });
}
