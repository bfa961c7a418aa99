import { formatMoney, formatPoints } from '../../format.ts';
import type { Wallet } from './types.ts';

/** Balance, held and available per asset (available = balance − held). */
export function Balances({ wallet }: { wallet: Wallet }) {
  const rows = [
    { asset: 'Money', ...wallet.assets.money, format: formatMoney },
    { asset: 'Points', ...wallet.assets.points, format: formatPoints },
  ];
  return (
    <table class="balances" aria-label="Balances per asset">
      <thead>
        <tr>
          <th scope="col">Asset</th>
          <th scope="col">Balance</th>
          <th scope="col">Held</th>
          <th scope="col">Available</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((row) => (
          <tr key={row.asset} data-asset={row.asset.toLowerCase()}>
            <th scope="row">{row.asset}</th>
            <td data-testid={`${row.asset.toLowerCase()}-balance`}>{row.format(row.balance)}</td>
            <td>{row.format(row.held)}</td>
            <td>{row.format(row.available)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
