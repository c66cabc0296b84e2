package io.jworkqueue.internal;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.function.BooleanSupplier;

/**
 * Waiting without {@link InterruptedException}, as the API promises for {@code flush},
 * {@code cancelSync}, {@code drain}, {@code destroy} and {@code close}: an interrupt does not end
 * the wait, and the interrupt status is set again before returning.
 */
final class Waits {
    private Waits() {}

    /** Awaits {@code cond} (whose lock the caller holds) until {@code done} is true. */
    static void await(Condition cond, BooleanSupplier done) {
        boolean interrupted = false;
        while (!done.getAsBoolean()) {
            try {
                cond.await();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * As {@link #await(Condition, BooleanSupplier)} with a timeout; returns whether done. A
     * timeout of zero or less only checks; the deadline arithmetic wraps safely for any positive
     * timeout up to {@code Long.MAX_VALUE} (compared by difference, never by value).
     */
    static boolean await(Condition cond, BooleanSupplier done, long timeoutNanos) {
        if (timeoutNanos <= 0) {
            return done.getAsBoolean();
        }
        boolean interrupted = false;
        long deadline = System.nanoTime() + timeoutNanos;
        try {
            while (!done.getAsBoolean()) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                try {
                    cond.awaitNanos(left);
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            return true;
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    static void joinUninterruptibly(Thread t) {
        if (t == Thread.currentThread()) {
            return;
        }
        boolean interrupted = false;
        while (true) {
            try {
                t.join();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** Joins {@code t} for at most the timeout (zero or less: only checks); returns whether it ended. */
    static boolean joinUninterruptibly(Thread t, long timeout, TimeUnit unit) {
        long nanos = unit.toNanos(timeout); // saturates
        if (nanos <= 0) {
            return !t.isAlive();
        }
        boolean interrupted = false;
        long deadline = System.nanoTime() + nanos;
        try {
            while (t.isAlive()) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                try {
                    TimeUnit.NANOSECONDS.timedJoin(t, left);
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            return true;
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
