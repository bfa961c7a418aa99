/**
 * Domain rejections. Each carries a stable `code` that the HTTP edge maps to a status;
 * `detail` is written for the client and is safe to expose.
 */
export type DomainErrorCode = 'invalid_wallet_id' | 'invalid_amount' | 'invalid_time' | 'wallet_not_found';

export class DomainError extends Error {
  override readonly name = 'DomainError';
  constructor(
    readonly code: DomainErrorCode,
    readonly detail: string,
  ) {
    super(`${code}: ${detail}`);
  }
}

export const isDomainError = (error: unknown): error is DomainError => error instanceof DomainError;
