package io.jworkqueue.internal;

import io.jworkqueue.Work;
import java.util.concurrent.locks.LockSupport;

/**
 * A flush barrier, the kernel's {@code wq_barrier}: an item linked right behind the one being
 * flushed (or at the head of the worker's scheduled list when it is running), whose function
 * wakes the flusher. It has no flush colour and does not count toward {@code nr_active}.
 */
final class Barrier extends Work {
    private final Thread waiter;
    private volatile boolean done;

    Barrier(Thread waiter) {
        super(self -> ((Barrier) self).complete());
        this.waiter = waiter;
    }

    void complete() {
        done = true;
        LockSupport.unpark(waiter);
    }

    boolean isDone() {
        return done;
    }

    /**
     * Parks until done or {@code timeoutNanos} have passed; interrupts do not end the wait and
     * are preserved. On timeout the barrier stays linked and completes unobserved later.
     *
     * @return whether done
     */
    boolean await(long timeoutNanos) {
        return Waits.awaitUntil(this::isDone, timeoutNanos, n -> {
            LockSupport.parkNanos(this, n);
            if (Thread.interrupted()) {
                throw new InterruptedException(); // noted by awaitUntil, which goes on waiting
            }
        });
    }

    /** Parks until done; interrupts do not end the wait and are preserved. */
    void await() {
        boolean interrupted = false;
        while (!done) {
            LockSupport.park(this);
            if (Thread.interrupted()) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
