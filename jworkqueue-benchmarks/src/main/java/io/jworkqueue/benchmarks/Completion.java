package io.jworkqueue.benchmarks;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * A reusable count-down that the producer of a batch waits on: every item of the batch calls
 * {@link #done()}, the last one unparks the producer. Used identically by jworkqueue and every
 * baseline, so the completion signal costs the same on both sides (one contended decrement per
 * item, one unpark per batch). Allocation-free.
 */
final class Completion {
    private final AtomicInteger remaining = new AtomicInteger();
    private volatile Thread waiter;

    /** Called by the producer before it submits a batch of {@code n} items. */
    void reset(int n) {
        waiter = Thread.currentThread();
        remaining.set(n);
    }

    /** Called by each item. */
    void done() {
        if (remaining.decrementAndGet() == 0) {
            LockSupport.unpark(waiter);
        }
    }

    /** Parks the producer until every item of the batch called {@link #done()}. */
    void await() {
        while (remaining.get() != 0) {
            LockSupport.park(this);
        }
    }
}
