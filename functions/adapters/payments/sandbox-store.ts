import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as z from 'zod/mini';
import { zodEnglish } from '#app/zod-wording.ts';
import type { IntentStatus, ProviderEventKind } from '#ports/payment-provider.ts';

/**
 * Where the sandbox provider keeps its intents: in memory (tests, one process), or in a JSON file
 * in the data dir so that `tally pay` — another process — can find the intent of a payment and
 * settle it, as a buyer paying on the provider's page would. Local development only: the file is
 * rewritten whole on every change (atomically, by rename), which is fine for a few thousand intents.
 */

/** One event the sandbox sent for an intent; redelivered with the same id when asked again. */
export interface SandboxEventRecord {
  providerEventId: string;
  kind: ProviderEventKind;
  occurredAtMs: number;
  /** A refund's id, all refunded so far with it, and the idempotency key that asked for it (if Tally did). */
  refundId?: string;
  refundedTotalMinor?: bigint;
  refundKey?: string;
}

export interface SandboxIntent {
  paymentIntentId: string;
  idempotencyKey: string;
  /** The create request's parameters, canonical: a repeated key must come with the same ones. */
  requestFingerprint: string;
  amountMinor: bigint;
  /** ISO 4217, upper case. */
  currency: string;
  metadata: { paymentId: string; wallet: string; purpose: 'points-purchase' | 'order' };
  clientSecret: string;
  status: IntentStatus;
  createdAtMs: number;
  events: SandboxEventRecord[];
}

export interface SandboxIntentStore {
  get(paymentIntentId: string): SandboxIntent | undefined;
  byIdempotencyKey(idempotencyKey: string): SandboxIntent | undefined;
  /** The newest intent made for Tally's payment id. */
  byPaymentId(paymentId: string): SandboxIntent | undefined;
  put(intent: SandboxIntent): void;
}

export class MemorySandboxIntentStore implements SandboxIntentStore {
  readonly #intents = new Map<string, SandboxIntent>();

  get(paymentIntentId: string): SandboxIntent | undefined {
    const intent = this.#intents.get(paymentIntentId);
    return intent && structuredClone(intent);
  }

  byIdempotencyKey(idempotencyKey: string): SandboxIntent | undefined {
    return this.#find((intent) => intent.idempotencyKey === idempotencyKey);
  }

  byPaymentId(paymentId: string): SandboxIntent | undefined {
    return this.#find((intent) => intent.metadata.paymentId === paymentId);
  }

  put(intent: SandboxIntent): void {
    this.#intents.set(intent.paymentIntentId, structuredClone(intent));
  }

  #find(predicate: (intent: SandboxIntent) => boolean): SandboxIntent | undefined {
    let found: SandboxIntent | undefined;
    for (const intent of this.#intents.values()) {
      if (predicate(intent) && (found === undefined || intent.createdAtMs >= found.createdAtMs))
        found = intent;
    }
    return found && structuredClone(found);
  }
}

const nonEmpty = () => z.string().check(z.minLength(1));
const digitsMinor = () =>
  z.pipe(
    z.string().check(z.regex(/^\d+$/)),
    z.transform((digits: string) => BigInt(digits)),
  );
const intentSchema = z.object({
  paymentIntentId: nonEmpty(),
  idempotencyKey: nonEmpty(),
  requestFingerprint: z.string(),
  amountMinor: digitsMinor(),
  currency: z.string().check(z.regex(/^[A-Z]{3}$/)),
  metadata: z.object({
    paymentId: nonEmpty(),
    wallet: nonEmpty(),
    purpose: z.enum(['points-purchase', 'order']),
  }),
  clientSecret: z.string(),
  status: z.enum(['pending', 'processing', 'succeeded', 'failed', 'canceled']),
  createdAtMs: z.int(),
  events: z.array(
    z.object({
      providerEventId: nonEmpty(),
      kind: z.enum(['succeeded', 'failed', 'canceled', 'processing', 'refunded']),
      occurredAtMs: z.int(),
      refundId: z.optional(nonEmpty()),
      refundedTotalMinor: z.optional(digitsMinor()),
      refundKey: z.optional(nonEmpty()),
    }),
  ),
});

const fileSchema = z.object({ version: z.literal(1), intents: z.array(intentSchema) });

/** Keeps the intents in one JSON file; every call reads the file again, so two processes see each other. */
export class FileSandboxIntentStore implements SandboxIntentStore {
  constructor(readonly file: string) {}

  get(paymentIntentId: string): SandboxIntent | undefined {
    return this.#read().get(paymentIntentId);
  }

  byIdempotencyKey(idempotencyKey: string): SandboxIntent | undefined {
    return newest([...this.#read().values()].filter((intent) => intent.idempotencyKey === idempotencyKey));
  }

  byPaymentId(paymentId: string): SandboxIntent | undefined {
    return newest([...this.#read().values()].filter((intent) => intent.metadata.paymentId === paymentId));
  }

  put(intent: SandboxIntent): void {
    const intents = this.#read();
    intents.set(intent.paymentIntentId, intent);
    const json = JSON.stringify(
      { version: 1, intents: [...intents.values()] },
      (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value),
      2,
    );
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    // Write aside and rename: a reader in the other process never sees half a file.
    const temporary = `${this.file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    fs.writeFileSync(temporary, json, { mode: 0o600 });
    fs.renameSync(temporary, this.file);
  }

  #read(): Map<string, SandboxIntent> {
    let text: string;
    try {
      text = fs.readFileSync(this.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return new Map();
      throw error;
    }
    // zod/mini installs no messages: zod's English for the operator who reads this.
    const parsed = z.safeParse(fileSchema, JSON.parse(text), { error: zodEnglish });
    if (!parsed.success) {
      throw new Error(`${this.file} is not a sandbox intents file: ${parsed.error.message}`);
    }
    return new Map(parsed.data.intents.map((intent) => [intent.paymentIntentId, intent]));
  }
}

const newest = (intents: SandboxIntent[]): SandboxIntent | undefined =>
  intents.reduce<SandboxIntent | undefined>(
    (best, intent) => (best === undefined || intent.createdAtMs >= best.createdAtMs ? intent : best),
    undefined,
  );

/** The sandbox's files inside the runtime's data dir. */
export const sandboxPaths = (dataDir: string): { intents: string; secret: string } => ({
  intents: path.join(dataDir, 'payments', 'sandbox-intents.json'),
  secret: path.join(dataDir, 'payments', 'sandbox-webhook-secret'),
});

/**
 * The sandbox's webhook signing secret for a data dir: read it, or create it on first use (owner
 * read/write only). `npm start` and `tally pay` both call this, so they agree on the secret without
 * it being typed anywhere; whichever comes first creates it (`wx` makes the race harmless).
 */
export function loadOrCreateSandboxSecret(file: string): string {
  try {
    return readSecret(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  fs.mkdirSync(path.dirname(file), { recursive: true });
  try {
    fs.writeFileSync(file, `whsec_sandbox_${randomBytes(24).toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  return readSecret(file);
}

function readSecret(file: string): string {
  const secret = fs.readFileSync(file, 'utf8').trim();
  if (secret.length < 16)
    throw new Error(`${file} holds no usable webhook secret (delete it to get a new one)`);
  return secret;
}
