/**
 * The rule set in force before any is published: the text of `rules/tally.rules.yaml`, built in so
 * a freshly deployed function works without a file system. A test keeps the two identical.
 */
export const DEFAULT_RULES_SOURCE = 'rules/tally.rules.yaml';
export const DEFAULT_RULES_TEXT =
  '# Tally\'s shipped rule set, in the YAML form (rules/README.md describes both forms).\n# Check it with `npx tally rules check rules/tally.rules.yaml`.\n\nrules:\n  # The seed rule, verbatim in the one-liner form: 250 points when an answer is liked.\n  - event_type=="answer_is_liked", 250\n\n  # A trade of 10 units or more earns 5 points per unit.\n  - id: trade-volume\n    description: 5 points per unit traded, for trades of at least 10 units\n    # has() guards the optional key: a trade without qty earns nothing, instead of failing.\n    when: event_type == "trade" && has(data.qty) && data.qty >= 10\n    points: data.qty * 5\n\nflags:\n  # The wallet is flagged once its deposits within any sliding 2-minute window (by event time)\n  # sum to strictly more than 10,000.00, and stays flagged.\n  - id: above_threshold\n    description: Deposits within a sliding 2-minute window sum to more than 10,000 (sticky).\n    window: 2m\n    greaterThan: "10000"\n    sticky: true\n';

/**
 * The stored form of DEFAULT_RULES_TEXT (rules/stored-form.ts), so version 0 compiles without the
 * YAML parser like any published version. A test keeps it equal to the form read from the text.
 */
export const DEFAULT_RULES_FORM =
  '{"v":1,"rules":[{"line":6,"condition":{"text":"event_type==\\"answer_is_liked\\"","line":6,"column":5},"points":{"text":"250","line":6,"column":36}},{"line":9,"condition":{"text":"event_type == \\"trade\\" && has(data.qty) && data.qty >= 10","line":12,"column":11},"points":{"text":"data.qty * 5","line":13,"column":13},"id":{"value":"trade-volume","line":9,"column":9},"description":"5 points per unit traded, for trades of at least 10 units"}],"flag":{"id":"above_threshold","description":"Deposits within a sliding 2-minute window sum to more than 10,000 (sticky).","windowMs":120000,"thresholdMinor":"1000000","sticky":true}}';
