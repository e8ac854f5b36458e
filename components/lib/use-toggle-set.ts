'use client';

import { useCallback, useState } from 'react';

/** A set of keys the user opens and closes one at a time (expanded rows), with a way to set it whole. */
export const useToggleSet = <K>() => {
  const [open, setOpen] = useState<ReadonlySet<K>>(new Set());
  const toggle = useCallback(
    (key: K) =>
      setOpen((current) => {
        const next = new Set(current);
        if (next.has(key)) next.delete(key);
        else next.add(key);
        return next;
      }),
    [],
  );
  return { open, setOpen, toggle };
};
