import { randomUUID } from 'node:crypto';
import { link, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import {
  createLocalJWKSet,
  exportJWK,
  generateKeyPair,
  importJWK,
  type JSONWebKeySet,
  type JWTPayload,
  type JWTVerifyGetKey,
  SignJWT,
} from 'jose';
import * as z from 'zod';

/**
 * The local dev issuer: the stand-in for Cognito/Auth0/… when `tally dev --auth` emulates API
 * Gateway's JWT authorizer. Its key pair lives in the data dir, so `npm start -- --auth` and
 * `npx tally token` (another process) agree on it, and tokens survive a restart.
 */
export const DEV_ISSUER = 'urn:tally:local-dev-issuer';
export const DEV_AUDIENCE = 'tally-local';
export const DEV_ALGORITHM = 'ES256';
export const JWKS_PATH = '/.well-known/jwks.json';
const KEY_FILE = 'dev-issuer-key.json';

const Jwk = z.object({ kty: z.literal('EC'), crv: z.literal('P-256'), x: z.string(), y: z.string() });
const KeyFile = z.object({
  kid: z.string().min(1),
  alg: z.literal(DEV_ALGORITHM),
  privateJwk: Jwk.extend({ d: z.string() }),
  publicJwk: Jwk,
});
type KeyFile = z.infer<typeof KeyFile>;

export interface DevIssuer {
  /** Where the key pair is kept. */
  keyFile: string;
  /** What `GET /.well-known/jwks.json` serves: the public key only. */
  jwks: JSONWebKeySet;
  /** The key lookup jose's jwtVerify takes. */
  verificationKeys: JWTVerifyGetKey;
  sign(claims: JWTPayload, ttl: string): Promise<string>;
}

/** The issuer whose keys are in `dataDir`; generates them on first use (either process may be first). */
export async function loadDevIssuer(dataDir: string): Promise<DevIssuer> {
  const keyFile = path.join(dataDir, KEY_FILE);
  const keys = (await readKeyFile(keyFile)) ?? (await createKeyFile(keyFile));
  const publicKey = { ...keys.publicJwk, kid: keys.kid, alg: keys.alg, use: 'sig' };
  const jwks: JSONWebKeySet = { keys: [publicKey] };
  const privateKey = await importJWK({ ...keys.privateJwk, alg: keys.alg }, keys.alg);
  return {
    keyFile,
    jwks,
    verificationKeys: createLocalJWKSet(jwks),
    sign: (claims, ttl) =>
      new SignJWT(claims)
        .setProtectedHeader({ alg: keys.alg, kid: keys.kid, typ: 'JWT' })
        .setIssuer(DEV_ISSUER)
        .setAudience(DEV_AUDIENCE)
        .setIssuedAt()
        .setExpirationTime(ttl)
        .setJti(randomUUID())
        .sign(privateKey),
  };
}

async function readKeyFile(keyFile: string): Promise<KeyFile | undefined> {
  let text: string;
  try {
    text = await readFile(keyFile, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const parsed = KeyFile.safeParse(JSON.parse(text));
  if (!parsed.success)
    throw new Error(`${keyFile} is not a dev issuer key file; remove it to make a new one`);
  return parsed.data;
}

/**
 * Writes a fresh key pair next to the target and links it into place: link fails if the file
 * exists, so two processes starting at once end up with the same (the first) key pair.
 */
async function createKeyFile(keyFile: string): Promise<KeyFile> {
  const { privateKey, publicKey } = await generateKeyPair(DEV_ALGORITHM, { extractable: true });
  const keys = KeyFile.parse({
    kid: randomUUID(),
    alg: DEV_ALGORITHM,
    privateJwk: await exportJWK(privateKey),
    publicJwk: await exportJWK(publicKey),
  });
  await mkdir(path.dirname(keyFile), { recursive: true });
  const temporary = `${keyFile}.${process.pid}.${randomUUID()}.tmp`;
  // The private key: readable by its owner only.
  await writeFile(temporary, `${JSON.stringify(keys, null, 2)}\n`, { mode: 0o600 });
  try {
    await link(temporary, keyFile);
    return keys;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    const winner = await readKeyFile(keyFile);
    if (winner === undefined) throw error;
    return winner;
  } finally {
    await rm(temporary, { force: true });
  }
}
