package io.jworkqueue.internal;

import io.jworkqueue.Work;

/**
 * A pool's busy hash ({@code busy_hash}): the workers running an item, keyed by the item's
 * identity and chained through {@link Worker#hashNext}, so that non-reentrancy can find the
 * worker already running an item. Guarded by the pool lock (L).
 */
final class BusyHash {
    private static final int BITS = 6;

    private final Worker[] table = new Worker[1 << BITS];

    private static int hash(Work w) {
        return Node.busyKey(w) & ((1 << BITS) - 1);
    }

    /** {@code find_worker_executing_work}. */
    Worker find(Work work) {
        for (Worker w = table[hash(work)]; w != null; w = w.hashNext) {
            if (w.currentWork == work) {
                return w;
            }
        }
        return null;
    }

    /** Enters {@code w}, which starts running {@code work}. */
    void add(Worker w, Work work) {
        int h = hash(work);
        w.hashNext = table[h];
        table[h] = w;
    }

    /** Removes {@code w}, which ran {@code work}. */
    void remove(Worker w, Work work) {
        int h = hash(work);
        Worker prev = null;
        for (Worker x = table[h]; x != null; prev = x, x = x.hashNext) {
            if (x == w) {
                if (prev == null) {
                    table[h] = x.hashNext;
                } else {
                    prev.hashNext = x.hashNext;
                }
                w.hashNext = null;
                return;
            }
        }
    }
}
