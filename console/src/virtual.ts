import {
  elementScroll,
  observeElementOffset,
  observeElementRect,
  type VirtualItem,
  Virtualizer,
} from '@tanstack/virtual-core';
import type { RefObject } from 'preact';
import { useLayoutEffect, useReducer, useState } from 'preact/hooks';

/**
 * A virtualized list for Preact over @tanstack/virtual-core: only the rows in view (plus
 * `overscan`) are in the DOM, so a list of 100,000 rows costs what one screen does.
 *
 *   const scroller = useRef<HTMLDivElement>(null);
 *   const rows = useVirtualRows(scroller, items.length, 48);
 *   <div ref={scroller} style="overflow:auto;height:480px">
 *     <div style={{ height: rows.totalSize, position: 'relative' }}>
 *       {rows.items.map((row) => <div style={{ position: 'absolute', top: row.start, height: row.size }}>…)}
 */
export function useVirtualRows(
  scroller: RefObject<HTMLElement>,
  count: number,
  rowHeight: number,
  overscan = 10,
): { items: VirtualItem[]; totalSize: number; scrollToIndex: (index: number) => void } {
  const [, redraw] = useReducer((value: number) => value + 1, 0);
  const [virtualizer] = useState(
    () =>
      new Virtualizer<HTMLElement, Element>({
        count,
        getScrollElement: () => scroller.current,
        estimateSize: () => rowHeight,
        scrollToFn: elementScroll,
        observeElementRect,
        observeElementOffset,
        overscan,
        onChange: () => redraw(undefined),
      }),
  );
  virtualizer.setOptions({
    ...virtualizer.options,
    count,
    estimateSize: () => rowHeight,
    overscan,
    onChange: () => redraw(undefined),
  });
  useLayoutEffect(() => virtualizer._didMount(), [virtualizer]);
  useLayoutEffect(() => {
    virtualizer._willUpdate();
  });
  return {
    items: virtualizer.getVirtualItems(),
    totalSize: virtualizer.getTotalSize(),
    scrollToIndex: (index) => virtualizer.scrollToIndex(index, { align: 'center' }),
  };
}
