import { useEffect, useRef, useState } from 'preact/hooks';
import { errorText } from './api.ts';

/** One page of a cursor-paged read: its items, and the cursor of the next (null at the end). */
export interface Page<T> {
  items: T[];
  next: string | null;
}

export interface Paged<T> {
  items: T[];
  /** The next page's cursor: null at the end, undefined before the first page arrived. */
  next: string | null | undefined;
  loading: boolean;
  problem: string | undefined;
  /** Reads the next page and appends it (nothing while a read is running, or at the end). */
  more(): void;
  /** Reads the first page again, replacing the list. */
  reload(): void;
}

/**
 * A list read a page at a time with the API's cursors: the first page whenever `deps` change, the
 * next on `more()`. One read at a time; an answer that arrives after the list was restarted (deps
 * changed, reload) is dropped, so a filter change never shows the old filter's rows.
 */
export function usePaged<T>(
  readPage: (cursor: string | undefined) => Promise<Page<T>>,
  deps: readonly unknown[],
): Paged<T> {
  const [items, setItems] = useState<T[]>([]);
  const [next, setNext] = useState<string | null | undefined>(undefined);
  const [loading, setLoading] = useState(false);
  const [problem, setProblem] = useState<string | undefined>(undefined);
  const generation = useRef(0);
  const busy = useRef(false);

  const read = (cursor: string | undefined): Promise<void> => {
    const mine = cursor === undefined ? ++generation.current : generation.current;
    busy.current = true;
    setLoading(true);
    return readPage(cursor)
      .then(
        (page) => {
          if (mine !== generation.current) return;
          setItems((previous) => (cursor === undefined ? page.items : [...previous, ...page.items]));
          setNext(page.next);
          setProblem(undefined);
        },
        (error: unknown) => {
          if (mine === generation.current) setProblem(errorText(error));
        },
      )
      .finally(() => {
        if (mine === generation.current) {
          busy.current = false;
          setLoading(false);
        }
      });
  };

  useEffect(() => {
    void read(undefined);
  }, deps);

  return {
    items,
    next,
    loading,
    problem,
    more: () => {
      if (busy.current || next === null || next === undefined) return;
      void read(next);
    },
    reload: () => {
      void read(undefined);
    },
  };
}
