package io.jworkqueue.internal;

import io.jworkqueue.Work;

/**
 * A pool's mayday timer ({@code pool_mayday_timeout}): while a worker is needed but cannot be
 * created, it hands every waiting item's pwq to its workqueue's rescuer
 * ({@code WorkqueueImpl.sendMayday}) and re-arms; with no worker at all, or on a virtual pool
 * (no manager to retry), it retries creating one itself. Static helpers taking the pool, whose
 * lock (L) the caller holds; the timer and its armed flag are the pool's.
 */
final class PoolMayday {
    /** {@code MAYDAY_INITIAL_TIMEOUT}, {@code MAYDAY_INTERVAL}. */
    static final long INITIAL_NANOS = 10_000_000L, INTERVAL_NANOS = 100_000_000L;

    private PoolMayday() {}

    static void arm(WorkerPool p, long nanos) {
        if (!p.closing) {
            p.maydayArmed = true;
            p.runtime.timers().rearm(p.maydayTimer, nanos);
        }
    }

    static void disarm(WorkerPool p) {
        if (p.maydayArmed) {
            p.maydayArmed = false;
            p.runtime.timers().cancel(p.maydayTimer);
        }
    }

    /**
     * {@code pool_mayday_timeout}: a worker is needed but cannot be created. Calls every waiting
     * item's rescuer and re-arms. With no worker at all (so no manager retrying), also retries
     * creating the first one. Timer thread.
     */
    static void timerFired(WorkerPool p) {
        p.lockPool();
        try {
            if (!p.maydayArmed || p.closing) {
                return;
            }
            // A virtual pool has no manager to retry creation: the mayday timer does.
            if ((p.nrWorkers == 0 || p.virtual) && p.manager == null && p.needMoreWorker() && PoolWorkers.createWorker(p)) {
                p.maydayArmed = false;
                p.kick();
                return;
            }
            if (p.needToCreateWorker()) {
                for (Work work = p.worklist.first(); work != null; work = p.worklist.after(work)) {
                    if (Node.dataVolatile(work) instanceof PoolWorkqueue pwq) {
                        pwq.wq.sendMayday(pwq);
                    }
                }
                arm(p, INTERVAL_NANOS);
            } else {
                p.maydayArmed = false;
            }
        } finally {
            p.unlockPool();
        }
    }
}
