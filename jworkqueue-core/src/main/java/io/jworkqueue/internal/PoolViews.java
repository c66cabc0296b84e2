package io.jworkqueue.internal;

import io.jworkqueue.PoolInfo;
import java.util.ArrayList;
import java.util.List;

/**
 * What observers (the watchdog, the dumps, JMX) read of one pool: consistent snapshots taken
 * under its lock, and the progress test by which they judge it stalled.
 */
final class PoolViews {
    private PoolViews() {}

    /**
     * @return how long the worklist has been seen waiting without an item starting, or -1 if it
     *     is empty (the watchdog's {@code wq_watchdog_timer_fn} test)
     */
    static long stalledNanos(WorkerPool p, long now) {
        p.lockPool();
        try {
            return stalledLocked(p, now);
        } finally {
            p.unlockPool();
        }
    }

    /**
     * The progress test behind the watchdog and the dumps (L). Instead of a timestamp touched at
     * every item start (a clock reading per item), observers compare {@link WorkerPool#nrStarted} with what
     * they saw last: a stall is counted from the first observation that found the worklist
     * waiting with no start since the previous one. So a stall is reported between one and
     * about one and a quarter thresholds after it began (the watchdog looks every quarter).
     *
     * @return nanoseconds the worklist has been seen waiting without progress, or -1 if it is empty
     */
    static long stalledLocked(WorkerPool p, long now) {
        if (p.worklist.isEmpty()) {
            p.stallSeenSince = 0;
            p.observedStarted = p.nrStarted;
            return -1;
        }
        if (p.nrStarted != p.observedStarted || p.stallSeenSince == 0) {
            p.observedStarted = p.nrStarted;
            p.stallSeenSince = now;
        }
        return Math.max(0, now - p.stallSeenSince);
    }

    /** @return a consistent snapshot of {@code p}, taken under its lock */
    static PoolInfo info(WorkerPool p, long now) {
        p.lockPool();
        try {
            long waited = Math.max(0, stalledLocked(p, now)) / 1_000_000L;
            return new PoolInfo(p.id, p.cpu, p.isUnbound(), p.highpri, p.nice,
                    Formats.poolFlags(p.isUnbound()), p.nrWorkers, p.nrIdle, p.nrRunning, p.worklist.size(), waited,
                    p.manager != null, p.cpuList());
        } finally {
            p.unlockPool();
        }
    }

    /** Restarts the watchdog clock (after a lockup was reported). */
    static void touchWatchdog(WorkerPool p, long now) {
        p.lockPool();
        try {
            p.observedStarted = p.nrStarted;
            p.stallSeenSince = now;
        } finally {
            p.unlockPool();
        }
    }

    static List<Worker> workersLocked(WorkerPool p) { // L
        return new ArrayList<>(p.workers);
    }

    static List<Worker> workers(WorkerPool p) {
        p.lockPool();
        try {
            return new ArrayList<>(p.workers);
        } finally {
            p.unlockPool();
        }
    }

    /** @return how many workers the pool has now */
    static int workerCount(WorkerPool p) {
        p.lockPool();
        try {
            return p.nrWorkers;
        } finally {
            p.unlockPool();
        }
    }
}
