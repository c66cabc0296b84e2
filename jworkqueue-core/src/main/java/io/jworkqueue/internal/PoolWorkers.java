package io.jworkqueue.internal;

import java.util.concurrent.locks.LockSupport;

/**
 * A pool's workers coming and going: creating a worker (by a kick, the mayday timer or the
 * monitor, with the lock held; by the manager, {@code manage_workers}, with it dropped around
 * the thread factory and {@code Thread.start}), retiring one, and culling surplus idle ones
 * ({@code idle_cull_fn}). Creation failures are reported once per episode and retried by the
 * manager's cooldown and the mayday timer ({@link PoolMayday}). Static helpers taking the pool,
 * whose lock (L) the caller holds unless a method says otherwise; the books they keep are the
 * pool's ({@code workers}, {@code workerIds}, {@code nrWorkers}, {@code creationFailing}).
 */
final class PoolWorkers {
    private PoolWorkers() {}

    /**
     * {@code idle_cull_fn}: while there are too many workers, retires the one idle longest if it
     * has been idle for the timeout; otherwise re-arms for when it will have been. Timer thread.
     */
    static void cullIdle(WorkerPool p) {
        p.lockPool();
        try {
            long timeout = p.runtime.idleTimeoutNanos();
            while (p.tooManyWorkers() && p.idleTail != null && !p.closing) {
                Worker oldest = p.idleTail;
                long idleFor = p.runtime.nanoTime() - oldest.lastActive;
                if (idleFor < timeout) {
                    p.runtime.timers().rearm(p.idleTimer, timeout - idleFor);
                    return;
                }
                destroyWorker(p, oldest);
            }
        } finally {
            p.unlockPool();
        }
    }

    /** Retires a worker: it leaves the pool's books now and its thread exits when it next wakes. */
    static void destroyWorker(WorkerPool p, Worker w) {
        if ((w.flags & Worker.DIE) != 0) {
            return;
        }
        p.leaveIdle(w);
        p.workers.remove(w);
        p.workerArray = p.workers.toArray(new Worker[0]);
        p.workerIds.clear(w.id);
        p.nrWorkers--;
        if ((w.flags & Worker.RELIEF) != 0) {
            p.nrRelief--;
        }
        w.flags |= Worker.DIE;
        LockSupport.unpark(w.thread);
    }

    /**
     * Starts a new worker, which enters the idle list. Called with L held. Whatever the thread
     * factory does (returns null, a started thread, or throws any {@code Throwable}) and
     * whatever {@code Thread.start} throws is a creation failure: reported once per episode,
     * then the caller's cooldown retry and maydays follow.
     */
    static boolean createWorker(WorkerPool p) {
        return createWorker(p, false);
    }

    /**
     * Starts a new worker (L). A virtual pool's workers are virtual threads (the thread factory
     * makes platform threads only), except a {@code relief} worker: a platform thread from the
     * factory that does not enter the idle list and leaves when the worklist is empty
     * ({@link PoolVirtual#relieve}). The lock stays held throughout; the manager creates its workers with
     * the lock dropped instead ({@link #createWorkerUnlocked}).
     */
    static boolean createWorker(WorkerPool p, boolean relief) {
        if (p.closing) {
            return false;
        }
        int wid = p.workerIds.nextClearBit(0);
        Worker w;
        try {
            w = newWorker(p, wid, relief);
            w.thread.start();
        } catch (Throwable e) {
            creationFailed(p, e);
            return false;
        }
        creationRecovered(p);
        addWorker(p, w, relief);
        return true;
    }

