/**
 * The stored form of DEFAULT_RULES_TEXT (default-rules.ts; rules/stored-form.ts), so version 0 compiles without the
 * YAML parser like any published version. A test keeps it equal to the form read from the text.
 * A module of its own: the functions that fold views read the flag from it (active-threshold.ts)
 * and never the text, which a bundle would carry whole with any export of its module.
 */
export const DEFAULT_RULES_FORM =
  '{"v":2,"rules":[{"line":6,"condition":{"text":"event_type==\\"answer_is_liked\\"","line":6,"column":5},"points":{"text":"250","line":6,"column":36},"compiled":{"canonicalText":"event_type==\\"answer_is_liked\\", 250","eventTypes":["answer_is_liked"],"decided":true,"constantPoints":"250"}},{"line":9,"condition":{"text":"event_type == \\"trade\\" && has(data.qty) && data.qty >= 10","line":12,"column":11},"points":{"text":"data.qty * 5","line":13,"column":13},"id":{"value":"trade-volume","line":9,"column":9},"description":"5 points per unit traded, for trades of at least 10 units","compiled":{"canonicalText":"event_type==\\"trade\\"&&has(data.qty)&&data.qty>=10, data.qty*5","eventTypes":["trade"],"decided":false}}],"flag":{"id":"above_threshold","description":"Deposits within a sliding 2-minute window sum to more than 10,000 (sticky).","windowMs":120000,"thresholdMinor":"1000000","sticky":true}}';
