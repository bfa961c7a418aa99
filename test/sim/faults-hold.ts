import type { Rng } from './rng.ts';

/**
 * Answers reordered inside one process: the store's answer to a call (a read's page or head, a
 * write's acknowledgement, a refusal) is held back and handed over only after answers to calls
 * sent later, as two DynamoDB responses on one Lambda's connections may arrive. Faults before a
 * call (throttles, conflicts) cannot make this: in stop 22 exactState read lane 0's head, and a
 * read of the same wallet sent later cached a newer state before that head arrived; the pair came
 * back past its head and group commit's readTail folded the tail onto it twice (review3, ed3b841).
 *
 * Seeded (an op's own stream, engine.ts) and deterministic. A held answer goes when its release
 * comes, then a seeded number of microtask turns later (the later answer's caller runs on first):
 * - `any`: after `waits` answers to calls sent after it;
 * - `wallet`: after `waits` such answers of one of its wallets;
 * - `newer`: after a whole state of one of its wallets was read (a read's last page, or the log
 *   with its head) by calls sent once a write to that wallet was acknowledged: the process has seen
 *   the wallet move past the held answer (review3's shape, which the others almost never make).
 * Whatever is still held when the process has nothing left to do (the next macrotask, every
 * microtask done) goes in the order held, so nothing waits forever.
 */
type Release = 'any' | 'wallet' | 'newer';

/**
 * What a call is, for the bias and the `newer` release: lane 0's head, a read, the end of a read
 * of a wallet's state (its last page, the log with its head), a write (its acknowledgement).
 */
export type CallKind = 'head' | 'read' | 'state' | 'write';

interface Held {
  seq: number;
  wallets: readonly string[];
  release: Release;
  /** Later answers still to hand over before it goes (`any`, `wallet`). */
  waits: number;
  /** `newer`: a read sent after this call number (a write's acknowledgement) releases it. */
  readsAfter?: number;
  go: () => void;
  /** A later call's answer for one of its wallets was handed over first. */
  overtaken: boolean;
}

/** Microtask turns a released answer waits more, at most. */
const RELEASE_TURNS_MAX = 40;
/** Later answers an `any` or `wallet` hold waits for, at most (a read of several calls may complete). */
const WAITS_MAX = 4;
/**
 * Lane 0's head is the read a lane-0 decision stands on (exactState: the head, then the state): it
 * is held this many times as often, so a state read after it yet answered first is common enough.
 */
const HEAD_BIAS = 5;
const RELEASES: readonly Release[] = ['any', 'wallet', 'newer'];
/** Of lane 0's held heads, how many wait for a newer state of their wallet (else as any answer). */
const HEAD_NEWER = 0.6;

export class AnswerHolds {
  /** Calls sent, in order: a held answer waits for answers to later ones. */
  private sent = 0;
  /** Waiting for their release. */
  private held: Held[] = [];
  /** Not handed over yet (released ones still wait their turns). */
  private readonly out = new Set<Held>();
  private idleScheduled = false;
  private rng: Rng | undefined;
  private rate = 0;

  constructor(private readonly count: (kind: string) => void) {}

  arm(rng: Rng, rate: number): void {
    this.rng = rng;
    this.rate = rate;
  }

  disarm(): void {
    this.rng = undefined;
    this.rate = 0;
  }

  /**
   * `call`'s answer (or its error), perhaps held back until answers to later calls were handed
   * over. `wallets`: the wallets the call is about (none for a key look-up or a scan).
   */
  async answer<T>(
    wallets: readonly string[],
    kind: CallKind | ((value: T) => CallKind),
    call: () => Promise<T>,
  ): Promise<T> {
    const seq = ++this.sent;
    let outcome: { ok: true; value: T } | { ok: false; error: unknown };
    try {
      outcome = { ok: true, value: await call() };
    } catch (error) {
      outcome = { ok: false, error };
    }
    const rng = this.rng;
    const rate = kind === 'head' ? Math.min(1, this.rate * HEAD_BIAS) : this.rate;
    if (rng?.chance(rate)) {
      this.count('answer-held');
      const turns = rng.int(0, RELEASE_TURNS_MAX);
      const waits = rng.int(1, WAITS_MAX);
      // Lane 0's head mostly waits for a newer state of its wallet: the reorder that can matter.
      const release: Release =
        wallets.length === 0
          ? 'any'
          : kind === 'head' && rng.chance(HEAD_NEWER)
            ? 'newer'
            : rng.pick(RELEASES);
      let entry: Held | undefined;
      await new Promise<void>((go) => {
        entry = { seq, wallets, release, waits, go, overtaken: false };
        this.held.push(entry);
        this.out.add(entry);
        this.releaseWhenIdle();
      });
      for (let turn = 0; turn < turns; turn++) await Promise.resolve();
      if (entry !== undefined) {
        this.out.delete(entry);
        // Two answers of one wallet handed over out of the order their calls were sent in.
        if (entry.overtaken) this.count('answer-reordered-one-wallet');
      }
    }
    // A refusal moves no wallet and reads no state.
    const handed = !outcome.ok ? 'read' : typeof kind === 'function' ? kind(outcome.value) : kind;
    this.handedOver(seq, wallets, handed);
    if (!outcome.ok) throw outcome.error;
    return outcome.value;
  }

  /** An answer to call `seq` is handed over: held answers of earlier calls it releases go. */
  private handedOver(seq: number, wallets: readonly string[], kind: CallKind): void {
    if (this.out.size === 0) return;
    const shares = (held: Held) => held.wallets.some((walletId) => wallets.includes(walletId));
    for (const held of this.out) if (held.seq < seq && shares(held)) held.overtaken = true;
    const staying: Held[] = [];
    for (const held of this.held) {
      if (held.seq < seq && this.releases(held, seq, kind, shares(held))) held.go();
      else staying.push(held);
    }
    this.held = staying;
  }

  /** Whether an answer to a later call `seq` releases `held`. */
  private releases(held: Held, seq: number, kind: CallKind, shared: boolean): boolean {
    switch (held.release) {
      case 'any':
        return --held.waits <= 0;
      case 'wallet':
        return shared && --held.waits <= 0;
      case 'newer':
        if (!shared) return false;
        if (kind === 'write') {
          held.readsAfter ??= this.sent;
          return false;
        }
        return kind === 'state' && held.readsAfter !== undefined && seq > held.readsAfter;
    }
  }

  /** On the next macrotask (every microtask done: the process waits on nothing else), all go. */
  private releaseWhenIdle(): void {
    if (this.idleScheduled) return;
    this.idleScheduled = true;
    setImmediate(() => {
      this.idleScheduled = false;
      const held = this.held;
      this.held = [];
      for (const { go } of held) go();
    });
  }
}