    /**
     * {@code maybe_create_worker}'s creation with the pool lock dropped, as the kernel's manager
     * drops {@code pool->lock} around {@code create_worker}: the thread factory and
     * {@code Thread.start} (a system call, and user code) do not hold up the pool's producers and
     * workers. Called by the manager with L held; returns with L held, having dropped it twice.
     * The worker id is reserved first; the worker joins the pool's books and idle list before its
     * thread starts (a kick meanwhile unparks a thread not yet started, which is lost but
     * harmless: the new worker looks at the worklist before it parks), and
     * {@link Worker#startPending} tells {@link PoolShutdown#stopWorkers} to let the start finish before it
     * hands the thread out to be joined.
     */
    private static boolean createWorkerUnlocked(WorkerPool p) {
        if (p.closing) {
            return false;
        }
        int wid = p.workerIds.nextClearBit(0);
        p.workerIds.set(wid); // reserved while the lock is dropped
        Worker w = null;
        Throwable failure = null;
        p.unlockPool();
        try {
            w = newWorker(p, wid, false);
        } catch (Throwable e) {
            failure = e;
        } finally {
            p.lockSpin();
        }
        if (failure != null || p.closing) {
            p.workerIds.clear(wid);
            if (failure != null) {
                creationFailed(p, failure);
            }
            return false;
        }
        addWorker(p, w, false);
        w.startPending = true;
        p.lock.unlock();
        try {
            w.thread.start();
        } catch (Throwable e) {
            failure = e;
        } finally {
            w.startPending = false;
            p.lockSpin();
        }
        if (failure != null) {
            destroyWorker(p, w); // never ran: out of the books and the idle list again
            creationFailed(p, failure);
            return false;
        }
        creationRecovered(p);
        return true;
    }

    /**
     * A worker and its thread, not started (any lock state: touches no pool field). Whatever the
     * thread factory does wrong is thrown.
     */
    private static Worker newWorker(WorkerPool p, int wid, boolean relief) {
        boolean virtualThread = p.virtual && !relief;
        Worker w = new Worker(p, wid, virtualThread);
        Thread t = virtualThread ? Thread.ofVirtual().unstarted(w) : p.runtime.threadFactory().newThread(w);
        if (t == null) {
            throw new IllegalStateException("the thread factory returned null");
        }
        t.setName(relief ? threadName(p, wid) + "-relief" : threadName(p, wid));
        if (virtualThread) {
            // a virtual thread's priority cannot change
        } else if (p.highpri) {
            t.setPriority(Thread.MAX_PRIORITY);
        } else if (p.nice != 0) {
            t.setPriority(PoolAttrs.threadPriority(p.nice));
        }
        w.thread = t;
        // Unbound platform workers count in nr_running too (the pool's target); virtual and
        // relief workers do not.
        w.flags = Worker.PREP | (virtualThread ? Worker.VIRTUAL : 0) | (relief ? Worker.RELIEF : 0);
        return w;
    }

    /** Enters a new worker in the pool's books, and a non-relief one on the idle list (L). */
    private static void addWorker(WorkerPool p, Worker w, boolean relief) {
        p.workerIds.set(w.id);
        p.workers.add(w);
        p.workerArray = p.workers.toArray(new Worker[0]);
        p.nrWorkers++;
        if (relief) {
            p.nrRelief++;
        } else {
            p.enterIdle(w);
        }
    }

    private static void creationRecovered(WorkerPool p) {
        if (p.creationFailing) {
            p.creationFailing = false;
            p.runtime.workerCreationRecovered(p);
        }
    }

    private static void creationFailed(WorkerPool p, Throwable e) {
        if (!p.creationFailing) {
            p.creationFailing = true;
            try {
                p.runtime.workerCreationFailed(p, e);
            } catch (Throwable ignored) {
                // reporting (e.g. toString of what the factory threw) must not fail the caller
            }
        }
    }

    static String threadName(WorkerPool p, int wid) {
        return (p.isUnbound() ? "kworker/u" + p.id : "kworker/" + p.cpu) + ":" + wid + (p.highpri ? "H" : "");
    }

    /**
     * {@code manage_workers}: become the manager and create a worker if one is needed.
     *
     * @return true if this worker managed (the lock was dropped and the state must be rechecked)
     */
    static boolean manageWorkers(WorkerPool p, Worker w) {
        if (p.manager != null) {
            return false;
        }
        p.manager = w;
        try {
            while (p.needToCreateWorker() && !p.closing) {
                if (createWorkerUnlocked(p)) {
                    break;
                }
                // Creation failed: maydays go out after MAYDAY_INITIAL_TIMEOUT; cool down, retry.
                if (!p.maydayArmed) {
                    PoolMayday.arm(p, PoolMayday.INITIAL_NANOS);
                }
                p.lock.unlock();
                try {
                    LockSupport.parkNanos(p, p.runtime.createCooldownNanos());
                    Thread.interrupted();
                } finally {
                    p.lock.lock();
                }
            }
            PoolMayday.disarm(p);
        } finally {
            p.manager = null;
        }
        return true;
    }
}
