import type { components, paths } from '../../../../functions/client/api-types.ts';

type Ok<P extends keyof paths, M extends 'get' | 'post'> = paths[P][M] extends {
  responses: { 200: { content: { 'application/json': infer Body } } };
}
  ? Body
  : never;

export type Wallet = components['schemas']['Wallet'];
export type Breach = NonNullable<Wallet['breach']>;
export type AuditPage = Ok<'/wallets/{wallet_id}/events', 'get'>;
export type AuditEvent = AuditPage['events'][number];
export type TransactionsPage = Ok<'/wallets/{wallet_id}/transactions', 'get'>;
export type Transaction = TransactionsPage['transactions'][number];
export type Verify = Ok<'/wallets/{wallet_id}/verify', 'get'>;

/** The moment the page is drawn at: now (both undefined), or a past effective and/or record time. */
export interface Moment {
  asOf: string | undefined;
  knownAt: string | undefined;
}

export const isNow = (moment: Moment) => moment.asOf === undefined && moment.knownAt === undefined;

/** `lane:version`, how corrections name their target. */
export const eventKey = (event: { lane: number; version: number }) => `${event.lane}:${event.version}`;
