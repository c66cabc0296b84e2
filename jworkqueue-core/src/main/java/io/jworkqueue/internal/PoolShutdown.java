package io.jworkqueue.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * A pool's end: closing it to new workers and telling every worker to exit, at the runtime's
 * shutdown (waiting for the threads, within a grace period) or when the last pwq of an unbound
 * pool is released ({@code put_unbound_pool}). Static helpers taking the pool; each takes the
 * pool lock itself.
 */
final class PoolShutdown {
    private PoolShutdown() {}

    /**
     * Tells every worker to exit and waits at most {@code joinNanos} (negative: no limit) for
     * their threads; a worker running an item leaves when the item returns.
     *
     * @return the threads still alive
     */
    static List<Thread> shutdown(WorkerPool p, long joinNanos) {
        long start = System.nanoTime();
        List<Thread> threads = stopWorkers(p);
        List<Thread> alive = new ArrayList<>();
        for (Thread t : threads) {
            if (joinNanos < 0) {
                Waits.joinUninterruptibly(t);
            } else if (!Waits.joinUninterruptibly(t, Math.max(0, joinNanos - (System.nanoTime() - start)),
                    TimeUnit.NANOSECONDS)) {
                alive.add(t);
            }
        }
        return alive;
    }


    /**
     * The last pwq using this unbound pool was released ({@code put_unbound_pool}): the pool
     * takes no more work and its workers exit at once (idle ones now, a worker finishing the
     * last item when it returns).
     *
     * @return the worker threads, for the runtime's close to wait for
     */
    static List<Thread> retire(WorkerPool p) {
        return stopWorkers(p);
    }

    /** Closes the pool to new workers and tells every worker to exit. @return their threads */
    private static List<Thread> stopWorkers(WorkerPool p) {
        List<Thread> threads = new ArrayList<>();
        List<Worker> starting = null;
        p.lockPool();
        try {
            p.closing = true;
            PoolMayday.disarm(p);
            p.runtime.timers().cancel(p.idleTimer);
            for (Worker w : new ArrayList<>(p.workers)) {
                threads.add(w.thread);
                if (w.startPending) {
                    starting = starting == null ? new ArrayList<>(1) : starting;
                    starting.add(w);
                }
                PoolWorkers.destroyWorker(p, w);
            }
        } finally {
            p.unlockPool();
        }
        if (starting != null) {
            // The manager starts these without the lock (PoolWorkers.createWorkerUnlocked); a join before the
            // start would return at once and the thread would run after this pool was closed.
            for (Worker w : starting) {
                while (w.startPending) {
                    LockSupport.parkNanos(p, 10_000L);
                }
            }
        }
        return threads;
    }
}
