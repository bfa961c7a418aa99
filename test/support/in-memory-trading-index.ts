import { unitPriceKey } from '#adapters/dynamodb/table-layout/offer-item.ts';
import { paymentSk } from '#adapters/dynamodb/table-layout/payment-item.ts';
import type {
  PaymentIndex,
  PaymentListing,
  PaymentListPage,
  PaymentListQuery,
} from '#ports/payment-index.ts';
import type {
  ExpiryEntry,
  ExpiryIndex,
  ExpiryPage,
  IndexChange,
  OfferBook,
  OfferBookPage,
  OfferBookQuery,
  OfferListing,
} from '#ports/trading-index.ts';

/**
 * The trading indexes in memory, with the DynamoDB adapter's semantics: the book sorted by price
 * per unit then offer id (the adapter's sort key), open offers past expiry left out, the expiry
 * index read oldest first. The in-memory event store applies an append's changes with its events.
 */
export class InMemoryTradingIndex implements OfferBook, ExpiryIndex, PaymentIndex {
  private readonly offers = new Map<string, OfferListing>();
  private readonly expiries = new Map<string, ExpiryEntry>();
  /** Payment listings by wallet, then by the adapter's sort key. */
  private readonly payments = new Map<string, Map<string, PaymentListing>>();

  apply(changes: readonly IndexChange[]): void {
    for (const change of changes) {
      if (change.kind === 'payment') {
        const listed = this.payments.get(change.listing.walletId) ?? new Map<string, PaymentListing>();
        listed.set(paymentSk(change.listing), structuredClone(change.listing));
        this.payments.set(change.listing.walletId, listed);
        continue;
      }
      if (change.kind !== 'offer' && change.kind !== 'expiry') continue; // in-memory-read-indexes.ts
      if (change.kind === 'expiry') {
        this.expiries.set(expiryKey(change.entry), { ...change.entry });
      } else {
        if (change.from !== undefined) this.offers.delete(`${change.from}|${change.offer.offerId}`);
        this.offers.set(`${change.offer.status}|${change.offer.offerId}`, structuredClone(change.offer));
      }
    }
  }

  async list(query: OfferBookQuery): Promise<OfferBookPage> {
    const sorted = [...this.offers.values()]
      .filter((offer) => offer.asset === query.asset && offer.status === query.status)
      .map((offer) => ({ offer, key: `${unitPriceKey(offer)}#${offer.offerId}` }))
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
      .filter(({ key }) => query.after === undefined || key > query.after)
      .filter(({ offer }) => query.status !== 'open' || offer.expiresAtMs > query.nowMs);
    const page = sorted.slice(0, query.limit);
    const last = page.at(-1);
    return {
      offers: page.map(({ offer }) => structuredClone(offer)),
      ...(sorted.length > query.limit && last ? { next: last.key } : {}),
    };
  }

  async listPayments(query: PaymentListQuery): Promise<PaymentListPage> {
    const sorted = [...(this.payments.get(query.walletId) ?? new Map<string, PaymentListing>())]
      .filter(
        ([key, listing]) =>
          listing.purpose === query.purpose && (query.after === undefined || key < query.after),
      )
      .sort(([a], [b]) => (a < b ? 1 : a > b ? -1 : 0));
    const page = sorted.slice(0, query.limit);
    const last = page.at(-1);
    return {
      payments: page.map(([, listing]) => structuredClone(listing)),
      ...(sorted.length > query.limit && last ? { next: last[0] } : {}),
    };
  }

  async due(nowMs: number, limit: number): Promise<ExpiryPage> {
    const due = [...this.expiries.values()]
      .filter((entry) => entry.expiresAtMs <= nowMs)
      .sort((a, b) => a.expiresAtMs - b.expiresAtMs);
    return { entries: due.slice(0, limit).map((entry) => ({ ...entry })), more: due.length > limit };
  }

  async remove(entry: ExpiryEntry): Promise<void> {
    this.expiries.delete(expiryKey(entry));
  }

  /** Entries still in the expiry index (tests check the sweep drops them). */
  get expiryCount(): number {
    return this.expiries.size;
  }

  /** The entries themselves (the sim checks every pending hold is listed by one). */
  get expiryEntries(): ExpiryEntry[] {
    return [...this.expiries.values()].map((entry) => ({ ...entry }));
  }
}

const expiryKey = (entry: ExpiryEntry) => `${entry.walletId}|${entry.holdId}`;
