import fc from 'fast-check';

/** Integers as decimal text, safe or not. */
export const intText = fc.oneof(
  fc.integer().map(String),
  fc.bigInt({ min: -(10n ** 20n), max: 10n ** 20n }).map(String),
);

/** Values a tampered or foreign attribute might hold (the item parse property tests). */
export const junk = fc.oneof(
  fc.constant(undefined),
  fc.constant(null),
  fc.string(),
  fc.double(),
  fc.integer(),
  fc.boolean(),
  intText,
  fc.constantFrom('-1', '-12345678901234567890', '1.5', '9007199254740993', '1e3', ' 1', ''),
  fc.constant({}),
  fc.constant([]),
  fc.constantFrom('money', 'points', 'stocks'),
  fc.array(fc.oneof(fc.constant(null), fc.integer().map(String), fc.string()), { maxLength: 6 }),
);
