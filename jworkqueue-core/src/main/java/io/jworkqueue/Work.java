package io.jworkqueue;

import io.jworkqueue.internal.WorkOps;
import java.util.Objects;

/**
 * A work item: one function to run later on a worker thread, the kernel's {@code work_struct}.
 *
 * <p>The item <em>is</em> its own queue node, so queueing allocates nothing, and an item is
 * queued at most once at a time: queueing an item that is already pending is a no-op that
 * returns {@code false}. Items are reusable: once an instance has started running, the item
 * may be queued again (even from its own function), and it runs once more afterwards. An item
 * never runs on two workers at once, as long as it keeps being queued to the same workqueue.
 *
 * <h2>Memory ordering</h2>
 * Everything a thread wrote before a queue call is visible to the run that call leads to; and
 * when the call returned {@code false} because the item was already pending, to that pending
 * run.
 *
 * <h2>State</h2>
 * One atomic state word holds the {@code PENDING} bit and a disable depth; while queued the item
 * also records its pool workqueue, while off-queue the last pool it ran on (for non-reentrancy
 * and {@link #flush()}). See the internal {@code WorkOps} for the transition table.
 *
 * <h2>Blocking</h2>
 * {@link #cancelSync()}, {@link #disableSync()} and {@link #flush()} may block; every other
 * method returns at once. None of them throws {@link InterruptedException}; an interrupt does
 * not end a wait and stays set.
 */
public class Work {
    // The fields below are reached from io.jworkqueue.internal through VarHandles (see
    // internal.Node); each says how it is guarded. Legend: A = atomic (CAS / RMW only),
    // L = the lock of the pool the item is queued on, O = written only by the owner of PENDING.

    /** A: PENDING bit and disable depth (internal.WorkOps documents the layout). */
    @SuppressWarnings("unused")
    private volatile long state;
    /** O+L: the PoolWorkqueue while linked on a list, else the WorkerPool it last ran on, else null. */
    @SuppressWarnings("unused")
    private volatile Object data;
    /** L: intrusive list links. */
    @SuppressWarnings("unused")
    private Work next, prev;
    /**
     * O: the next item on a bound pool's lock-free inbox (internal.WorkerPool), where a queue call
     * leaves the item while a running worker of that pool will take it in anyway.
     */
    @SuppressWarnings("unused")
    private Work inboxNext;
    /** L: flush colour, INACTIVE and LINKED bits while queued. */
    @SuppressWarnings("unused")
    private int flags;

    private final WorkFunction fn;
    /** I: what the item does, for people; null if none was given. */
    private final String description;
    /**
     * I: the item's key in a pool's busy hash (internal.WorkerPool), drawn once at construction.
     * The kernel hashes the item's address; {@code System.identityHashCode} would cost a call per
     * lookup and, on a fresh object, a header write.
     */
    @SuppressWarnings("unused")
    private final int busyKey = java.util.concurrent.ThreadLocalRandom.current().nextInt();
    /**
     * W: whether the item's last run was seen blocked by the concurrency monitor; its next run on
     * a bound pool then starts outside nr_running (internal.WorkerPool#processOneWork). Written by
     * the worker that ran it, read by the next one, both under their pool's lock.
     */
    @SuppressWarnings("unused")
    private boolean sleptLast;

    /**
     * Creates an idle item ({@code INIT_WORK}).
     *
     * @param fn the function to run each time the item executes
     * @throws NullPointerException if {@code fn} is null
     */
    public Work(WorkFunction fn) {
        this.fn = Objects.requireNonNull(fn, "fn");
        this.description = null;
    }

    /**
     * Creates an idle item ({@code INIT_WORK}) with a description that names it wherever the
     * runtime names an item: {@link WorkqueueRuntime#dump()} and {@code jwq dump}, the JFR
     * events, the CPU-hog and lockup reports and the default exception handler's log line show
     * {@code description} instead of the function's class (which for a lambda is an unreadable
     * {@code Outer$$Lambda/0x...}).
     *
     * <pre>{@code
     * Work flushCache = new Work("flush user cache", self -> cache.flush());
     * }</pre>
     *
     * @param description what the item does, e.g. {@code "flush user cache"}
     * @param fn the function to run each time the item executes
     * @throws NullPointerException if {@code description} or {@code fn} is null
     */
    public Work(String description, WorkFunction fn) {
        this.description = Objects.requireNonNull(description, "description");
        this.fn = Objects.requireNonNull(fn, "fn");
    }

    /** @return the function this item runs */
    public final WorkFunction function() {
        return fn;
    }

