import { randomBytes } from 'node:crypto';
import type { PaymentSettings, ProviderDeps } from './config.ts';
import { SandboxPaymentProvider } from './sandbox.ts';
import {
  FileSandboxIntentStore,
  loadOrCreateSandboxSecret,
  MemorySandboxIntentStore,
  sandboxPaths,
} from './sandbox-store.ts';

/** The sandbox as `npm start` and `tally pay` both build it, so they share intents and secret. */
export function sandboxProvider(
  settings: Pick<PaymentSettings, 'sandboxWebhookSecret' | 'dataDir' | 'toleranceSeconds'>,
  deps: Pick<ProviderDeps, 'clock' | 'ids'>,
): SandboxPaymentProvider {
  const paths = settings.dataDir === undefined ? undefined : sandboxPaths(settings.dataDir);
  const secret =
    settings.sandboxWebhookSecret ??
    (paths ? loadOrCreateSandboxSecret(paths.secret) : `whsec_sandbox_${randomBytes(24).toString('hex')}`);
  return new SandboxPaymentProvider({
    secrets: [secret],
    clock: deps.clock,
    ids: deps.ids,
    store: paths ? new FileSandboxIntentStore(paths.intents) : new MemorySandboxIntentStore(),
    toleranceSeconds: settings.toleranceSeconds,
  });
}
