package io.jworkqueue.internal;

import io.jworkqueue.Work;
import java.util.concurrent.locks.LockSupport;

/**
 * How a pool's nr_running follows its workers' sleeps: a worker leaves it when it blocks (told by
 * the blocking hint, {@code wq_worker_sleeping}; detected by the monitor, {@link PoolSampler}; or
 * presumed) and comes back when it runs again ({@code wq_worker_running}), and the pool wakes
 * another worker in its place. Static helpers taking the pool, whose lock (L) the caller holds
 * unless a method says otherwise; the state is the pool's {@code nrRunning} and the worker's
 * {@code sleeping}, {@code sleepingDetected} and {@code presumed}.
 *
 * <p><b>Presumed sleepers.</b> An item the monitor saw blocked in its last run starts outside
 * nr_running, so the next item starts at once rather than a sampling period later. A running
 * worker that meets one at the head of the worklist hands it to an idle worker and goes on with
 * the next item itself ({@link #handOff}), so the CPU's items do not wait for a
 * wake-up. The monitor counts a presumed sleeper's worker back in once it has seen it run (its
 * CPU clock moved between two samples of the run), not merely runnable: on its way to the
 * blocking call, or preempted before it, the worker is runnable too, and counting it back then
 * would stop the item started in its place and make the block that follows a fresh detection.
 */
final class PoolSleepers {
    private PoolSleepers() {}

    /**
     * The worker went to sleep (L): it leaves nr_running ({@code wq_worker_sleeping}'s books),
     * told by a blocking hint, or {@code detected} by the monitor (or presumed, see
     * {@link #presume}). The caller has checked that it was counted.
     */
    static void wentToSleep(WorkerPool p, Worker w, boolean detected) {
        w.sleeping = true;
        w.sleepingDetected = detected;
        p.nrRunning--;
    }

    /**
     * A sleeping worker runs again (L): it is counted in nr_running again unless NOT_RUNNING
     * ({@code wq_worker_running}'s books).
     */
    static void runningAgain(WorkerPool p, Worker w) {
        w.presumed = false;
        w.sleepingDetected = false;
        w.sleeping = false;
        if ((w.flags & Worker.NOT_RUNNING) == 0) {
            p.nrRunning++;
        }
    }

    /** A worker went to sleep (L): wakes another if the pool now needs one, a cm_wakeup of its pwq. */
    static void replaceSleeper(WorkerPool p, Worker w) {
        if (p.needMoreWorker() && p.kick() && w.currentPwq != null) {
            w.currentPwq.cmWakeup++;
        }
    }

    /**
     * The item about to run was seen blocked in its last run: presume it blocks again and take
     * the worker out of nr_running now, as if the monitor had just detected it (L), so the next
     * item starts at once instead of a sampling period later. The monitor counts the worker
     * back in once it has seen it running, its CPU clock moving between two samples
     * ({@link PoolSampler#sample}); if the run ends without a block being seen, the item loses the
     * presumption.
     */
    static boolean presume(WorkerPool p, Worker w) {
        if ((w.flags & Worker.NOT_RUNNING) != 0 || w.sleeping) {
            return false;
        }
        wentToSleep(p, w, true);
        w.presumed = true;
        p.requestWatch(); // to count it back in if it runs after all
        return true;
    }

    /** {@code wq_worker_sleeping}: the worker is about to block. */
    static void workerSleeping(WorkerPool p, Worker w) {
        p.lockPool();
        try {
            if (w.sleeping) {
                w.sleepingDetected = false; // the hint now owns the state; wq_worker_running restores it
                w.presumed = false;
                return;
            }
            if ((w.flags & Worker.NOT_RUNNING) != 0) {
                return;
            }
            wentToSleep(p, w, false);
            replaceSleeper(p, w);
        } finally {
            p.unlockPool();
        }
    }

    /** {@code wq_worker_running}: the worker runs again. */
    static void workerRunning(WorkerPool p, Worker w) {
        p.lockPool();
        try {
            if (w.sleeping) {
                runningAgain(p, w); // not detected nor presumed: the hint owns the state
            }
        } finally {
            p.unlockPool();
        }
    }

    /**
     * The item at the head of the worklist was seen blocked in its last run: rather than run it
     * here (and go to sleep with it, so that a woken worker has to take over the CPU's items),
     * hand it, with the barriers linked behind it, to the most recently idled worker and wake
     * that one, while this worker, still counted in nr_running, goes on with the next item
     * (L). The sleeper then starts as a presumed one on the other worker ({@link WorkerPool#runHandedOff});
     * only its start waits for that worker's wake-up, not the items behind it. Done only while
     * another idle worker remains (so there is still someone to wake, as
     * {@link WorkerPool#mayStartWorking()} wants) and the chosen one was not already woken for other
     * work, never by a rescuer, never on a virtual pool (blocking
     * costs nothing there), and not for an item running elsewhere (non-reentrancy: the normal path
     * hands it to that worker).
     *
     * @return true if the item was handed off
     */
    static boolean handOff(WorkerPool p, Worker w, Work work) {
        Worker b = p.idleHead;
        if (p.virtual || p.nrIdle < 2 || b == null || b.kicked || (w.flags & Worker.RESCUER) != 0
                || b.thread == null || !b.thread.isAlive() || p.findWorkerExecutingWork(work) != null) {
            return false; // isAlive: a model-checking runtime's workers are never started
        }
        p.leaveIdle(b); // not idle any more: neither kicked for other work nor culled
        p.moveLinkedWorks(work, b.scheduled);
        if (Node.dataVolatile(work) instanceof PoolWorkqueue pwq) {
            pwq.cmWakeup++; // woken for a presumed sleeper, as the monitor would have
        }
        LockSupport.unpark(b.thread);
        return true;
    }
}
