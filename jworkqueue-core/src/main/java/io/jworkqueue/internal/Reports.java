package io.jworkqueue.internal;

import io.jworkqueue.Work;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What the runtime tells people about trouble it contains: internal errors (counted, logged at
 * most once a minute per kind), CPU hogs ({@code wq_cpu_intensive_report}), carrier hogs and
 * relief workers of virtual pools, a failing CPU locator, failures of work functions (to the
 * exception handler) and of worker creation. Never throws into its caller. Time is the
 * runtime's clock ({@link RuntimeCore#nanoTime}).
 */
final class Reports {
    private static final System.Logger LOG = System.getLogger("io.jworkqueue");
    private static final long MINUTE_NANOS = 60_000_000_000L;

    private final RuntimeCore runtime; // I
    /** Failures caught by the runtime's own threads and calls into user callbacks other than work functions. */
    private final AtomicLong internalErrors = new AtomicLong();
    /** When each kind of internal error was last logged, for rate limiting. */
    private final ConcurrentHashMap<String, Long> errorReports = new ConcurrentHashMap<>();
    /** When each hogging function (or relieved pool) was last logged, for rate limiting. */
    private final ConcurrentHashMap<String, Long> hogReports = new ConcurrentHashMap<>();
    /** Whether a failing cpuLocator has been reported (it is reported once). */
    private final AtomicBoolean locatorReported = new AtomicBoolean();

    Reports(RuntimeCore runtime) {
        this.runtime = runtime;
    }

    /** @return how many failures the runtime contained */
    long internalErrors() {
        return internalErrors.get();
    }

    /**
     * Rate limit for log lines that could repeat: true if nothing was logged for {@code key} in
     * the last minute (and records now as its time), false otherwise.
     */
    private boolean firstThisMinute(ConcurrentHashMap<String, Long> last, String key) {
        long now = runtime.nanoTime();
        Long prev = last.get(key);
        if (prev != null && now - prev < MINUTE_NANOS) {
            return false;
        }
        last.put(key, now);
        return true;
    }

    /**
     * An internal thread (timer, concurrency monitor, rescuer, worker) caught {@code t} and goes
     * on: counts it and logs it at ERROR, at most once a minute per {@code where}, since a
     * failure that repeats would otherwise flood the log. Never throws.
     */
    void internalError(String where, Throwable t) {
        internalErrors.incrementAndGet();
        try {
            if (!firstThisMinute(errorReports, where)) {
                return;
            }
            LOG.log(System.Logger.Level.ERROR, "workqueue runtime '" + runtime.runtimeName() + "': " + where
                    + " caught an unexpected exception and continues (further ones within a minute are only counted)", t);
        } catch (Throwable ignored) {
            // reporting must not take down the thread that survived the failure
        }
    }

    /** The cpuLocator threw: counted, and logged once at WARNING. */
    void locatorFailed(Throwable t) {
        internalErrors.incrementAndGet();
        if (!locatorReported.get() && locatorReported.compareAndSet(false, true)) {
            try {
                LOG.log(System.Logger.Level.WARNING, "workqueue runtime '" + runtime.runtimeName() + "': the cpuLocator threw;"
                        + " using the default per-thread CPU instead (reported once, counted in internalErrors)", t);
            } catch (Throwable ignored) {
                // the queue call that got here must not fail
            }
        }
    }

    /**
     * {@code wq_cpu_intensive_report}: logs a function detected as a CPU hog, at most once per
     * function and minute, suggesting {@code UNBOUND} as the kernel does.
     */
    void cpuHog(WorkqueueImpl wq, Work work, long cpuNanos) {
        if (io.jworkqueue.internal.jfr.Jfr.on()) {
            io.jworkqueue.internal.jfr.Jfr.cpuHog(wq.name(), work, cpuNanos / 1_000_000);
        }
        String fn = Dump.fnName(work);
        if (!firstThisMinute(hogReports, fn)) {
            return;
        }
        LOG.log(System.Logger.Level.INFO, "workqueue ''{0}'': {1} hogged CPU for >{2} ms, consider switching to WQ_UNBOUND",
                wq.name(), fn, cpuNanos / 1_000_000);
    }

    /**
     * A virtual worker of the virtual-thread mode held its carrier past {@code cpu_intensive_thresh}
     * while items waited (see {@code PoolSampler.sampleVirtual}): reported like a CPU hog (the JFR
     * event, and a log line at most once per function and minute), its time being wall time.
     *
     * @param pinned whether its carrier was parked (blocked while pinned) rather than runnable
     *     (CPU-bound, or blocked in native code or the VM)
     */
    void carrierHog(WorkqueueImpl wq, Work work, long wallNanos, boolean pinned) {
        if (io.jworkqueue.internal.jfr.Jfr.on()) {
            io.jworkqueue.internal.jfr.Jfr.cpuHog(wq.name(), work, wallNanos / 1_000_000);
        }
        String fn = Dump.fnName(work);
        if (!firstThisMinute(hogReports, fn)) {
            return;
        }
        LOG.log(System.Logger.Level.INFO, "workqueue ''{0}'': {1} held the carrier of its virtual worker for >{2} ms ({3})"
                + ": other virtual threads cannot use it meanwhile", wq.name(), fn, wallNanos / 1_000_000,
                pinned ? "blocked while pinned: native frame, class initialiser, or synchronized before JDK 24"
                        : "CPU-bound, or blocked in native code or the VM");
    }

    /**
     * A virtual pool's items waited {@code waitedNanos} without one starting, and a platform
     * relief worker was started for them: logged at most once per pool and minute.
     */
    void relief(WorkerPool pool, WorkqueueImpl wq, long waitedNanos, int relief) {
        if (!firstThisMinute(hogReports, "relief " + pool.id)) {
            return;
        }
        LOG.log(System.Logger.Level.INFO, "{0}: items{1} waited {2} ms while its virtual workers could not get a carrier;"
                + " running them on platform relief worker(s) ({3} now)", pool, wq != null ? " of workqueue '" + wq.name() + "'" : "",
                waitedNanos / 1_000_000, relief);
    }

    /** A work function threw: tells the runtime's exception handler (which must not throw either). */
    void failure(WorkqueueImpl wq, Work work, Throwable t) {
        try {
            runtime.config().exceptionHandler().uncaughtException(wq, work, t);
        } catch (Throwable h) {
            LOG.log(System.Logger.Level.ERROR, "workqueue exception handler threw while reporting a failure of " + work, h);
        }
    }

    void workerCreationFailed(WorkerPool pool, Throwable t) {
        LOG.log(System.Logger.Level.WARNING, pool + ": cannot create a worker thread (retrying; rescuers called): " + t);
    }

    void workerCreationRecovered(WorkerPool pool) {
        LOG.log(System.Logger.Level.INFO, pool + ": worker threads can be created again");
    }
}
