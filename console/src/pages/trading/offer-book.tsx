import { useState } from 'preact/hooks';
import { Link } from 'wouter-preact';
import { api, call } from '../../api.ts';
import { formatMoney, formatPoints, formatTime } from '../../format.ts';
import { usePaged } from '../../paged.ts';

type Asset = 'points' | 'money';
type Status = 'open' | 'filled' | 'cancelled' | 'expired';

interface Offer {
  offerId: string;
  seller: string;
  asset: Asset;
  amount: number | string;
  price: { asset: Asset; amount: number | string };
  status: string;
  expiresAt: string;
  buyer?: string;
}

const PAGE = '50';
const amountText = (asset: Asset, amount: number | string) =>
  asset === 'money' ? formatMoney(amount) : `${formatPoints(amount)} points`;

/** The offer book (`GET /offers`), best price per unit first, 50 a read, "More offers" for the next page. */
export function OfferBook() {
  const [asset, setAsset] = useState<Asset>('points');
  const [status, setStatus] = useState<Status>('open');
  const book = usePaged(
    async (cursor) => {
      const query = { asset, status, limit: PAGE, ...(cursor === undefined ? {} : { cursor }) };
      const page = (await call(api().GET('/offers', { params: { query } }))) as {
        offers: Offer[];
        nextCursor: string | null;
      };
      return { items: page.offers, next: page.nextCursor };
    },
    [asset, status],
  );
  const { items: offers, next, problem, loading } = book;
  return (
    <section class="panel" aria-labelledby="book-title">
      <h2 id="book-title">Offer book</h2>
      <div class="filters">
        <label for="book-asset">Asset offered</label>
        <select
          id="book-asset"
          value={asset}
          onChange={(e) => setAsset((e.target as HTMLSelectElement).value as Asset)}
        >
          <option value="points">Points</option>
          <option value="money">Money</option>
        </select>
        <label for="book-status">Status</label>
        <select
          id="book-status"
          value={status}
          onChange={(e) => setStatus((e.target as HTMLSelectElement).value as Status)}
        >
          <option value="open">Open</option>
          <option value="filled">Filled</option>
          <option value="cancelled">Cancelled</option>
          <option value="expired">Expired</option>
        </select>
        <button type="button" class="secondary" onClick={book.reload}>
          Refresh
        </button>
      </div>
      {problem !== undefined && (
        <p class="error" role="alert">
          {problem}
        </p>
      )}
      <table class="compact offers" aria-busy={loading}>
        <caption class="visually-hidden">
          {status} offers of {asset}, best price per unit first
        </caption>
        <thead>
          <tr>
            <th scope="col">Offer</th>
            <th scope="col">Seller</th>
            <th scope="col">Lot</th>
            <th scope="col">Price</th>
            <th scope="col">Per unit</th>
            <th scope="col">Status</th>
            <th scope="col">Expires</th>
          </tr>
        </thead>
        <tbody>
          {offers.map((offer) => (
            <tr key={offer.offerId} data-offer={offer.offerId}>
              <td class="mono">{offer.offerId.slice(-10)}</td>
              <td>
                <Link href={`/trading/${encodeURIComponent(offer.seller)}`}>{offer.seller}</Link>
              </td>
              <td>{amountText(offer.asset, offer.amount)}</td>
              <td>{amountText(offer.price.asset, offer.price.amount)}</td>
              <td>{(Number(offer.price.amount) / Number(offer.amount)).toFixed(4)}</td>
              <td>
                {offer.status}
                {offer.buyer === undefined ? '' : ` to ${offer.buyer}`}
              </td>
              <td>{formatTime(offer.expiresAt)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {!loading && offers.length === 0 && (
        <p class="hint">
          No {status} offers of {asset}.
        </p>
      )}
      {next !== null && (
        <button type="button" class="secondary" onClick={book.more} disabled={loading}>
          More offers
        </button>
      )}
    </section>
  );
}
