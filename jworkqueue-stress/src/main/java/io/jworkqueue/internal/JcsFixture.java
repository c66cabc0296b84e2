package io.jworkqueue.internal;

import io.jworkqueue.DelayedWork;
import io.jworkqueue.Work;
import io.jworkqueue.WorkFunction;
import io.jworkqueue.WorkqueueFlag;
import io.jworkqueue.WorkqueueRuntime;
import java.time.Duration;
import java.util.EnumSet;

/**
 * Shared fixture of the jcstress tests (one per forked test VM).
 *
 * <p>{@link #FROZEN} is a freezable workqueue of a private runtime that is frozen for good: its
 * max_active is 0, so a queued item is linked on the pwq's inactive list (owned by the pwq, as a
 * queued item is) but never runs. That lets a test race queue / cancel / modDelayed / timer
 * expiry on the real code paths and then look at where the item ended up. Every arbiter takes
 * its item off again ({@link #cleanUp}), so millions of states leave nothing behind.
 */
final class JcsFixture {
    private JcsFixture() {}

    static final WorkqueueRuntime RUNTIME = WorkqueueRuntime.builder().cpus(1).build();
    static final WorkqueueImpl FROZEN;
    static final RuntimeCore CORE;
    static final WorkFunction NOP = self -> { };
    /** Long enough never to fire during a test. */
    static final Duration LONG = Duration.ofHours(1);

    static {
        FROZEN = (WorkqueueImpl) RUNTIME.alloc("jcs-frozen",
                EnumSet.of(WorkqueueFlag.UNBOUND, WorkqueueFlag.FREEZABLE), 0);
        RUNTIME.freeze();
        CORE = FROZEN.runtime;
    }

    /**
     * A workqueue of a runtime whose thread factory never starts its threads, for the tests of
     * the sleeping hand-shakes: a pool with no idle worker shows a wake-up as the creation of
     * its first worker.
     */
    static final WorkqueueImpl NEVER_STARTED = (WorkqueueImpl) WorkqueueRuntime.builder()
            .cpus(1)
            .threadFactory(r -> new Thread(r, "jcs-never-started") {
                @Override
                public void start() {
                    // a stand-in: only its creation is observed
                }
            })
            .watchdogThreshold(Duration.ofDays(1))
            .build()
            .alloc("jcs-handshake", java.util.Set.of(), 0);

    /**
     * A bound pool of one state's own, not shared with the runtime: its only worker runs an item
     * and is counted in nr_running; no worker is idle.
     */
    static final class BusyPool {
        final WorkerPool pool;
        final PoolWorkqueue pwq;
        final Worker running;

        BusyPool(int id) {
            pool = new WorkerPool(NEVER_STARTED.runtime, id, 0, false);
            pwq = new PoolWorkqueue(pool, NEVER_STARTED, 16);
            running = new Worker(pool, 0);
            running.flags = 0;
            running.currentPwq = pwq;
            running.currentWork = new Work(NOP);
            pool.nrRunning = 1;
        }

        /** worklist non-empty (0/1), nr_running, workers created; read without moving the inbox. */
        void observe(org.openjdk.jcstress.infra.results.III_Result r) {
            pool.lock.lock();
            try {
                r.r1 = pool.worklist.isEmpty() ? 0 : 1;
                r.r2 = pool.nrRunning;
                r.r3 = pool.nrWorkers;
            } finally {
                pool.lock.unlock();
            }
        }
    }

    /**
     * The lock-free branch of {@code WorkOps.queueOwned} on a test's own pool: push the owned
     * item (whose data names {@code pwq}); if the push may not be left there, move the inbox
     * under the lock.
     */
    static void queueLockFree(WorkerPool pool, PoolWorkqueue pwq, Work item) {
        if (!PoolInbox.pushBehind(pool, pwq, item)) {
            pool.lockSpin();
            pool.deferWake = true;
            try {
                pool.drainInbox(true);
            } finally {
                pool.unlockAndWake();
            }
        }
    }

    /**
     * As {@link #queueLockFree}, with the step of {@code WorkOps.queueOwned} for an unbound
     * pool whose pwq may be released meanwhile: after moving the inbox under the lock, the call
     * takes its item back if a drain found the pwq released.
     *
     * @return whether the item came back to the caller (it would queue it afresh)
     */
    static boolean queueLockFreeOrBounce(WorkerPool pool, PoolWorkqueue pwq, Work item) {
        if (PoolInbox.pushBehind(pool, pwq, item)) {
            return false;
        }
        pool.lockSpin();
        pool.deferWake = true;
        try {
            pool.drainInbox(true);
            return PoolInbox.takeBounced(pool, item);
        } finally {
            pool.unlockAndWake();
        }
    }

    /**
     * An unbound pool of a state's own (its pod: CPUs 0 and 1, so two workers may be counted
     * running), in the runtime whose threads never start.
     */
    static WorkerPool unboundPool(int id) {
        java.util.BitSet pod = new java.util.BitSet();
        pod.set(0, 2);
        return WorkerPool.unbound(NEVER_STARTED.runtime, id, new PoolAttrs(0, false, pod, pod, false));
    }

    /** Whether the item is linked on a pwq list (queued, not on a timer). */
    static boolean linked(Work w) {
        return Node.dataVolatile(w) instanceof PoolWorkqueue;
    }

    static boolean armed(DelayedWork w) {
        return Node.timerStateVolatile(w) == TimerWheel.ARMED;
    }

    /** Takes whatever instance is pending off its list or timer. */
    static void cleanUp(Work w) {
        if (WorkOps.disableDepth(w) == 0) {
            WorkOps.cancel(w);
        }
    }

    /**
     * The timer wheel's expiry of one armed item, as {@code TimerWheel.advance} + {@code fire}
     * do it: take it off the wheel (the expiry inherits PENDING), mark it FIRING, run the expiry
     * callback (which queues it to the recorded target), then FIRING -> IDLE unless re-armed.
     *
     * @return true if the timer was armed and fired
     */
    static boolean expire(DelayedWork w) {
        if (!CORE.timers().cancel(w)) {
            return false;
        }
        Node.setTimerStateVolatile(w, TimerWheel.FIRING);
        try {
            WorkOps.timerExpired(w);
        } finally {
            Node.casTimerState(w, TimerWheel.FIRING, TimerWheel.IDLE);
        }
        return true;
    }
}
