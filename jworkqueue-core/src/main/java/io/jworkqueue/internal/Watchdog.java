package io.jworkqueue.internal;

import io.jworkqueue.LockupReport;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * The runtime's lockup watchdog: the kernel's {@code wq_watchdog_timer_fn} with its
 * {@code watchdog_thresh} knob and {@code panic_on_stall} handler. A timer on the runtime's wheel
 * that looks every quarter threshold, while some pool has items waiting, for a pool whose
 * worklist has waited longer than the threshold without an item starting, and reports it. Time
 * is the runtime's clock ({@link RuntimeCore#nanoTime}).
 */
final class Watchdog {
    private static final System.Logger LOG = System.getLogger("io.jworkqueue");
    /** The shortest period between two looks. */
    private static final long MIN_PERIOD_NANOS = 1_000_000L;

    private final RuntimeCore runtime; // I
    private final InternalTimer timer = new InternalTimer(this::fired);
    /** Set while the timer is armed (or about to be); cleared when a look finds nothing waiting. */
    private final AtomicBoolean armed = new AtomicBoolean();
    /** {@code watchdog_thresh} in nanoseconds, 0 = off: written by the knob's setter. */
    private volatile long threshNanos;
    /** The kernel's {@code panic_on_stall}: told of every lockup report; null if none. */
    private volatile Consumer<LockupReport> lockupHandler;
    private final AtomicLong lockups = new AtomicLong();

    Watchdog(RuntimeCore runtime, long threshNanos) {
        this.runtime = runtime;
        this.threshNanos = threshNanos;
    }

    long thresholdNanos() {
        return threshNanos;
    }

    /**
     * Sets {@code watchdog_thresh} (validated by the caller). A running watchdog is re-armed with
     * the new period; turning it on arms it at once if some pool has items waiting.
     */
    void setThresholdNanos(long nanos) {
        threshNanos = nanos;
        if (nanos > 0 && armed.get()) {
            runtime.timers().rearm(timer, period(nanos));
        } else if (nanos > 0 && anyWaiting()) {
            needed();
        }
    }

    void setLockupHandler(Consumer<LockupReport> handler) {
        lockupHandler = handler;
    }

    /** @return how many lockups have been reported */
    long lockupsReported() {
        return lockups.get();
    }

    private static long period(long thresh) {
        return Math.max(MIN_PERIOD_NANOS, thresh / 4);
    }

    /** Whether some pool has a non-empty worklist now. */
    private boolean anyWaiting() {
        for (WorkerPool p : runtime.allPools()) {
            if (PoolViews.stalledNanos(p, runtime.nanoTime()) >= 0) {
                return true;
            }
        }
        return false;
    }

    /** A pool's worklist became non-empty: make sure the timer runs (cheap when it does). */
    void needed() {
        long thresh = threshNanos;
        if (thresh > 0 && !armed.get() && armed.compareAndSet(false, true)) {
            runtime.timers().rearm(timer, period(thresh));
        }
    }

    /**
     * The timer's action (timer thread; tests call it too): looks, then re-arms only while some
     * pool has waiting items.
     */
    void fired() {
        long thresh = threshNanos;
        if (thresh <= 0) {
            armed.set(false); // turned off at run time; turning it on re-arms
            return;
        }
        if (!check(thresh)) {
            armed.set(false);
            // A worklist that filled after the scan saw the flag still set and did not arm: look again.
            if (anyWaiting()) {
                needed();
            }
            return;
        }
        runtime.timers().rearm(timer, period(thresh));
    }

    /**
     * One look ({@code wq_watchdog_timer_fn}): reports every pool whose worklist has waited longer
     * than {@code thresh} without an item starting, with a dump of busy workqueues and the stacks
     * of that pool's workers, and restarts its stall clock.
     *
     * @return whether some pool has items waiting
     */
    boolean check(long thresh) {
        long now = runtime.nanoTime();
        boolean waiting = false;
        for (WorkerPool p : runtime.allPools()) {
            long stalled = PoolViews.stalledNanos(p, now);
            if (stalled >= 0) {
                waiting = true;
            }
            if (stalled > thresh) {
                reportLockup(p, stalled);
                PoolViews.touchWatchdog(p, now);
            }
        }
        return waiting;
    }

    private void reportLockup(WorkerPool p, long stalledNanos) {
        String attrs = Formats.poolAttrs(p);
        StringBuilder sb = new StringBuilder();
        sb.append("workqueue lockup - pool ").append(attrs)
          .append(" stuck for ").append(stalledNanos / 1_000_000_000L).append("s!\n");
        sb.append(Dump.busy(runtime));
        sb.append(Dump.stacks(p));
        lockups.incrementAndGet();
        if (io.jworkqueue.internal.jfr.Jfr.on()) {
            io.jworkqueue.internal.jfr.Jfr.lockup(p.id, attrs, stalledNanos / 1_000_000);
        }
        String text = sb.toString();
        LOG.log(System.Logger.Level.ERROR, text);
        Consumer<LockupReport> h = lockupHandler;
        if (h != null) {
            try {
                h.accept(new LockupReport(runtime.runtimeName(), p.id, attrs, Duration.ofNanos(stalledNanos), text));
            } catch (Throwable t) {
                LOG.log(System.Logger.Level.ERROR, "workqueue runtime '" + runtime.runtimeName() + "': the lockup handler threw", t);
            }
        }
    }
}
