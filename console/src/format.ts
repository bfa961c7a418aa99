/** Display helpers. Amounts arrive as exact JSON numbers or decimal text; times as ISO 8601 (UTC). */

const money = new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const whole = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

/** 8000 → "8,000.00"; the API's decimals have at most 2 fraction digits, so no rounding happens. */
export function formatMoney(amount: number | string): string {
  const value = typeof amount === 'string' ? Number(amount) : amount;
  return Number.isFinite(value) ? money.format(value) : String(amount);
}

export function formatPoints(points: number | string): string {
  const value = typeof points === 'string' ? Number(points) : points;
  return Number.isFinite(value) ? whole.format(value) : String(points);
}

/** "2026-11-22 10:00:30 UTC": operators compare times across systems, so always UTC. */
export function formatTime(iso: string | number): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return String(iso);
  return `${date.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

/** A datetime-local input's value (read as UTC) → ISO 8601, or undefined when empty. */
export function inputToIso(value: string): string | undefined {
  if (value.trim() === '') return undefined;
  const date = new Date(`${value}${value.length === 16 ? ':00' : ''}Z`);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

/** ISO 8601 → a datetime-local input's value in UTC. */
export function isoToInput(iso: string | undefined): string {
  if (iso === undefined) return '';
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? '' : date.toISOString().slice(0, 19);
}
