package io.jworkqueue.internal;

import io.jworkqueue.Work;
import java.util.ArrayDeque;
import java.util.concurrent.locks.LockSupport;

/**
 * The rescuer of a {@code MEM_RECLAIM} workqueue, the kernel's {@code rescuer_thread}: one thread
 * reserved when the workqueue is allocated, so that the workqueue makes progress even when no
 * new worker thread can be created.
 *
 * <p>A pool that cannot create a worker sends a <em>mayday</em> for each waiting item
 * ({@link WorkqueueImpl#sendMayday}); the rescuer then joins that pool as a worker that never
 * counts toward its concurrency, takes this workqueue's items off the pool's worklist, runs them
 * and goes back to waiting. Items it runs are counted as {@code rescued}.
 */
final class Rescuer implements Runnable {
    private final WorkqueueImpl wq;
    final Thread thread;
    /** M: pwqs that sent a mayday, each at most once (guarded by this). */
    private final ArrayDeque<PoolWorkqueue> maydays = new ArrayDeque<>();
    private volatile boolean stopped;

    /**
     * Creates and starts the rescuer thread.
     *
     * @throws IllegalStateException naming the workqueue if the thread factory returns null or
     *     throws anything, or the thread cannot be started
     */
    Rescuer(WorkqueueImpl wq) {
        this.wq = wq;
        Thread t;
        try {
            t = wq.runtime.threadFactory().newThread(this);
        } catch (Throwable e) {
            throw new IllegalStateException("workqueue '" + wq.name() + "': cannot create its rescuer thread", e);
        }
        if (t == null) {
            throw new IllegalStateException("workqueue '" + wq.name() + "': the thread factory returned null for its rescuer");
        }
        try {
            t.setName("kworker/R-" + wq.name());
            t.setDaemon(true);
            t.start();
        } catch (Throwable e) {
            throw new IllegalStateException("workqueue '" + wq.name() + "': cannot start its rescuer thread", e);
        }
        this.thread = t;
    }

    /** {@code send_mayday}, called with the pool lock held. */
    void mayday(PoolWorkqueue pwq) {
        synchronized (this) {
            if (maydays.contains(pwq)) {
                return;
            }
            maydays.add(pwq);
        }
        pwq.mayday++;
        if (io.jworkqueue.internal.jfr.Jfr.on()) {
            io.jworkqueue.internal.jfr.Jfr.mayday(wq.name(), pwq.pool.id);
        }
        LockSupport.unpark(thread);
    }

    private synchronized PoolWorkqueue nextMayday() {
        return maydays.poll();
    }

    /**
     * {@code rescuer_thread}. Survives anything thrown while rescuing: reports it (the pool's
     * mayday timer keeps calling while items of this workqueue wait) and goes on.
     */
    @Override
    public void run() {
        CpuPinning.internalThreadStarted(); // it may have been started from a pinned worker
        while (!stopped) {
            try {
                PoolWorkqueue pwq = nextMayday();
                if (pwq == null) {
                    LockSupport.park(this);
                    Thread.interrupted();
                    continue;
                }
                Faults.at("rescuer", pwq);
                rescue(pwq);
            } catch (Throwable t) {
                wq.runtime.internalError("rescuer of workqueue '" + wq.name() + "'", t);
                LockSupport.parkNanos(this, 1_000_000L); // a failure that repeats must not spin
            }
        }
    }

    private void rescue(PoolWorkqueue pwq) {
        WorkerPool pool = pwq.pool;
        Worker w = new Worker(pool, -1);
        w.thread = thread;
        w.flags = Worker.RESCUER;
        Worker.setCurrent(w);
        WorkerCpuClock.markCpu(w); // no idle phase to read its CPU clock in
        WorkerCpuClock.startRun(w);
        pool.lockPool();
        try {
            // Take this workqueue's items off the worklist (assign_work hands an item that is
            // already running elsewhere to that worker), then run them.
            Work work = pool.worklist.first();
            while (work != null) {
                Work next = pool.worklist.after(work);
                if (Node.dataVolatile(work) == pwq) {
                    pool.assignWork(work, w);
                    next = pool.worklist.first(); // the move may have taken linked barriers too
                    while (next != null && Node.dataVolatile(next) != pwq) {
                        next = pool.worklist.after(next);
                    }
                }
                work = next;
            }
            pool.processScheduledWorks(w);
            WorkerCpuClock.endRun(w);
            // Still short of workers and more of ours waiting: stay on the mayday list.
            if (pool.needToCreateWorker()) {
                for (Work x = pool.worklist.first(); x != null; x = pool.worklist.after(x)) {
                    if (Node.dataVolatile(x) == pwq) {
                        mayday(pwq);
                        break;
                    }
                }
            }
            pool.kick();
        } finally {
            if (pool.lock.isHeldByCurrentThread()) {
                pool.unlockPool();
            }
            Worker.setCurrent(null);
        }
    }

    void stop() {
        stopped = true;
        LockSupport.unpark(thread);
        Waits.joinUninterruptibly(thread);
    }

    /** {@link #stop()} waiting at most {@code joinNanos} for the thread (it may run a stuck item). */
    void stop(long joinNanos) {
        stopped = true;
        LockSupport.unpark(thread);
        Waits.joinUninterruptibly(thread, joinNanos, java.util.concurrent.TimeUnit.NANOSECONDS);
    }
}
