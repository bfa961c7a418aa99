import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { api, call } from '../../api.ts';
import type { AuditEvent, AuditPage } from './types.ts';

export const PAGE_SIZE = 200;
/** Reloading more pages than this on a live update would cost more than it shows: only the last one is. */
const RELOAD_PAGES_MAX = 3;

interface LoadedPage {
  cursor: string | undefined;
  events: AuditEvent[];
}

export interface AuditTrail {
  events: AuditEvent[];
  hasMore: boolean;
  loading: boolean;
  error: unknown;
  /** Reads the next page (no-op while one is being read or when there is none). */
  loadMore: () => Promise<void>;
  /** Reads pages until `key` (`lane:version`) is loaded; its index, or -1 (bounded by `pagesMax`). */
  loadUntil: (key: string, pagesMax?: number) => Promise<number>;
}

/**
 * The wallet's audit trail a page (200 events) at a time, following the API's cursor: never the
 * whole log. When `refreshKey` changes (a new event arrived), the pages read so far are read again
 * (only the last one past a few), so new events and new `correctedBy` marks appear.
 */
export function useAuditTrail(walletId: string, refreshKey: number): AuditTrail {
  const [pages, setPages] = useState<LoadedPage[]>([]);
  const [nextCursor, setNextCursor] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const state = useRef({ pages, nextCursor, busy: false, walletId });
  state.current = { ...state.current, pages, nextCursor };

  const readPage = useCallback(
    (cursor: string | undefined) =>
      call<AuditPage>(
        api().GET('/wallets/{wallet_id}/events', {
          params: {
            path: { wallet_id: walletId },
            query: { limit: String(PAGE_SIZE), ...(cursor === undefined ? {} : { cursor }) },
          },
        }),
      ),
    [walletId],
  );

  // A new wallet starts over; a new refreshKey reads the loaded pages again.
  useEffect(() => {
    let cancelled = false;
    const walletChanged = state.current.walletId !== walletId;
    state.current.walletId = walletId;
    const previous = walletChanged ? [] : state.current.pages;
    const again =
      previous.length === 0
        ? [{ cursor: undefined, events: [] }]
        : previous.length <= RELOAD_PAGES_MAX
          ? previous
          : previous.slice(-1);
    const kept = previous.length <= RELOAD_PAGES_MAX ? [] : previous.slice(0, -1);
    setLoading(true);
    (async () => {
      const reread: LoadedPage[] = [];
      let next: string | null = null;
      for (const page of again) {
        const answer = await readPage(page.cursor);
        reread.push({ cursor: page.cursor, events: answer.events });
        next = answer.nextCursor;
      }
      if (cancelled) return;
      if (walletChanged) setPages(reread);
      else setPages([...kept, ...reread]);
      setNextCursor(next);
      setError(undefined);
    })()
      .catch((failure: unknown) => {
        if (!cancelled) setError(failure);
      })
      .finally(() => {
        if (!cancelled) setLoading(false);
      });
    return () => {
      cancelled = true;
    };
  }, [walletId, refreshKey, readPage]);

  const loadMore = useCallback(async () => {
    const { nextCursor: cursor, busy } = state.current;
    if (cursor === null || busy) return;
    state.current.busy = true;
    setLoading(true);
    try {
      const answer = await readPage(cursor);
      const grown = [...state.current.pages, { cursor, events: answer.events }];
      state.current = { ...state.current, pages: grown, nextCursor: answer.nextCursor };
      setPages(grown);
      setNextCursor(answer.nextCursor);
    } catch (failure) {
      setError(failure);
    } finally {
      state.current.busy = false;
      setLoading(false);
    }
  }, [readPage]);

  const loadUntil = useCallback(
    async (key: string, pagesMax = 20) => {
      for (let read = 0; read <= pagesMax; read++) {
        const events = state.current.pages.flatMap((page) => page.events);
        const index = events.findIndex((event) => `${event.lane}:${event.version}` === key);
        if (index !== -1 || state.current.nextCursor === null) return index;
        await loadMore();
      }
      return -1;
    },
    [loadMore],
  );

  return {
    events: pages.flatMap((page) => page.events),
    hasMore: nextCursor !== null,
    loading,
    error,
    loadMore,
    loadUntil,
  };
}
