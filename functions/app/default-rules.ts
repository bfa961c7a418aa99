/**
 * The rule set in force before any is published: the text of `rules/tally.rules.yaml`, built in so
 * a freshly deployed function works without a file system. A test keeps the two identical.
 */
export const DEFAULT_RULES_SOURCE = 'rules/tally.rules.yaml';
export const DEFAULT_RULES_TEXT =
  '# Tally\'s shipped rule set, in the YAML form (rules/README.md describes both forms).\n# Check it with `npx tally rules check rules/tally.rules.yaml`.\n\nrules:\n  # The seed rule, verbatim in the one-liner form: 250 points when an answer is liked.\n  - event_type=="answer_is_liked", 250\n\n  # A trade of 10 units or more earns 5 points per unit.\n  - id: trade-volume\n    description: 5 points per unit traded, for trades of at least 10 units\n    # has() guards the optional key: a trade without qty earns nothing, instead of failing.\n    when: event_type == "trade" && has(data.qty) && data.qty >= 10\n    points: data.qty * 5\n\nflags:\n  # The wallet is flagged once its deposits within any sliding 2-minute window (by event time)\n  # sum to strictly more than 10,000.00, and stays flagged.\n  - id: above_threshold\n    description: Deposits within a sliding 2-minute window sum to more than 10,000 (sticky).\n    window: 2m\n    greaterThan: "10000"\n    sticky: true\n';

export { DEFAULT_RULES_FORM } from './default-rules-form.ts';
