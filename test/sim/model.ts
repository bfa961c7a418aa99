import type { LostAnswer } from './faults.ts';
import type { CloudEvent, DepositAnswer, IngestAnswer } from './system.ts';
import { type FactEffect, payloadOf, pointsOf, type World } from './world.ts';

/**
 * How the model learns what took effect, and how it judges each answer the system gives: an answer
 * that contradicts what the model knows is a violation on the spot.
 */

export function addDeposit(
  world: World,
  deposit: { eventId: string; walletId: string; amountMinor: bigint; key?: string; factId?: string },
): void {
  const { model } = world;
  if (model.deposits.has(deposit.eventId)) {
    world.violation('effect-applied-once', `deposit event ${deposit.eventId} took effect twice`);
    return;
  }
  model.deposits.set(deposit.eventId, { ...deposit, effective: deposit.amountMinor });
  model.mintedMinor += deposit.amountMinor;
}

/** The answers this op lost to crashes, taken off the list (the op that made them learns from them). */
export function takeLostAnswers(world: World): LostAnswer[] {
  const prefix = `o${world.opIndex}.`;
  const mine = world.faults.lostAnswers.filter((lost) => lost.request.events[0]?.eventId.startsWith(prefix));
  world.faults.lostAnswers = world.faults.lostAnswers.filter((lost) => !mine.includes(lost));
  return mine;
}

export interface DepositCall {
  walletId: string;
  amountMinor: bigint;
  key?: string;
  answer: DepositAnswer | undefined;
}

/** Judges a set of deposit answers (concurrent ones together): commits first, then replays and refusals. */
export function observeDeposits(
  world: World,
  calls: readonly DepositCall[],
  lost: readonly LostAnswer[],
): void {
  const { model } = world;
  const payload = (call: { walletId: string; amountMinor: bigint }) => `${call.walletId}|${call.amountMinor}`;
  const commit = (call: Omit<DepositCall, 'answer'>, eventId: string, body: string | undefined) => {
    if (call.key !== undefined) {
      if (model.keys.has(call.key)) {
        world.violation('effect-applied-once', `Idempotency-Key ${call.key} was recorded twice`);
        return;
      }
      model.keys.set(call.key, {
        walletId: call.walletId,
        payload: payload(call),
        amountMinor: call.amountMinor,
        eventId,
        ...(body === undefined ? {} : { body }),
      });
    }
    addDeposit(world, {
      eventId,
      walletId: call.walletId,
      amountMinor: call.amountMinor,
      ...(call.key === undefined ? {} : { key: call.key }),
    });
  };
  for (const { request, outcome } of lost) {
    const event = request.events[0];
    if (outcome.kind !== 'appended' || event?.type !== 'Deposited') continue;
    commit(
      {
        walletId: request.walletId,
        amountMinor: event.data.amountMinor,
        ...(request.idempotency ? { key: request.idempotency.key } : {}),
      },
      event.eventId,
      request.idempotency?.response.body,
    );
  }
  for (const call of calls) {
    if (call.answer?.kind === 'recorded') commit(call, call.answer.eventIds[0] as string, call.answer.body);
  }
  for (const call of calls) {
    const answer = call.answer;
    if (answer === undefined || answer.kind === 'recorded' || answer.kind === 'contended') continue;
    const known = call.key === undefined ? undefined : model.keys.get(call.key);
    if (answer.kind === 'replayed') {
      if (known === undefined || known.payload !== payload(call)) {
        world.violation(
          'idempotent-answer',
          `key ${call.key} answered as a replay, but the model has ${known?.payload ?? 'nothing'}`,
        );
      } else if (known.body !== undefined && known.body !== answer.body) {
        world.violation(
          'idempotent-answer',
          `key ${call.key} replayed ${answer.body}, first answer was ${known.body}`,
        );
      }
    } else if (known === undefined || known.payload === payload(call)) {
      world.violation(
        'idempotent-answer',
        `key ${call.key} refused as reused, but the model has ${known?.payload ?? 'nothing'}`,
      );
    }
  }
}

/** Records that CloudEvent `event` took effect (answered, or committed with the answer lost). */
function addFact(world: World, event: CloudEvent, eventIds: readonly string[]): void {
  const { model } = world;
  if (model.facts.has(event.id)) {
    world.violation('effect-applied-once', `CloudEvent ${event.id} took effect twice`);
    return;
  }
  const dataJson = JSON.stringify(event.data ?? null);
  const fact: FactEffect = {
    id: event.id,
    walletId: event.subject,
    payload: payloadOf(event),
    type: event.type,
    dataJson,
    points: 0n,
    voided: false,
  };
  if (event.type === 'wallet.deposit') {
    const amount = (event.data as { amount: string }).amount;
    fact.depositEventId = eventIds[0] as string;
    addDeposit(world, {
      eventId: eventIds[0] as string,
      walletId: event.subject,
      amountMinor: BigInt(amount.replace('.', '')),
      factId: event.id,
    });
  } else {
    fact.points = pointsOf(event.type, dataJson);
    model.mintedPoints += fact.points;
  }
  model.facts.set(event.id, fact);
}

/** Judges one ingest answer; `lost` are the commits this delivery made whose answer was lost. */
export function observeIngest(
  world: World,
  event: CloudEvent,
  answer: IngestAnswer | undefined,
  lost: readonly LostAnswer[],
): void {
  const { model } = world;
  for (const { request, outcome } of lost) {
    if (outcome.kind === 'appended')
      addFact(
        world,
        event,
        request.events.map((e) => e.eventId),
      );
  }
  if (answer === undefined || answer.kind === 'contended') return;
  const known = model.facts.get(event.id);
  switch (answer.kind) {
    case 'recorded': {
      addFact(world, event, answer.eventIds);
      const expected =
        event.type === 'wallet.deposit' ? 0n : pointsOf(event.type, JSON.stringify(event.data ?? null));
      if (answer.points !== expected) {
        world.violation(
          'points-as-ruled',
          `CloudEvent ${event.id} (${event.type}) got ${answer.points} points, rules give ${expected}`,
        );
      }
      return;
    }
    case 'duplicate':
      if (known === undefined || known.payload !== payloadOf(event)) {
        world.violation(
          'idempotent-answer',
          `CloudEvent ${event.id} answered as a duplicate, but the model has ${known?.payload ?? 'nothing'}`,
        );
      }
      return;
    case 'rejected':
      if (answer.code !== 'id-reused') {
        world.violation('no-false-rejection', `CloudEvent ${event.id} rejected: ${answer.code}`);
      } else if (known === undefined || known.payload === payloadOf(event)) {
        world.violation(
          'idempotent-answer',
          `CloudEvent ${event.id} refused as reused, but the model has ${known?.payload ?? 'nothing'}`,
        );
      }
      model.deadLetters.push({ event, code: answer.code });
      return;
  }
}
