import { randomBytes } from 'node:crypto';
import type { Clock, IdGenerator } from '#ports/clock.ts';
import { SandboxPaymentProvider } from './sandbox.ts';
import {
  FileSandboxIntentStore,
  loadOrCreateSandboxSecret,
  MemorySandboxIntentStore,
  sandboxPaths,
} from './sandbox-store.ts';

/** The sandbox as `npm start` and `tally pay` both build it, so they share intents and secret. */
export function sandboxProvider(
  // config.ts's PaymentSettings and ProviderDeps, in part (it imports this module lazily: no cycle).
  settings: { sandboxWebhookSecret?: string; dataDir?: string; toleranceSeconds: number },
  deps: { clock: Clock; ids: IdGenerator },
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
