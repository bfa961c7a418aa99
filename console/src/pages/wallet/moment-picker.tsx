import { useState } from 'preact/hooks';
import { formatTime, inputToIso, isoToInput } from '../../format.ts';
import { isNow, type Moment } from './types.ts';

/**
 * The as-of / known-at picker: effective time ("what was the balance then?") and record time ("what
 * did we know then?"), in UTC. Applying redraws the page at that moment; "Now" goes back to live.
 */
export function MomentPicker({ moment, onChange }: { moment: Moment; onChange: (moment: Moment) => void }) {
  const [asOf, setAsOf] = useState(isoToInput(moment.asOf));
  const [knownAt, setKnownAt] = useState(isoToInput(moment.knownAt));
  const apply = (event: Event) => {
    event.preventDefault();
    onChange({ asOf: inputToIso(asOf), knownAt: inputToIso(knownAt) });
  };
  return (
    <form class="moment" onSubmit={apply} aria-labelledby="moment-title">
      <h2 id="moment-title" class="visually-hidden">
        Moment
      </h2>
      <label>
        As of (effective time, UTC)
        <input
          type="datetime-local"
          step={1}
          value={asOf}
          onInput={(e) => setAsOf((e.target as HTMLInputElement).value)}
        />
      </label>
      <label>
        Known at (record time, UTC)
        <input
          type="datetime-local"
          step={1}
          value={knownAt}
          onInput={(e) => setKnownAt((e.target as HTMLInputElement).value)}
        />
      </label>
      <button type="submit">Show</button>
      <button
        type="button"
        class="secondary"
        disabled={isNow(moment)}
        onClick={() => {
          setAsOf('');
          setKnownAt('');
          onChange({ asOf: undefined, knownAt: undefined });
        }}
      >
        Now
      </button>
      <p class="moment-state" aria-live="polite" data-testid="moment">
        {isNow(moment)
          ? 'Now, live: new events redraw the page.'
          : `At a past moment: ${moment.asOf === undefined ? '' : `as of ${formatTime(moment.asOf)}`}${
              moment.asOf !== undefined && moment.knownAt !== undefined ? ', ' : ''
            }${moment.knownAt === undefined ? '' : `as known at ${formatTime(moment.knownAt)}`}.`}
      </p>
    </form>
  );
}