    /**
     * @return the description given to {@link #Work(String, WorkFunction)}, or null if the item
     *     was created without one (reports then name the function's class)
     */
    public final String description() {
        return description;
    }

    /**
     * {@code work_pending}: whether an instance is queued (or, for a {@link DelayedWork}, its timer
     * is armed) and has not started yet. Advisory: the answer may change right after it is read.
     *
     * @return true if pending
     */
    public final boolean isPending() {
        return WorkOps.isPending(this);
    }

    /**
     * {@code work_busy() & WORK_BUSY_RUNNING}: whether an instance is running on a worker right now.
     * Advisory.
     *
     * @return true if running
     */
    public final boolean isRunning() {
        return WorkOps.isRunning(this);
    }

    /**
     * {@code cancel_work} / {@code cancel_delayed_work}: removes the pending instance (unlinks it, or
     * stops its timer). Does not wait for an instance that is already running. Never blocks.
     *
     * @return true if an instance was pending and is now cancelled
     */
    public boolean cancel() {
        return WorkOps.cancel(this);
    }

    /**
     * {@code cancel_work_sync} / {@code cancel_delayed_work_sync}: cancels the pending instance and
     * waits for a running one to finish. On return the item is neither pending nor running
     * anywhere, even if it requeued itself meanwhile: queue calls made during the wait return
     * {@code false}. Several threads may cancel the same item at once; all return.
     *
     * @return true if an instance was pending
     * @throws IllegalStateException if called from the item's own function (it would wait for itself)
     */
    public boolean cancelSync() {
        return WorkOps.cancelSync(this);
    }

    /**
     * {@code flush_work} / {@code flush_delayed_work}: waits until the last queued instance has
     * finished. For a {@link DelayedWork} whose timer is armed, the timer fires at once first; an
     * item queued afterwards is not waited for.
     *
     * @return true if it had to wait, false if the item was idle
     * @throws IllegalStateException if called from the item's own function, or from an item of a
     *     workqueue whose {@code maxActive} is 1 (ordered, or limited to 1) while this item waits
     *     (or its timer would queue it) on the inactive list behind the caller's own active slot
     *     on the same CPU's pool workqueue: it could only start after the caller finishes
     */
    public boolean flush() {
        return WorkOps.flush(this);
    }

    /**
     * Timed {@code flush_work}: as {@link #flush()}, waiting at most {@code timeout}. A wait that
     * times out leaves nothing behind that matters: the flush barrier stays linked behind the
     * instance and completes, unobserved, when it runs.
     *
     * @param timeout the longest wait; zero or negative only checks
     * @return true if the last queued instance has finished (also when there was nothing to wait
     *     for), false if the timeout expired first
     * @throws NullPointerException if {@code timeout} is null
     * @throws IllegalStateException if called from the item's own function
     */
    public boolean flush(java.time.Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        return WorkOps.flush(this, timeout);
    }

    /**
     * {@code disable_work}: increments the disable depth and cancels the pending instance. While
     * the depth is above zero every queue call returns {@code false}. Never blocks.
     *
     * @return true if an instance was pending
     * @throws IllegalStateException if the depth is already at its limit ({@value WorkOps#MAX_DISABLE_DEPTH})
     */
    public boolean disable() {
        return WorkOps.disable(this, false);
    }

    /**
     * {@code disable_work_sync}: {@link #disable()}, then waits for a running instance to finish.
     *
     * @return true if an instance was pending
     * @throws IllegalStateException if the depth is at its limit, or called from the item's own function
     */
    public boolean disableSync() {
        return WorkOps.disable(this, true);
    }

    /**
     * {@code enable_work}: decrements the disable depth.
     *
     * @return true if the depth is now zero and the item can be queued again
     * @throws IllegalStateException if the item is not disabled
     */
    public boolean enable() {
        return WorkOps.enable(this);
    }

    /** @return the current disable depth (0 when the item can be queued) */
    public final int disableDepth() {
        return WorkOps.disableDepth(this);
    }

    /**
     * {@code current_work()}: the item whose function the calling thread is running.
     *
     * @return the item, or null when not called from a work function
     */
    public static Work current() {
        return WorkOps.current();
    }

    /**
     * @return the item's class and identity, its description or else its function's class
     *     (lambdas shortened to {@code Outer$$Lambda}) and whether it is pending, e.g.
     *     {@code Work@1b6d3586[Tour$$Lambda, pending]}
     */
    @Override
    public String toString() {
        String f = io.jworkqueue.internal.Formats.function(this, false);
        return getClass().getSimpleName() + "@" + Integer.toHexString(System.identityHashCode(this))
                + "[" + f + (isPending() ? ", pending" : "") + "]";
    }
}
