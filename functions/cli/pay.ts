/**
 * `tally pay succeed|fail|refund <paymentId>`: plays the buyer and the sandbox payment provider against a
 * running local Tally. It finds the payment's sandbox intent in the data dir `npm start` shares,
 * moves it, signs the provider's webhook with the data dir's secret and POSTs it to
 * `<url>/payments/webhook`: the public route, signature check and code path a real provider's
 * delivery takes. Run twice, it re-delivers the same event (same id), which Tally applies once.
 */
import { randomIds, systemClock } from '#adapters/clock.ts';
import { settleSandboxPayment } from '#adapters/payments/sandbox-pay.ts';
import { PaymentProviderError } from '#ports/payment-provider.ts';
import { adminTarget } from './admin-http.ts';
import {
  CliFailure,
  type Command,
  dataDirOf,
  EXIT_FAILED,
  EXIT_OK,
  type Io,
  UsageError,
  type Values,
} from './command.ts';

export const payCommand: Command = {
  summary: 'settle a payment with the local sandbox provider: it sends Tally its signed webhook',
  usage: [
    'tally pay succeed|fail|refund <paymentId> [--url URL] [--data-dir DIR] [--json]',
    '',
    '  succeed         the buyer paid: Tally credits the points (or captures an order’s held points)',
    '  fail            the payment failed: nothing is credited (an order’s points are released)',
    '  refund          the provider refunds what is left (charge.refunded): Tally takes the points',
    '                  back if they are available, else answers 409 (re-run once they are back)',
    '  --url URL       the running Tally (env TALLY_URL; default http://localhost:8080)',
    '  --data-dir DIR  the data dir `npm start` uses (env TALLY_DATA_DIR; default .tally), where the',
    '                  sandbox keeps its intents and signing secret',
    '  --json          print the webhook’s outcome as JSON',
    '',
    'The same command again re-delivers the same event: Tally answers it and credits nothing more.',
  ].join('\n'),
  options: {
    url: { type: 'string' },
    'data-dir': { type: 'string' },
    token: { type: 'string' },
    json: { type: 'boolean' },
  },
  positionals: true,
  run: runPay,
};

async function runPay(values: Values, positionals: string[], io: Io): Promise<number> {
  const [outcome, paymentId, ...extra] = positionals;
  if (outcome !== 'succeed' && outcome !== 'fail' && outcome !== 'refund') {
    throw new UsageError(
      'say what happens: tally pay succeed <paymentId>, tally pay fail <paymentId>, or tally pay refund <paymentId>',
    );
  }
  if (paymentId === undefined || paymentId === '' || extra.length > 0) {
    throw new UsageError('name one payment: the paymentId POST /payments (or POST /orders) answered');
  }
  const { base } = adminTarget(values, io.env);
  let result: Awaited<ReturnType<typeof settleSandboxPayment>>;
  try {
    result = await settleSandboxPayment({
      dataDir: dataDirOf(values, io),
      ...(io.env.TALLY_SANDBOX_WEBHOOK_SECRET
        ? { sandboxWebhookSecret: io.env.TALLY_SANDBOX_WEBHOOK_SECRET }
        : {}),
      paymentId,
      outcome,
      baseUrl: base,
      fetch: io.fetch,
      clock: systemClock,
      ids: randomIds,
    });
  } catch (error) {
    if (error instanceof PaymentProviderError) throw new CliFailure(`tally pay: ${error.message}`);
    if (error instanceof TypeError) {
      throw new CliFailure(
        `tally pay: could not reach Tally at ${base} (${String(error.cause ?? error.message)}). ` +
          'Is it running? Start it with `npm start`, or point --url (or TALLY_URL) at it.',
      );
    }
    throw error;
  }
  const accepted = result.status >= 200 && result.status < 300;
  if (values.json === true) {
    io.out(
      JSON.stringify({
        paymentId,
        outcome,
        providerEventId: result.providerEventId,
        redelivery: result.redelivery,
        status: result.status,
        answer: safeJson(result.body),
      }),
    );
  } else {
    io.out(
      `${result.redelivery ? 're-sent' : 'sent'} ${EVENT_TYPES[outcome]} ` +
        `(${result.providerEventId}) for ${paymentId} to ${result.webhookUrl}: ${result.status} ${result.body}`,
    );
  }
  return accepted ? EXIT_OK : EXIT_FAILED;
}

const EVENT_TYPES = {
  succeed: 'payment_intent.succeeded',
  fail: 'payment_intent.payment_failed',
  refund: 'charge.refunded',
} as const;

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
