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

    /** As {@link #await(Condition, BooleanSupplier)} with a deadline; returns whether done. */
    static boolean await(Condition cond, BooleanSupplier done, long timeoutNanos) {
        return awaitUntil(done, timeoutNanos, cond::awaitNanos);
    }

    /** One wait of at most {@code nanos} (negative: no limit); may return early. */
    @FunctionalInterface
    interface Step {
        void await(long nanos) throws InterruptedException;
    }

    /**
     * Repeats {@code step} until {@code done} holds, for at most {@code timeoutNanos} (negative:
     * no limit). Interrupts do not end the wait; the status is set again before returning.
     *
     * @return whether done
     */
    static boolean awaitUntil(BooleanSupplier done, long timeoutNanos, Step step) {
        boolean interrupted = false;
        long deadline = System.nanoTime() + timeoutNanos;
        try {
            while (!done.getAsBoolean()) {
                long left = timeoutNanos < 0 ? -1 : deadline - System.nanoTime();
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

    static boolean joinUninterruptibly(Thread t, long timeout, TimeUnit unit) {
        boolean interrupted = false;
        long deadline = System.nanoTime() + unit.toNanos(timeout);
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
