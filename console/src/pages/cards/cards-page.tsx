import '../ops.css';
import { useRef, useState } from 'preact/hooks';
import { useLocation } from 'wouter-preact';
import { api, call, errorText, useLoad } from '../../api.ts';
import { FindForm } from '../../find-form.tsx';
import { formatMoney, formatTime } from '../../format.ts';
import type { PageProps } from '../../page-props.ts';
import { usePaged } from '../../paged.ts';
import { useVirtualRows } from '../../virtual.ts';
import { DecisionsFeed } from './decisions-feed.tsx';

interface Account {
  accountId: string;
  creditLimit: number | string;
  balance: number | string;
  pending: number | string;
  available: number | string;
  currency: string;
}

interface StatementLine {
  kind: string;
  status?: string;
  event: {
    eventId: string;
    type: string;
    version: number;
    recordedAt: string;
    data?: Record<string, unknown>;
  };
}

const ROW_HEIGHT = 44;
/** Lines per read: the API's largest page. */
const PAGE = 200;

/** Cards: find an account; its balance, its authorizations with decisions and reasons; the live feed. */
export function CardsPage({ params }: PageProps) {
  const accountId = params.accountId;
  const [, navigate] = useLocation();
  return (
    <section aria-labelledby="cards-title">
      <h1 id="cards-title">Cards</h1>
      <FindForm
        name="Find an account"
        inputId="account-id"
        label="Account id"
        button="Open"
        initial={accountId}
        key={accountId}
        idOf="account"
        onFind={(id) => navigate(`/cards/${encodeURIComponent(id)}`)}
      />
      {accountId !== undefined && <AccountView key={accountId} accountId={accountId} />}
      <DecisionsFeed />
    </section>
  );
}

function AccountView({ accountId }: { accountId: string }) {
  const account = useLoad(
    (signal) =>
      call(
        api().GET('/accounts/{account_id}', { params: { path: { account_id: accountId } }, signal }),
      ) as Promise<Account>,
    [accountId],
  );
  const [onlyAuthorizations, setOnlyAuthorizations] = useState(true);
  const statement = usePaged(
    async (cursor) => {
      const query = cursor === undefined ? { limit: String(PAGE) } : { limit: String(PAGE), cursor };
      const page = (await call(
        api().GET('/accounts/{account_id}/transactions', {
          params: { path: { account_id: accountId }, query },
        }),
      )) as { transactions: StatementLine[]; nextCursor: string | null };
      return { items: page.transactions, next: page.nextCursor };
    },
    [accountId],
  );
  const { items: lines, next, problem } = statement;
  const shown = onlyAuthorizations ? lines.filter((line) => line.kind === 'authorization') : lines;
  const scroller = useRef<HTMLDivElement>(null);
  const rows = useVirtualRows(scroller, shown.length, ROW_HEIGHT);
  const a = account.data;
  return (
    <section aria-labelledby="account-title" class="panel">
      <h2 id="account-title">Account {accountId}</h2>
      {account.error !== undefined && (
        <p class="error" role="alert">
          {errorText(account.error)}
        </p>
      )}
      {a !== undefined && (
        <dl class="account-figures">
          <dt>Credit limit</dt>
          <dd>
            {formatMoney(a.creditLimit)} {a.currency}
          </dd>
          <dt>Owed</dt>
          <dd>{formatMoney(a.balance)}</dd>
          <dt>Pending</dt>
          <dd>{formatMoney(a.pending)}</dd>
          <dt>Available</dt>
          <dd>{formatMoney(a.available)}</dd>
        </dl>
      )}
      <label>
        <input
          type="checkbox"
          checked={onlyAuthorizations}
          onChange={(e) => setOnlyAuthorizations((e.target as HTMLInputElement).checked)}
        />{' '}
        Authorizations only
      </label>
      {problem !== undefined && (
        <p class="error" role="alert">
          {problem}
        </p>
      )}
      <div class="list-head authorizations-row" aria-hidden="true">
        <span>Time</span>
        <span>What</span>
        <span>Amount</span>
        <span>Merchant</span>
        <span>Decision / status</span>
        <span>Reasons</span>
      </div>
      <div
        ref={scroller}
        class="virtual-list"
        style={{ height: `${Math.min(Math.max(shown.length, 1), 10) * ROW_HEIGHT + 4}px` }}
      >
        <ul aria-label={`Statement of ${accountId}, newest first`} style={{ height: `${rows.totalSize}px` }}>
          {rows.items.map((row) => {
            const line = shown[row.index];
            if (line === undefined) return null;
            const data = line.event.data ?? {};
            const merchant = data.merchant as { id?: string; name?: string; mcc?: string } | undefined;
            const reasons = Array.isArray(data.reasons) ? (data.reasons as string[]) : [];
            return (
              <li
                key={line.event.eventId}
                class="authorizations-row"
                data-kind={line.kind}
                data-decision={typeof data.decision === 'string' ? data.decision : undefined}
                style={{ top: `${row.start}px`, height: `${row.size}px` }}
              >
                <span>{formatTime(line.event.recordedAt)}</span>
                <span>{line.kind}</span>
                <span>{data.amount === undefined ? '' : formatMoney(data.amount as number | string)}</span>
                <span>
                  {merchant === undefined
                    ? ''
                    : `${merchant.name ?? merchant.id ?? ''} (MCC ${merchant.mcc ?? '?'})`}
                </span>
                <span>
                  {typeof data.decision === 'string' && (
                    <span class={`badge ${data.decision === 'approved' ? 'badge-ok' : 'badge-bad'}`}>
                      {data.decision}
                    </span>
                  )}{' '}
                  {line.status ?? ''}
                </span>
                <span>{reasons.join(', ')}</span>
              </li>
            );
          })}
        </ul>
      </div>
      {shown.length === 0 && next !== undefined && <p class="hint">No lines.</p>}
      {next !== null && next !== undefined && (
        <button type="button" class="secondary" onClick={statement.more} disabled={statement.loading}>
          Older lines
        </button>
      )}
    </section>
  );
}
