import '../ops.css';
import { useRef, useState } from 'preact/hooks';
import { useLocation } from 'wouter-preact';
import { api, call, errorText } from '../../api.ts';
import { FindForm } from '../../find-form.tsx';
import { formatMoney, formatPoints, formatTime } from '../../format.ts';
import type { PageProps } from '../../page-props.ts';
import { usePaged } from '../../paged.ts';
import { useVirtualRows } from '../../virtual.ts';
import { WalletLink } from '../../wallet-link.tsx';
import { OfferBook } from './offer-book.tsx';
import { WalletPayments } from './wallet-payments.tsx';

interface Movement {
  kind: string;
  asset: 'money' | 'points';
  amount: number | string;
  counterparty: string | null;
  eventId: string;
  type: string;
  recordedAt: string;
}

/** The movements trading, holds and orders make (the rest — deposits, awards — is the wallet page's). */
const TRADING_KINDS = new Set([
  'transfer-in',
  'transfer-out',
  'hold',
  'capture',
  'release',
  'trade',
  'purchase',
  'payment',
]);
const ROW_HEIGHT = 40;
const PAGE = '200';

/** Trading: the offer book, one wallet's transfers, holds, trades, payments and orders, and an order by id. */
export function TradingPage({ params }: PageProps) {
  const walletId = params.walletId;
  const [, navigate] = useLocation();
  return (
    <section aria-labelledby="trading-title">
      <h1 id="trading-title">Trading</h1>
      <OfferBook />
      <section class="panel" aria-labelledby="movements-title">
        <h2 id="movements-title">A wallet's transfers, holds and trades</h2>
        <FindForm
          name="Find a wallet's trading"
          inputId="trading-wallet"
          label="Wallet id"
          button="Show"
          initial={walletId}
          key={walletId}
          idOf="wallet"
          onFind={(id) => navigate(`/trading/${encodeURIComponent(id)}`)}
        />
        {walletId !== undefined && <Movements key={walletId} walletId={walletId} />}
        {walletId !== undefined && <WalletPayments key={`payments-${walletId}`} walletId={walletId} />}
      </section>
      <OrderLookup />
    </section>
  );
}

function Movements({ walletId }: { walletId: string }) {
  const movements = usePaged(
    async (cursor) => {
      const query = cursor === undefined ? { limit: PAGE } : { limit: PAGE, cursor };
      const page = (await call(
        api().GET('/wallets/{wallet_id}/transactions', { params: { path: { wallet_id: walletId }, query } }),
      )) as { transactions: Movement[]; nextCursor: string | null };
      return { items: page.transactions, next: page.nextCursor };
    },
    [walletId],
  );
  const { items: lines, next, problem } = movements;
  const shown = lines.filter((line) => TRADING_KINDS.has(line.kind));
  const scroller = useRef<HTMLDivElement>(null);
  const rows = useVirtualRows(scroller, shown.length, ROW_HEIGHT);
  return (
    <>
      <p>
        <WalletLink walletId={walletId}>Open {walletId}'s wallet page</WalletLink>
      </p>
      {problem !== undefined && (
        <p class="error" role="alert">
          {problem}
        </p>
      )}
      <div class="list-head movements-row" aria-hidden="true">
        <span>Time</span>
        <span>Kind</span>
        <span>Amount</span>
        <span>Counterparty</span>
        <span>Event</span>
      </div>
      <div
        ref={scroller}
        class="virtual-list"
        style={{ height: `${Math.min(Math.max(shown.length, 1), 10) * ROW_HEIGHT + 4}px` }}
      >
        <ul
          aria-label={`Trading movements of ${walletId}, newest first`}
          style={{ height: `${rows.totalSize}px` }}
        >
          {rows.items.map((row) => {
            const line = shown[row.index];
            if (line === undefined) return null;
            return (
              <li
                key={`${line.eventId}:${line.kind}:${line.asset}`}
                class="movements-row"
                data-kind={line.kind}
                style={{ top: `${row.start}px`, height: `${row.size}px` }}
              >
                <span>{formatTime(line.recordedAt)}</span>
                <span>{line.kind}</span>
                <span>
                  {line.asset === 'money' ? formatMoney(line.amount) : `${formatPoints(line.amount)} points`}
                </span>
                <span>{line.counterparty ?? '—'}</span>
                <span class="mono">{line.type}</span>
              </li>
            );
          })}
        </ul>
      </div>
      {next !== undefined && shown.length === 0 && (
        <p class="hint">
          No transfers, holds or trades{next === null ? '' : ' in the newest 200 movements'}.
        </p>
      )}
      {next !== null && next !== undefined && (
        <button type="button" class="secondary" onClick={movements.more} disabled={movements.loading}>
          Older movements
        </button>
      )}
    </>
  );
}

/** An order and its payment state (`GET /orders/{order_id}`); the order id is its payment's id. */
function OrderLookup() {
  const [order, setOrder] = useState<Record<string, unknown> | undefined>(undefined);
  const find = async (orderId: string) => {
    setOrder(undefined);
    try {
      setOrder(
        (await call(api().GET('/orders/{order_id}', { params: { path: { order_id: orderId } } }))) as Record<
          string,
          unknown
        >,
      );
      return undefined;
    } catch (error) {
      return errorText(error);
    }
  };
  const fields = [
    'wallet',
    'merchant',
    'amount',
    'points',
    'pointsValue',
    'cash',
    'status',
    'paymentStatus',
    'expiresAt',
  ];
  return (
    <section class="panel" aria-labelledby="order-title">
      <h2 id="order-title">An order and its payment</h2>
      <FindForm name="Find an order" inputId="order-id" label="Order id" button="Find" onFind={find} />
      {order !== undefined && (
        <dl class="order">
          {fields
            .filter((field) => order[field] !== undefined)
            .map((field) => (
              <>
                <dt key={`${field}-t`}>{field}</dt>
                <dd key={`${field}-d`}>{String(order[field])}</dd>
              </>
            ))}
        </dl>
      )}
    </section>
  );
}
