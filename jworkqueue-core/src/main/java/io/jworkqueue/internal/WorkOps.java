package io.jworkqueue.internal;

import io.jworkqueue.DelayedWork;
import io.jworkqueue.Work;
import io.jworkqueue.internal.jfr.Jfr;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * The work-item operations behind {@link Work}, {@link DelayedWork} and the queue calls of
 * {@link WorkqueueImpl}: the kernel's {@code queue_work_on}, {@code __queue_work},
 * {@code try_to_grab_pending}, {@code __cancel_work}, {@code flush_work} and friends.
 *
 * <h2>The state word</h2>
 * <pre>
 *   bit 0        PENDING        set by whoever owns the item's next instance
 *   bits 16..31  disable depth  0 = enabled
 * </pre>
 * Beside it, {@code data} holds the {@link PoolWorkqueue} while the item is linked on one of its
 * pool's lists, else the {@link WorkerPool} it last ran on (null if it never ran).
 *
 * <h2>Ownership</h2>
 * Only the thread that set PENDING may move the item. PENDING is set by:
 * <table>
 *   <caption>PENDING transitions</caption>
 *   <tr><th>who</th><th>how</th><th>then</th></tr>
 *   <tr><td>a queue call</td><td>getAndOr(PENDING) saw it clear and depth 0</td>
 *       <td>links the item on a pwq (or arms its timer); if the workqueue refuses, clears PENDING</td></tr>
 *   <tr><td>the timer</td><td>inherits PENDING from the arming call</td><td>queues the item on expiry</td></tr>
 *   <tr><td>a grabber (cancel, disable, enable, modDelayed)</td>
 *       <td>deletes the armed timer, or getAndOr(PENDING) saw it clear, or unlinks the item
 *       from its pwq under the pool lock</td><td>re-queues it, or clears PENDING</td></tr>
 * </table>
 * PENDING is cleared by the worker right before the function runs ({@link #clearPending}), so a
 * queue call made while it runs succeeds. A grabber that finds PENDING set but the item neither
 * on a list nor on a timer has met another owner in mid-move and retries after a short spin.
 *
 * <h2>Memory ordering</h2>
 * Queue calls set PENDING with a read-modify-write even when it is already set, and the worker
 * clears it with a read-modify-write. RMWs on one variable are totally ordered; a queue call
 * that found PENDING set is therefore ordered before the clearing RMW, which reads its write,
 * so everything the caller wrote before the call happens-before the run that follows the clear
 * (the kernel's "ghost PENDING" rule, paired with {@code set_work_pool_and_clear_pending}).
 */
public final class WorkOps {
    static final long PENDING = 1L;
    static final int DISABLE_SHIFT = 16;
    static final long DISABLE_UNIT = 1L << DISABLE_SHIFT;
    /** The largest disable depth (16 bits, as in the kernel). */
    public static final int MAX_DISABLE_DEPTH = 0xFFFF;

    private WorkOps() {}

    static int depth(long state) {
        return (int) (state >>> DISABLE_SHIFT) & MAX_DISABLE_DEPTH;
    }

    // ------------------------------------------------------------------ PENDING

    /**
     * Tries to take PENDING for a queue call.
     *
     * @return true if the caller now owns the item
     */
    static boolean testAndSetPending(Work w) {
        long old = Node.getAndOrState(w, PENDING);
        if ((old & PENDING) != 0) {
            return false;
        }
        if (depth(old) != 0) {
            // Disabled: give PENDING back (clear_pending_if_disabled).
            Node.getAndAndState(w, ~PENDING);
            return false;
        }
        return true;
    }

    /** Worker side: drops PENDING before the function runs (an RMW, see the class comment). */
    static void clearPending(Work w) {
        Node.getAndAndState(w, ~PENDING);
    }

    /** The owner gives the item back without queueing it. */
    static void releasePending(Work w) {
        Node.getAndAndState(w, ~PENDING);
    }

    // ------------------------------------------------------------------ queueing

    static boolean queueWorkOn(WorkqueueImpl wq, int cpu, Work w) {
        if (wq.isDestroyed()) {
            wq.checkAccepts(w, false);
        }
        if (!testAndSetPending(w)) {
            return false;
        }
        queueOwned(wq, cpu, w, false);
        return true;
    }

    /**
     * {@code __queue_work}: links an item whose PENDING the caller owns. If the workqueue refuses
     * it, PENDING is released and the refusal thrown.
     */
    static void queueOwned(WorkqueueImpl wq, int cpu, Work w, boolean fromTimer) {
        wq.checkAcceptsOwned(w, fromTimer);
        PoolWorkqueue pwq = wq.pwqForQueue(cpu);
        WorkerPool pool = pwq.pool;
        // Non-reentrancy: if the item still runs on another pool for this workqueue, queue there.
        Object last = Node.dataVolatile(w);
        boolean onInbox = false;
        if ((last == pool || last == null) && PoolInbox.mayLeaveOnInbox(pool, pwq)) {
            // The item would only wait if linked now (behind the pool's running workers, or on
            // the inactive list): leave it on the pool's inbox without taking the lock.
            Node.setDataRelease(w, pwq);
            if (PoolInbox.pushBehind(pool, pwq, w) && !wq.isDraining()) {
                if (!pool.isUnbound() || pool.nrRunning >= pool.target) {
                    // As kick() would: items may wait behind a running worker. Not for an item
                    // that waits only for max_active (an unbound pool left it for that reason
                    // alone), as a locked queue call linking it inactive does not ask either.
                    pool.requestWatch();
                }
                if (Jfr.on()) {
                    Jfr.queueWork(wq.name(), w, cpu, pool.cpu);
                }
                return;
            }
            // The pool has a worker to spare now, the pwq was retired, or a drain or destroy
            // began: move the inbox ourselves below, so the item is linked (or refused, or taken
            // back if its pwq was released meanwhile) before this call returns.
            onInbox = true;
            pool.lockSpin();
        } else if (last instanceof WorkerPool lastPool && lastPool != pool && !wq.isOrdered()) {
            // (An ordered workqueue's item queues to its current pwq: after applyAttrs that pwq
            // is plugged until the old one, where the item may still run, has drained.)
            lastPool.lockSpin();
            Worker running = lastPool.findWorkerExecutingWork(w);
            if (running != null && running.currentPwq.wq == wq) {
                pwq = running.currentPwq;
                pool = lastPool;
            } else {
                lastPool.lock.unlock();
                pool.lockSpin();
            }
        } else {
            pool.lockSpin();
        }
        pool.deferWake = true;
        boolean retry = false;
        try {
            pool.drainInbox(true); // items pushed before this call go first (ours too, if pushed)
            if (onInbox && PoolInbox.takeBounced(pool, w)) {
                // Its pwq was released before the item could be linked (replaced by applyAttrs
                // and drained, or destroyed): choose again, as for a released pwq below.
                retry = true;
            } else if (wq.isDestroyed() && (!onInbox || (Node.dataVolatile(w) == pwq && WorkList.isLinked(w)))) {
                // Destroyed while we were choosing (see WorkqueueImpl.markDestroyed): refuse the
                // item, taking it back off its pwq if it went through the inbox and has not started.
                if (onInbox) {
                    unlink(pwq, w);
                }
                releasePending(w);
                wq.checkAccepts(w, fromTimer);
            } else if (!onInbox) {
                if (pwq.released) {
                    // Replaced by applyAttrs and drained since we chose it (pwq_release): choose
                    // again, as __queue_work retries on a pwq whose refcount dropped to zero.
                    retry = true;
                } else {
                    pwq.insertNew(w);
                }
            }
        } finally {
            pool.unlockAndWake();
        }
        if (retry) {
            queueOwned(wq, cpu, w, fromTimer);
            return;
        }
        if (Jfr.on()) {
            Jfr.queueWork(wq.name(), w, cpu, pool.cpu);
        }
    }

    static boolean queueDelayedWorkOn(WorkqueueImpl wq, int cpu, DelayedWork w, Duration delay) {
        if (wq.isDestroyed()) {
            wq.checkAccepts(w, false);
        }
        if (!testAndSetPending(w)) {
            return false;
        }
        queueDelayedOwned(wq, cpu, w, delay);
        return true;
    }

    /** {@code __queue_delayed_work}: the caller owns PENDING. */
    private static void queueDelayedOwned(WorkqueueImpl wq, int cpu, DelayedWork w, Duration delay) {
        long nanos = toNanos(delay);
        if (nanos <= 0) {
            queueOwned(wq, cpu, w, false);
            return;
        }
        wq.checkAcceptsOwned(w, false);
        Node.setTargetCpu(w, cpu);
        Node.setTargetVolatile(w, wq);
        try {
            wq.runtime.timers().arm(w, nanos);
        } catch (IllegalStateException e) {
            releasePending(w);
            throw new IllegalStateException("workqueue '" + wq.name() + "': "
                    + (wq.runtime.isClosing() ? "the runtime is closed" : e.getMessage()), e);
        }
    }

    /**
     * A duration in nanoseconds: 0 if it is zero or negative, saturated at {@code Long.MAX_VALUE}
     * if it is longer (about 292 years, such as {@code ChronoUnit.FOREVER}), which means "never".
     */
    public static long toNanos(Duration d) {
        if (d.isNegative() || d.isZero()) {
            return 0;
        }
        try {
            return d.toNanos();
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE;
        }
    }

    static boolean modDelayedWorkOn(WorkqueueImpl wq, int cpu, DelayedWork w, Duration delay) {
        if (wq.isDestroyed()) {
            wq.checkAccepts(w, false);
        }
        // Fast path, the common case of a debounce: the timer is armed in this runtime's wheel
        // and the workqueue accepts work. Move the timer in one lock hold (the kernel's
        // mod_timer); PENDING stays with the timer throughout, so nobody else can have moved it.
        long nanos = toNanos(delay);
        if (nanos > 0 && Node.timerStateVolatile(w) == TimerWheel.ARMED && !wq.isDraining()
                && Node.targetVolatile(w) instanceof WorkqueueImpl t && t.runtime == wq.runtime
                && wq.runtime.timers().move(w, nanos, wq, cpu)) {
            return true;
        }
        int ret = grabPending(w);
        if (depth(Node.stateVolatile(w)) != 0) {
            releasePending(w);
            return ret == 1;
        }
        queueDelayedOwned(wq, cpu, w, delay);
        return ret == 1;
    }

    /**
     * The timer fired: queue to the recorded target. Runs on the timer thread. The item never
     * stays PENDING: a workqueue that refuses it (destroyed) has released it; if anything else
     * throws before the item was handed to a pwq, PENDING is released here and the exception
     * goes to the timer wheel, which reports it and fires the rest of its batch.
     */
    static void timerExpired(DelayedWork w) {
        if (w instanceof InternalTimer t) {
            t.expired();
            return;
        }
        WorkqueueImpl wq = (WorkqueueImpl) Node.targetVolatile(w);
        try {
            Faults.at("expiry", w);
            queueOwned(wq, Node.targetCpu(w), w, true);
        } catch (IllegalStateException e) {
            if (!wq.isDestroyed()) {
                releaseUnqueued(w);
                throw e;
            }
            // Refused by queueOwned, which released PENDING.
            System.getLogger("io.jworkqueue").log(System.Logger.Level.WARNING,
                    "delayed work {0} fired after workqueue ''{1}'' was destroyed; dropped", w, wq.name());
            timerDropped(w);
        } catch (Throwable t) {
            releaseUnqueued(w);
            throw t;
        }
    }

    /**
     * An expiry failed unexpectedly: if the item was not handed to a pwq (its {@code data} names
     * one from the moment it is pushed onto an inbox or linked), the timer thread still owns
     * PENDING and gives it back, so that the item is idle rather than stuck; it is dropped.
     */
    private static void releaseUnqueued(DelayedWork w) {
        if (!(Node.dataVolatile(w) instanceof PoolWorkqueue)) {
            releasePending(w);
            System.getLogger("io.jworkqueue").log(System.Logger.Level.WARNING,
                    "delayed work {0}: its expiry failed before it was queued; dropped (not left pending)", w);
            timerDropped(w);
        }
    }

    /**
     * Tells a {@link DropAware} item that its timer was dropped unrun; the caller has already
     * released its PENDING. What the item throws is reported and goes no further.
     */
    static void timerDropped(DelayedWork w) {
        if (w instanceof DropAware d) {
            try {
                d.timerDropped();
            } catch (Throwable t) {
                System.getLogger("io.jworkqueue").log(System.Logger.Level.ERROR,
                        "delayed work " + w + ": its dropped-timer hook threw", t);
            }
        }
    }

    // ------------------------------------------------------------------ grabbing

    /**
     * {@code try_to_grab_pending}: takes PENDING whatever the item's state.
     *
     * @return 1 if an instance was pending (timer armed or linked) and is now owned by the
     *     caller; 0 if the item was idle and the caller now owns PENDING; -1 if another owner is
     *     in mid-move and the caller must retry
     */
    static int tryGrabPending(Work w) {
        if (w instanceof DelayedWork dw && Node.targetVolatile(dw) instanceof WorkqueueImpl t
                && t.runtime.timers().cancel(dw)) {
            return 1;
        }
        long old = Node.getAndOrState(w, PENDING);
        if ((old & PENDING) == 0) {
            return 0;
        }
        if (Node.dataVolatile(w) instanceof PoolWorkqueue pwq) {
            WorkerPool pool = pwq.pool;
            pool.lockPool();
            try {
                // Not linked yet: its owner has named the pwq but not pushed it onto the inbox.
                if (Node.dataVolatile(w) == pwq && WorkList.isLinked(w)) {
                    unlink(pwq, w);
                    return 1;
                }
            } finally {
                pool.unlockPool();
            }
        }
        return -1;
    }

    /** Takes a linked item off its pwq's lists; the caller owns PENDING and holds the pool lock. */
    private static void unlink(PoolWorkqueue pwq, Work w) {
        int f = Node.flags(w);
        if ((f & PoolWorkqueue.INACTIVE) != 0) {
            // Activate first, so barriers linked behind it end up on the worklist.
            pwq.activate(w);
            f = Node.flags(w);
        }
        WorkList.remove(w);
        Node.setDataVolatile(w, pwq.pool);
        pwq.decNrInFlight(f, false);
    }

    /** Grabs PENDING, spinning (then yielding) while another owner finishes its move. */
    static int grabPending(Work w) {
        int r;
        for (int spins = 0; (r = tryGrabPending(w)) < 0; spins++) {
            if (spins < 32) {
                Thread.onSpinWait();
            } else {
                Thread.yield();
            }
        }
        return r;
    }

    // ------------------------------------------------------------------ cancel / disable / enable

    public static boolean cancel(Work w) {
        int r = grabPending(w);
        releasePending(w);
        return r == 1;
    }

    public static boolean cancelSync(Work w) {
        checkNotSelf(w, "cancelSync");
        boolean was = disable(w, true);
        enable(w);
        return was;
    }

    public static boolean disable(Work w, boolean sync) {
        if (sync) {
            checkNotSelf(w, "disableSync");
        }
        if (depth(Node.stateVolatile(w)) >= MAX_DISABLE_DEPTH) {
            throw depthLimit(w);
        }
        int r = grabPending(w);
        while (true) {
            long s = Node.stateVolatile(w);
            if (depth(s) >= MAX_DISABLE_DEPTH) {
                releasePending(w);
                throw depthLimit(w);
            }
            if (Node.casState(w, s, (s & ~PENDING) + DISABLE_UNIT)) {
                break;
            }
        }
        if (sync) {
            flushWork(w);
        }
        return r == 1;
    }

    private static IllegalStateException depthLimit(Work w) {
        return new IllegalStateException("disable depth of " + w + " is at its limit " + MAX_DISABLE_DEPTH);
    }

    public static boolean enable(Work w) {
        if (depth(Node.stateVolatile(w)) == 0) {
            throw notDisabled(w);
        }
        grabPending(w);
        while (true) {
            long s = Node.stateVolatile(w);
            if (depth(s) == 0) {
                releasePending(w);
                throw notDisabled(w);
            }
            long n = (s & ~PENDING) - DISABLE_UNIT;
            if (Node.casState(w, s, n)) {
                return depth(n) == 0;
            }
        }
    }

    private static IllegalStateException notDisabled(Work w) {
        return new IllegalStateException("enable of " + w + " which is not disabled (depth 0, range 1.." + MAX_DISABLE_DEPTH + ")");
    }

    public static int disableDepth(Work w) {
        return depth(Node.stateVolatile(w));
    }

    // ------------------------------------------------------------------ flush

    private static void checkNotSelf(Work w, String what) {
        Worker me = Worker.current();
        if (me != null && me.currentWork == w) {
            String wq = me.currentPwq == null ? "?" : me.currentPwq.wq.name();
            throw new IllegalStateException(what + " of " + w + " from its own function (workqueue '"
                    + wq + "') would deadlock");
        }
    }

    /**
     * Throws if {@code w}, linked on {@code pwq} (or about to be, from its timer), could only
     * become active once the calling item finishes: the caller runs an item of that very pwq,
     * whose workqueue allows one active item (ordered, or max_active 1), so the caller holds the
     * only slot and {@code w} waits on the inactive list behind it. Waiting for {@code w} would
     * wait for the caller itself; with a larger max_active the other active items finish and
     * free a slot, so that is left alone.
     */
    private static void checkNotBehindSelf(PoolWorkqueue pwq, Work w, String what) {
        Worker me = Worker.current();
        if (me != null && me.currentPwq == pwq && pwq.wq.maxActive() == 1) {
            throw new IllegalStateException(what + " of " + w + " from " + me.currentWork + " of workqueue '"
                    + pwq.wq.name() + "' would deadlock: its max_active is 1 and the caller holds that"
                    + " active slot, so the item cannot start before the caller finishes");
        }
    }

    public static boolean flush(Work w) {
        checkNotSelf(w, "flush");
        boolean fired = fireArmedTimer(w);
        // An armed item was pending: report true even if its run finished before the barrier
        // could be linked (then there is nothing left to wait for).
        return flushWork(w) | fired;
    }

    /**
     * Timed {@code flush_work}: as {@link #flush(Work)}, giving up after {@code timeout}. A
     * barrier linked by a wait that timed out stays linked and completes unobserved.
     *
     * @return true if the last instance finished (or there was none), false on timeout
     */
    public static boolean flush(Work w, Duration timeout) {
        checkNotSelf(w, "flush");
        long nanos = toNanos(timeout);
        fireArmedTimer(w);
        return flushWork(w, nanos) != Boolean.FALSE;
    }


    /** {@code flush_delayed_work}'s first step: an armed timer fires at once; true if it was armed. */
    private static boolean fireArmedTimer(Work w) {
        boolean fired = false;
        if (w instanceof DelayedWork dw && Node.targetVolatile(dw) instanceof WorkqueueImpl t) {
            if (isTimerArmed(dw)) {
                // Fired now it would land on the inactive list behind the caller: refuse first.
                checkNotBehindSelf(t.pwqFor(Node.targetCpu(dw)), dw, "flush");
            }
            if (t.runtime.timers().cancel(dw)) {
                queueOwned(t, Node.targetCpu(dw), dw, true);
                fired = true;
            } else {
                TimerWheel.awaitNotFiring(dw);
            }
        }
        return fired;
    }

    /** {@code start_flush_work} + wait: links a barrier behind the last instance and waits for it. */
    static boolean flushWork(Work w) {
        return flushWork(w, -1) == Boolean.TRUE;
    }

    /**
     * {@link #flushWork(Work)} waiting at most {@code timeoutNanos} (negative: no limit).
     *
     * @return null if there was nothing to wait for, TRUE once the barrier ran, FALSE on timeout
     */
    private static Boolean flushWork(Work w, long timeoutNanos) {
        Barrier barrier = null;
        while (true) {
            Object d = Node.dataVolatile(w);
            WorkerPool pool = d instanceof PoolWorkqueue p ? p.pool : d instanceof WorkerPool wp ? wp : null;
            if (pool == null) {
                return null;
            }
            pool.lockPool();
            try {
                Object now = Node.dataVolatile(w);
                if (now instanceof PoolWorkqueue pwq) {
                    if (pwq.pool != pool || !WorkList.isLinked(w)) {
                        // moved to another pool meanwhile, or its owner has not pushed it onto
                        // the inbox yet: look again
                        Thread.onSpinWait();
                        continue;
                    }
                    if ((Node.flags(w) & PoolWorkqueue.INACTIVE) != 0) {
                        checkNotBehindSelf(pwq, w, "flush");
                    }
                    barrier = new Barrier(Thread.currentThread());
                    insertBarrier(pwq, barrier, w, null);
                } else if (now == pool) {
                    Worker running = pool.findWorkerExecutingWork(w);
                    if (running == null) {
                        return null;
                    }
                    barrier = new Barrier(Thread.currentThread());
                    insertBarrier(running.currentPwq, barrier, w, running);
                } else {
                    continue;
                }
            } finally {
                pool.unlockPool();
            }
            break;
        }
        Barrier b = barrier;
        if (timeoutNanos < 0) {
            blockingWait(b::await);
            return Boolean.TRUE;
        }
        boolean[] done = new boolean[1];
        blockingWait(() -> done[0] = b.await(timeoutNanos));
        return done[0];
    }

    /** {@code insert_wq_barrier} (L held). */
    private static void insertBarrier(PoolWorkqueue pwq, Barrier b, Work target, Worker running) {
        Node.getAndOrState(b, PENDING);
        int flags = PoolWorkqueue.NO_COLOR | PoolWorkqueue.INACTIVE;
        Node.setDataVolatile(b, pwq);
        if (running != null) {
            Node.setFlags(b, flags);
            running.scheduled.addFirst(b);
        } else {
            int tf = Node.flags(target);
            if ((tf & PoolWorkqueue.LINKED) != 0) {
                flags |= PoolWorkqueue.LINKED;
            }
            Node.setFlags(target, tf | PoolWorkqueue.LINKED);
            Node.setFlags(b, flags);
            WorkList.insertAfter(target, b);
        }
    }

    /**
     * Runs a wait that may block. On a worker thread the pool is told first (the worker leaves
     * nr_running, and another worker is woken if items wait), as the kernel's scheduler hook does.
     */
    static void blockingWait(Runnable wait) {
        Worker me = Worker.current();
        if (me == null) {
            wait.run();
            return;
        }
        PoolSleepers.workerSleeping(me.pool, me);
        try {
            wait.run();
        } finally {
            PoolSleepers.workerRunning(me.pool, me);
        }
    }

    // ------------------------------------------------------------------ queries

    public static boolean isPending(Work w) {
        return (Node.stateVolatile(w) & PENDING) != 0;
    }

    public static boolean isRunning(Work w) {
        Object d = Node.dataVolatile(w);
        WorkerPool pool = d instanceof PoolWorkqueue p ? p.pool : d instanceof WorkerPool wp ? wp : null;
        if (pool == null) {
            return false;
        }
        pool.lockPool();
        try {
            return pool.findWorkerExecutingWork(w) != null;
        } finally {
            pool.unlockPool();
        }
    }

    public static Work current() {
        Worker me = Worker.current();
        return me == null ? null : me.currentWork;
    }

    public static boolean isTimerArmed(DelayedWork w) {
        return Node.timerStateVolatile(w) == TimerWheel.ARMED;
    }

    public static long remainingDelay(DelayedWork w, TimeUnit unit) {
        if (Node.targetVolatile(w) instanceof WorkqueueImpl t) {
            long n = t.runtime.timers().remainingNanos(w);
            return n == Long.MAX_VALUE ? Long.MAX_VALUE : unit.convert(n, TimeUnit.NANOSECONDS);
        }
        return Long.MAX_VALUE;
    }
}
