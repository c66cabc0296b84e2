package io.jworkqueue.internal;

// The field layout of a pool, split off WorkerPool: PoolFixed (read by lock-free queue calls),
// padding, PoolRunning (nrRunning on a cache line of its own), padding. WorkerPool extends
// PoolRunningPadAfter, the last of the chain, which names this file.

/**
 * The fields of a pool that a lock-free queue call reads for every item it leaves on the inbox
 * ({@link PoolInbox#pushBehind}), first in the object and padded off the fields the worker
 * writes while it runs items (nrStarted, the drain flag, ...): sharing a cache line with those,
 * they would miss the producer's cache after nearly every item.
 */
class PoolFixed {
    final RuntimeCore runtime; // I
    /** I: the CPU of a bound pool, -1 for an unbound pool. */
    final int cpu;
    /**
     * A: the lock-free inbox, a Treiber stack of items linked through their {@code inboxNext}.
     * A queue call leaves an item here instead of taking the lock when it would only wait if
     * linked now ({@link PoolInbox#mayLeaveOnInbox}); whoever next takes the lock moves it to
     * its pwq ({@link PoolInbox#drain}). See {@link PoolInbox#pushBehind}.
     */
    final Inbox inbox = new Inbox();

    PoolFixed(RuntimeCore runtime, int cpu) {
        this.runtime = runtime;
        this.cpu = cpu;
    }
}

/** Padding before {@link PoolRunning#nrRunning}, as for the inbox ({@link Inbox}). */
class PoolRunningPadBefore extends PoolFixed {
    @SuppressWarnings("unused")
    private long p0, p1, p2, p3, p4, p5, p6, p7;

    PoolRunningPadBefore(RuntimeCore runtime, int cpu) {
        super(runtime, cpu);
    }
}

class PoolRunning extends PoolRunningPadBefore {
    /**
     * L for writes; volatile because a lock-free queue call reads it after its push onto the
     * inbox, while a worker that lowers it reads the inbox afterwards (in the predicates): one of
     * the two always sees the other (see {@link PoolInbox#pushBehind}). Written when a worker
     * starts or ends a run, sleeps or wakes, not per item.
     */
    volatile int nrRunning;

    PoolRunning(RuntimeCore runtime, int cpu) {
        super(runtime, cpu);
    }
}

class PoolRunningPadAfter extends PoolRunning {
    @SuppressWarnings("unused")
    private long q0, q1, q2, q3, q4, q5, q6, q7;

    PoolRunningPadAfter(RuntimeCore runtime, int cpu) {
        super(runtime, cpu);
    }
}
