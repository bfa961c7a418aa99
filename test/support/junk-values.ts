import fc from 'fast-check';

/** Integers as decimal text, safe or not. */
const intText = fc.oneof(
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
  fc.constant('1.5'),
  fc.constant('9007199254740993'),
  fc.constant({}),
  fc.constant([]),
);
