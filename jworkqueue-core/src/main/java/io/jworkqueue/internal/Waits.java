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
     * As {@link #await(Condition, BooleanSupplier)} with a timeout; returns whether done. Any
     * timeout works: zero or negative checks once, {@link Long#MAX_VALUE} waits as long as it
     * can (the time left is the timeout less the time elapsed, which cannot overflow where a
     * deadline {@code now + timeout} would).
     */
    static boolean await(Condition cond, BooleanSupplier done, long timeoutNanos) {
        if (timeoutNanos <= 0) {
            return done.getAsBoolean();
        }
        return awaitUntil(done, timeoutNanos, cond::awaitNanos);
    }

    /** One wait of at most {@code nanos} (negative: no limit); may return early. */
    @FunctionalInterface
    interface Step {
        void await(long nanos) throws InterruptedException;
    }

    /**
     * Repeats {@code step} until {@code done} holds, for at most {@code timeoutNanos} (negative:
     * no limit; zero: checks once). The time left is the timeout less the time elapsed, which
     * cannot overflow. Interrupts do not end the wait; the status is set again before returning.
     *
     * @return whether done
     */
    static boolean awaitUntil(BooleanSupplier done, long timeoutNanos, Step step) {
        boolean interrupted = false;
        long start = System.nanoTime();
        try {
            while (!done.getAsBoolean()) {
                long left = timeoutNanos < 0 ? -1 : timeoutNanos - (System.nanoTime() - start);
                if (timeoutNanos >= 0 && left <= 0) {
                    return false;
                }
                try {
                    step.await(left);
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

    /** Joins {@code t} for at most {@code timeout} (any value, as for the timed {@code await}). */
    static boolean joinUninterruptibly(Thread t, long timeout, TimeUnit unit) {
        long nanos = unit.toNanos(timeout);
        if (nanos <= 0) {
            return !t.isAlive();
        }
        return awaitUntil(() -> !t.isAlive(), nanos, n -> TimeUnit.NANOSECONDS.timedJoin(t, n));
    }
}
