/** Ends a switch over a closed union: a variant added to the union and not handled fails to compile. */
export function assertNever(value: never): never {
  const variant =
    typeof value === 'object' && value !== null && 'type' in value
      ? String((value as { type: unknown }).type)
      : String(value);
  throw new Error(`Unhandled variant: ${variant}`);
}
