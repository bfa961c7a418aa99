import type {
  AppendGroupOutcome,
  AppendGroupRequest,
  AppendGroupsResult,
  AppendTogetherGroupOutcome,
  AppendTogetherGroupRequest,
  IdempotencyRecord,
} from '#ports/event-store.ts';
import { VersionConflictError } from '#ports/event-store.ts';
import { CrashedAfterCommit, FaultyEventStore } from './faults.ts';

/**
 * The faulty store with group commit's two methods (app/group-commit*.ts), so the simulation
 * exercises it when group commit is on (system.ts, processStores).
 */
export class FaultyGroupEventStore extends FaultyEventStore {
  /**
   * Group commit (app/group-commit.ts): the same faults. A crash after the commit loses every
   * part's answer: each part is recorded as a lost single append, which is what it stands for.
   */
  async appendGroup(request: AppendGroupRequest): Promise<AppendGroupOutcome> {
    this.faults.beforeCall();
    if (this.faults.roll('transaction-conflict', this.faults.rates.transactionConflict)) {
      const { walletId, lane, expected } = request;
      throw new VersionConflictError(walletId, lane, expected.version, 'transaction-conflict');
    }
    const inner = this.inner.appendGroup?.bind(this.inner);
    if (inner === undefined) throw new Error('FaultyEventStore: the inner store has no appendGroup');
    const outcome = await this.held([request.walletId], () => inner(request), 'write');
    if (outcome.kind !== 'appended') return outcome;
    // Not a fault: counted so a run shows group commit was exercised (fresh-seed.ts checks it).
    this.faults.count('group-commit', request.parts.length);
    for (const events of outcome.parts) this.onCommit(events);
    if (this.faults.roll('crash-after-commit', this.faults.rates.crashAfterCommit)) {
      for (const [index, part] of request.parts.entries()) {
        const events = outcome.parts[index] ?? [];
        const { walletId, lane, expected } = request;
        this.faults.lostAnswers.push({
          request: { walletId, lane, expected, ...part },
          outcome: { kind: 'appended', events, head: { version: events.at(-1)?.version ?? 0, hash: '' } },
        });
      }
      throw new CrashedAfterCommit(`group append to ${request.walletId} lane ${request.lane} committed`);
    }
    return outcome;
  }

  /** Two-wallet group commit (app/group-commit-two.ts): the same faults, each part a lost two-wallet append. */
  async appendTogetherGroup(request: AppendTogetherGroupRequest): Promise<AppendTogetherGroupOutcome> {
    this.faults.beforeCall();
    const [first] = request.heads;
    if (
      first !== undefined &&
      this.faults.roll('transaction-conflict', this.faults.rates.transactionConflict)
    ) {
      throw new VersionConflictError(first.walletId, 0, first.expected.version, 'transaction-conflict');
    }
    const inner = this.inner.appendTogetherGroup?.bind(this.inner);
    if (inner === undefined) throw new Error('FaultyEventStore: the inner store has no appendTogetherGroup');
    const wallets = request.heads.map(({ walletId }) => walletId);
    const outcome = await this.held(wallets, () => inner(request), 'write');
    if (outcome.kind !== 'appended') return outcome;
    this.faults.count('group-commit-two', request.parts.length);
    for (const part of outcome.parts) for (const events of part) this.onCommit(events);
    if (this.faults.roll('crash-after-commit', this.faults.rates.crashAfterCommit)) {
      for (const [index, part] of request.parts.entries()) {
        const recorded = outcome.parts[index] ?? [];
        const appends = part.events.map(({ walletId, events }) => ({
          walletId,
          expected: request.heads.find((head) => head.walletId === walletId)?.expected ?? {
            version: 0,
            hash: '',
          },
          events,
        }));
        this.faults.lostTogetherAnswers.push({
          request: { appends, ...(part.idempotency ? { idempotency: part.idempotency } : {}) },
          outcome: {
            kind: 'appended',
            appended: recorded.map((events, j) => ({
              walletId: appends[j]?.walletId ?? '',
              events,
              head: { version: events.at(-1)?.version ?? 0, hash: '' },
            })),
          },
        });
      }
      throw new CrashedAfterCommit('group append of two-wallet commands committed');
    }
    return outcome;
  }

  /**
   * Batch ingest's cross-wallet group append (app/ingest-batch.ts), with the same faults: a
   * throttle fails the call (nothing written); a TransactionConflict fails one group alone (the
   * adapter sends the others again); a crash after the commit loses every written part's answer,
   * each recorded as a lost single append.
   */
  async appendGroups(requests: readonly AppendGroupRequest[]): Promise<AppendGroupsResult[]> {
    this.faults.beforeCall();
    const inner = this.inner.appendGroups?.bind(this.inner);
    if (inner === undefined) throw new Error('FaultyEventStore: the inner store has no appendGroups');
    const conflicted = requests.map(() =>
      this.faults.roll('transaction-conflict', this.faults.rates.transactionConflict),
    );
    const sent = requests.filter((_, index) => !conflicted[index]);
    const wallets = [...new Set(sent.map(({ walletId }) => walletId))];
    const results = await this.held(wallets, () => inner(sent), 'write');
    for (const [index, result] of results.entries()) {
      if (result.kind !== 'appended') continue;
      // Not a fault: counted (while faults may happen, so a quiet run counts nothing) to show the
      // run exercised batch ingest (fresh-seed.ts checks it).
      if (Object.values(this.faults.rates).some((rate) => rate > 0))
        this.faults.count('ingest-batch', sent[index]?.parts.length ?? 0);
      for (const events of result.parts) this.onCommit(events);
    }
    if (this.faults.roll('crash-after-commit', this.faults.rates.crashAfterCommit)) {
      for (const [index, result] of results.entries()) {
        const request = sent[index];
        if (result.kind !== 'appended' || request === undefined) continue;
        for (const [part, events] of result.parts.entries()) {
          const { walletId, lane, expected } = request;
          const { events: asked, ...rest } = request.parts[part] ?? { events: [] };
          this.faults.lostAnswers.push({
            request: { walletId, lane, expected, events: asked, ...rest },
            outcome: { kind: 'appended', events, head: { version: events.at(-1)?.version ?? 0, hash: '' } },
          });
        }
      }
      throw new CrashedAfterCommit('a batch of groups committed');
    }
    let next = 0;
    return conflicted.map((conflict): AppendGroupsResult => {
      if (conflict) return { kind: 'failed', reason: 'condition' };
      const result = results[next++];
      if (result === undefined) throw new Error('appendGroups: a result per group');
      return result;
    });
  }

  async findIdempotencies(keys: readonly string[]): Promise<Map<string, IdempotencyRecord>> {
    this.faults.beforeCall();
    const inner = this.inner.findIdempotencies?.bind(this.inner);
    if (inner === undefined) throw new Error('FaultyEventStore: the inner store has no findIdempotencies');
    return this.held([], () => inner(keys));
  }
}
