import { setTimeout as sleepFor } from 'node:timers/promises';

/**
 * The background loops of a local poller and the one signal that stops them: a loop checks
 * `stopped`, pauses with `pause` (cut short by `stop`), and passes `signal` to SDK calls.
 */
export class BackgroundLoops {
  private readonly running = new Set<Promise<void>>();
  private readonly abort = new AbortController();

  get stopped(): boolean {
    return this.abort.signal.aborted;
  }

  get signal(): AbortSignal {
    return this.abort.signal;
  }

  track(loop: Promise<void>): void {
    this.running.add(loop);
    void loop.finally(() => this.running.delete(loop));
  }

  async pause(ms: number): Promise<void> {
    try {
      await sleepFor(ms, undefined, { signal: this.abort.signal });
    } catch {
      // Aborted by stop(): the loop checks `stopped` next.
    }
  }

  /** Signals every loop to stop, then waits until all have ended (work in progress is let finish). */
  async stop(beforeWaiting?: () => void): Promise<void> {
    this.abort.abort();
    beforeWaiting?.();
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
  }
}
