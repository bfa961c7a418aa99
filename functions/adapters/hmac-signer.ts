import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { CheckpointSigner } from '#ports/checkpoints.ts';
import { loadSecretString } from './payments/secrets.ts';

/** The key as hex text (AWS: filled from a Secrets Manager secret by the stack). */
export const CHECKPOINT_KEY_ENV = 'TALLY_CHECKPOINT_KEY';
/** A file holding the key, generated on first use (the local runtime's data dir). */
export const CHECKPOINT_KEY_FILE_ENV = 'TALLY_CHECKPOINT_KEY_FILE';

/** Keys shorter than this are refused: HMAC-SHA256 wants at least its output size. */
const KEY_BYTES_MIN = 32;

/** Signs checkpoints with HMAC-SHA256 under one secret key. */
export class HmacCheckpointSigner implements CheckpointSigner {
  private readonly key: Buffer;
  constructor(key: Buffer) {
    if (key.length < KEY_BYTES_MIN) throw new Error(`checkpoint key: at least ${KEY_BYTES_MIN} bytes`);
    this.key = Buffer.from(key);
  }

  async sign(text: string): Promise<string> {
    return createHmac('sha256', this.key).update(text).digest('hex');
  }

  async verify(text: string, signature: string): Promise<boolean> {
    const expected = Buffer.from(await this.sign(text), 'hex');
    const given = Buffer.from(/^[0-9a-f]{64}$/.test(signature) ? signature : '0'.repeat(64), 'hex');
    // Both 32 bytes whatever was given, so the comparison takes the same time for any signature.
    return timingSafeEqual(expected, given) && given.toString('hex') === signature;
  }
}

/**
 * The local key: read from `path`, or generated (32 random bytes, hex, mode 0600) on first use,
 * so a dev server's checkpoints survive restarts with its data directory.
 */
export function signerFromKeyFile(path: string): HmacCheckpointSigner {
  if (!existsSync(path)) {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, randomBytes(KEY_BYTES_MIN).toString('hex'), { mode: 0o600, flag: 'wx' });
  }
  chmodSync(path, 0o600);
  return new HmacCheckpointSigner(Buffer.from(readFileSync(path, 'utf8').trim(), 'hex'));
}

/**
 * The key from the environment: a key file's path, or hex text in an environment variable that the stack fills from a Secrets Manager
 * secret (docs/api.md, "GET /wallets/{wallet_id}/verify"); undefined when the variable is unset, so /verify runs without
 * checkpoints rather than with a made-up key.
 */
export function signerFromEnv(): HmacCheckpointSigner | undefined {
  const file = process.env[CHECKPOINT_KEY_FILE_ENV]?.trim();
  if (file !== undefined && file !== '') return signerFromKeyFile(file);
  const name = CHECKPOINT_KEY_ENV;
  const text = process.env[name]?.trim();
  if (text === undefined || text === '') return undefined;
  if (!/^[0-9a-f]+$/i.test(text)) throw new Error(`${name} must be a hex key`);
  return new HmacCheckpointSigner(Buffer.from(text, 'hex'));
}

/**
 * The key in AWS: read from its Secrets Manager secret (`arn`: the stack's CheckpointKey construct
 * sets it in the environment) once per instance (never put in the
 * function's environment, where anyone allowed to read the function's configuration would see it);
 * otherwise as signerFromEnv finds it.
 */
export async function signerFromEnvOrSecret(
  arn: string | undefined,
  load: (arn: string) => Promise<string> = loadSecretString,
): Promise<HmacCheckpointSigner | undefined> {
  if (arn === undefined || arn === '') return signerFromEnv();
  const text = (await load(arn)).trim();
  if (!/^[0-9a-f]+$/i.test(text)) throw new Error(`the checkpoint key secret ${arn} must hold a hex key`);
  return new HmacCheckpointSigner(Buffer.from(text, 'hex'));
}
