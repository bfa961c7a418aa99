/**
 * A time field read as UTC, to the second (a datetime-local input: format.ts's inputToIso turns its
 * value into ISO 8601), with its label above it as the console's stacked forms show fields.
 */
export function UtcTimeField({
  id,
  label,
  value,
  onValue,
}: {
  id: string;
  label: string;
  value: string;
  onValue: (value: string) => void;
}) {
  return (
    <>
      <label for={id}>{label}</label>
      <input
        id={id}
        type="datetime-local"
        step={1}
        value={value}
        onInput={(e) => onValue((e.target as HTMLInputElement).value)}
      />
    </>
  );
}
