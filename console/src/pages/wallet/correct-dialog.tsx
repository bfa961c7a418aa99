import { useEffect, useRef, useState } from 'preact/hooks';
import { api, call, errorText } from '../../api.ts';
import { formatMoney, inputToIso, isoToInput } from '../../format.ts';
import { UtcTimeField } from '../../time-input.tsx';
import { type AuditEvent, eventKey, type Wallet } from './types.ts';

type Action = 'void' | 'amend';
type Step =
  | { kind: 'form' }
  | { kind: 'confirm' }
  | { kind: 'sending' }
  | { kind: 'done'; answer: CorrectionAnswer };

interface CorrectionAnswer {
  changed: boolean;
  before: Record<string, unknown>;
  after: Record<string, unknown>;
  compensations: unknown[];
}

/**
 * Void or amend one deposit or fact (`POST /wallets/{id}/corrections`), in three steps: what to do,
 * a confirmation that says what will change, and the wallet before and after as the API answers.
 */
export function CorrectDialog(props: {
  walletId: string;
  wallet: Wallet;
  event: AuditEvent;
  onClose: (changed: boolean) => void;
}) {
  const { event, wallet } = props;
  const dialog = useRef<HTMLDialogElement>(null);
  const data = event.data as Record<string, unknown>;
  const isDeposit = event.type === 'Deposited';
  const [action, setAction] = useState<Action>('void');
  const [reason, setReason] = useState('');
  const [amount, setAmount] = useState(isDeposit ? String(data.amount ?? '') : '');
  const [time, setTime] = useState(isoToInput(typeof data.time === 'string' ? data.time : undefined));
  const [factData, setFactData] = useState(isDeposit ? '' : JSON.stringify(data.data ?? {}, null, 2));
  const [step, setStep] = useState<Step>({ kind: 'form' });
  const [problem, setProblem] = useState<string | undefined>(undefined);

  useEffect(() => {
    dialog.current?.showModal();
  }, []);

  const correctionData = (): Record<string, unknown> | undefined => {
    if (action === 'void') return undefined;
    const iso = inputToIso(time);
    if (isDeposit) return { amount, ...(iso === undefined ? {} : { time: iso }) };
    return { data: JSON.parse(factData) as unknown, ...(iso === undefined ? {} : { time: iso }) };
  };

  const review = (submit: Event) => {
    submit.preventDefault();
    try {
      correctionData();
      setProblem(undefined);
      setStep({ kind: 'confirm' });
    } catch {
      setProblem('The corrected data is not JSON.');
    }
  };

  const send = async () => {
    setStep({ kind: 'sending' });
    try {
      const body = {
        eventId: event.eventId,
        action,
        reason,
        ...(action === 'amend' ? { data: correctionData() } : {}),
      };
      const answer = await call<CorrectionAnswer>(
        api().POST('/wallets/{wallet_id}/corrections', {
          params: { path: { wallet_id: props.walletId } },
          body: body as never,
        }),
      );
      setStep({ kind: 'done', answer });
    } catch (failure) {
      setProblem(errorText(failure));
      setStep({ kind: 'confirm' });
    }
  };

  const close = () => {
    dialog.current?.close();
    props.onClose(step.kind === 'done' && step.answer.changed);
  };

  // What the confirmation can say before the API answers: a deposit's effect on the money balance.
  const balance = Number(wallet.assets.money.balance);
  const original = Number(data.amount ?? 0);
  const expected = !isDeposit
    ? undefined
    : action === 'void'
      ? balance - original
      : Number.isFinite(Number(amount))
        ? balance - original + Number(amount)
        : undefined;

  return (
    <dialog ref={dialog} aria-labelledby="correct-title" class="dialog" onCancel={close}>
      <h2 id="correct-title">
        Correct {isDeposit ? 'deposit' : 'fact'} {eventKey(event)}
      </h2>
      {step.kind === 'form' && (
        <form onSubmit={review} class="stack">
          <fieldset>
            <legend>Action</legend>
            <label>
              <input
                type="radio"
                name="action"
                checked={action === 'void'}
                onChange={() => setAction('void')}
              />{' '}
              Void: as if it never happened
            </label>
            <label>
              <input
                type="radio"
                name="action"
                checked={action === 'amend'}
                onChange={() => setAction('amend')}
              />{' '}
              Amend: correct its {isDeposit ? 'amount or time' : 'data or time'}
            </label>
          </fieldset>
          {action === 'amend' && isDeposit && (
            <>
              <label for="amend-amount">Amount</label>
              <input
                id="amend-amount"
                value={amount}
                inputMode="decimal"
                onInput={(e) => setAmount((e.target as HTMLInputElement).value)}
              />
            </>
          )}
          {action === 'amend' && !isDeposit && (
            <>
              <label for="amend-data">Fact data (JSON)</label>
              <textarea
                id="amend-data"
                rows={5}
                value={factData}
                onInput={(e) => setFactData((e.target as HTMLTextAreaElement).value)}
              />
            </>
          )}
          {action === 'amend' && (
            <UtcTimeField id="amend-time" label="Time (UTC)" value={time} onValue={setTime} />
          )}
          <label for="correct-reason">Reason</label>
          <input
            id="correct-reason"
            value={reason}
            required
            maxLength={1000}
            onInput={(e) => setReason((e.target as HTMLInputElement).value)}
          />
          <div class="buttons">
            <button type="button" class="secondary" onClick={close}>
              Cancel
            </button>
            <button type="submit">Review</button>
          </div>
        </form>
      )}
      {(step.kind === 'confirm' || step.kind === 'sending') && (
        <div class="stack">
          <p>
            {action === 'void' ? 'Void' : 'Amend'}{' '}
            {isDeposit ? `the deposit of ${formatMoney(original)}` : `fact ${String(data.factId)}`} because “
            {reason}”. The original stays in the log: one EventCorrected is appended
            {isDeposit ? '' : ', with the point adjustments it causes'}.
          </p>
          {expected !== undefined && (
            <p data-testid="expected-balance">
              Money balance {formatMoney(balance)} → {formatMoney(expected)} (the flag is recomputed from the
              corrected deposits).
            </p>
          )}
          <div class="buttons">
            <button
              type="button"
              class="secondary"
              onClick={() => setStep({ kind: 'form' })}
              disabled={step.kind === 'sending'}
            >
              Back
            </button>
            <button type="button" class="danger" onClick={send} disabled={step.kind === 'sending'}>
              {step.kind === 'sending' ? 'Correcting…' : 'Confirm correction'}
            </button>
          </div>
        </div>
      )}
      {step.kind === 'done' && <CorrectionResult answer={step.answer} onClose={close} />}
      {problem !== undefined && (
        <p class="error" role="alert">
          {problem}
        </p>
      )}
    </dialog>
  );
}

function CorrectionResult({ answer, onClose }: { answer: CorrectionAnswer; onClose: () => void }) {
  const fields = ['balance', 'points', 'aboveThreshold', 'version'];
  return (
    <div class="stack" data-testid="correction-result">
      <p role="status">
        {answer.changed ? 'Corrected.' : 'Nothing changed: the same correction was already recorded.'}{' '}
        {answer.compensations.length > 0
          ? `${answer.compensations.length} point adjustment(s) appended.`
          : ''}
      </p>
      <table class="compact" aria-label="The wallet before and after the correction">
        <thead>
          <tr>
            <th scope="col" />
            <th scope="col">Before</th>
            <th scope="col">After</th>
          </tr>
        </thead>
        <tbody>
          {fields.map((field) => (
            <tr key={field}>
              <th scope="row">{field}</th>
              <td>{String(answer.before[field])}</td>
              <td data-testid={`after-${field}`}>{String(answer.after[field])}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <div class="buttons">
        <button type="button" onClick={onClose}>
          Close
        </button>
      </div>
    </div>
  );
}
