package io.jworkqueue.internal;

import io.jworkqueue.Work;
import io.jworkqueue.internal.jfr.Jfr;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The link between one workqueue and one worker pool, the kernel's {@code pool_workqueue}:
 * the workqueue's {@code max_active} accounting on that pool, its inactive list, its in-flight
 * counts per flush colour, and its statistics.
 *
 * <p>Every mutable field is guarded by {@code pool.lock} (L); the statistics are plain longs
 * updated under that lock, which the worker holds anyway when it starts and finishes an item,
 * so counting costs nothing extra.
 */
final class PoolWorkqueue extends PwqLimitsPadAfter {
    static final int NR_COLORS = 16;
    static final int NO_COLOR = NR_COLORS;
    static final int COLOR_MASK = 0x1F;
    /** Not counted in nr_active: waiting on the inactive list, or a flush barrier. */
    static final int INACTIVE = 1 << 5;
    /** The next item on the list is a barrier linked to this one: they move together. */
    static final int LINKED = 1 << 6;

    final WorkerPool pool; // I: init-only
    final WorkqueueImpl wq; // I
    /**
     * I: the shared max_active budget of an unbound workqueue that is not ordered (its pwqs on
     * several pods share max_active); null when {@link #limit} alone caps this pwq.
     */
    final ActiveBudget budget;
    /**
     * L: {@link #budget} while this pwq takes its slots from it; null while it is the only pwq its
     * workqueue ever had (then its {@link #limit} is exact and the budget is skipped: no credit
     * atomics per item), and for a pwq without a budget. Set once, from null to the budget, by
     * {@link #shareBudget()} before {@code applyAttrs} links a second pwq; never set back.
     */
    private ActiveBudget budgetInUse;
    /**
     * Slots of {@link #budget} this pwq holds but does not use; changed by CAS (another pwq may
     * take them back, see {@link ActiveBudget}).
     */
    volatile int credit;
    /** Whether this pwq waits for a slot of {@link #budget} ({@link ActiveBudget#take}). */
    volatile boolean budgetWaiting;
    /** L: released: unlinked from the workqueue, its pool reference dropped; takes no more items. */
    boolean released;
    /**
     * L: an ordered workqueue's new pwq waits (limit 0) until the pwqs before it have drained,
     * so that FIFO holds across {@code applyAttrs} (the kernel's {@code pwq->plugged}).
     */
    boolean plugged;
    /** Runs {@link #refresh()} under the pool lock from a thread that could not take it (lazily made). */
    private InternalTimer refreshTimer;

    // L: pool lock. nrActive and limit (inherited from PwqLimits, on a cache line of their own,
    // away from the statistics the worker writes per item) are also read without it, by a
    // lock-free queue call deciding whether the item would only wait on the inactive list (see
    // isSaturated).
    final WorkList inactive = new WorkList();
    final int[] nrInFlight = new int[NR_COLORS];
    int workColor;

    // L: statistics (SEMANTICS.md section 10)
    long started, completed, cpuTime, cpuIntensive, cmWakeup, repatriated, mayday, rescued;

    PoolWorkqueue(WorkerPool pool, WorkqueueImpl wq, int limit) {
        this(pool, wq, limit, null, false);
    }

    PoolWorkqueue(WorkerPool pool, WorkqueueImpl wq, int limit, ActiveBudget budget, boolean plugged) {
        this.pool = pool;
        this.wq = wq;
        this.budget = budget;
        this.budgetInUse = budget;
        this.plugged = plugged;
        this.limit = plugged ? 0 : limit;
    }

    /** Whether one more item may become active: under the limit, and a budget slot taken if shared (L). */
    private boolean mayActivate() {
        ActiveBudget b = budgetInUse;
        return nrActive < limit && (b == null || b.take(this));
    }

    /**
     * This pwq is its workqueue's only one, not yet linked: it skips the budget (see
     * {@link ActiveBudget}, "One pwq").
     */
    void skipBudget() {
        budgetInUse = null;
    }

    /**
     * A second pwq is about to be linked ({@code applyAttrs}): from now on this pwq takes its slots
     * from the budget, and the items active here now take theirs forcibly, so that
     * {@code free + sum(credit) + sum(nrActive) == max_active} holds from this moment (L).
     */
    void shareBudget() { // L
        if (budgetInUse == null && budget != null) {
            budget.takeForced(nrActive);
            budgetInUse = budget;
        }
    }

    /**
     * Links a newly queued item (the caller owns its PENDING): onto the pool's worklist if an
     * active slot is free and nobody waits before it, else onto the inactive list.
     */
    void insertNew(Work work) { // L
        insertNew(work, true);
    }

    /** As {@link #insertNew(Work)}; {@code kick} is false when the caller kicks once for a batch. */
    void insertNew(Work work, boolean kick) { // L
        int color = workColor;
        nrInFlight[color]++;
        if (inactive.isEmpty() && mayActivate()) {
            incActive();
            if (pool.worklist.isEmpty()) {
                pool.worklistFilling();
            }
            link(work, color, pool.worklist);
            if (kick) {
                pool.kick();
            }
            if (Jfr.on()) {
                Jfr.activateWork(wq.name(), work);
            }
        } else {
            link(work, color | INACTIVE, inactive);
        }
    }

    private void link(Work work, int flags, WorkList list) { // L
        Node.setFlags(work, flags);
        Node.setDataRelease(work, this); // readers that rely on it take the pool lock
        list.addLast(work);
    }

    /**
     * Moves an inactive item (and the barriers linked to it) to the worklist and kicks the pool,
     * whatever the limit: a cancel that grabbed the item ({@code WorkOps.unlink}, which calls
     * this only for an item flagged INACTIVE) takes it off the worklist at once, through
     * {@link #decNrInFlight}, which gives the slot back.
     */
    void activate(Work work) { // L
        ActiveBudget b = budgetInUse;
        if (b != null) {
            b.takeForced(1); // given back by the decNrInFlight that follows (unlink)
        }
        incActive();
        moveToWorklist(work, Node.flags(work), true);
    }

    /**
     * Makes an inactive item active without counting it: the caller hands it a slot it holds (L).
     * {@code kick} is false when the worker that just finished an item of this pool activates
     * the next one: it takes it itself ({@code keep_working}), and waking another worker would
     * only make the two race for it.
     */
    private void moveToWorklist(Work work, int f, boolean kick) { // L
        Node.setFlags(work, f & ~INACTIVE);
        if (pool.worklist.isEmpty()) {
            pool.worklistFilling();
        }
        pool.moveLinkedWorks(work, pool.worklist);
        if (kick) {
            pool.kick();
        }
        if (Jfr.on()) {
            Jfr.activateWork(wq.name(), work);
        }
    }

    /** Activates waiting items while the limit allows. */
    void activateInactive() { // L
        activateInactive(true);
    }

    private void activateInactive(boolean kick) { // L
        Work w;
        while ((w = inactive.first()) != null && mayActivate()) {
            incActive();
            moveToWorklist(w, Node.flags(w), kick);
        }
    }

    /** Recomputes the limit from the workqueue's max_active and the freezer, then activates. */
    void adjustLimit(int maxActive, boolean frozen) { // L
        limit = frozen || plugged ? 0 : maxActive;
        // After the write (see isSaturated). With a kick: an item moved straight to the worklist
        // may find no worker running (a plugged pwq of an ordered workqueue on a pool not used
        // yet), and activateInactive below kicks only for the items it activates itself.
        pool.drainInbox(true);
        activateInactive();
    }

    /**
     * Looks again at what may have changed from outside this pool: unplugged, budget slots
     * freed. Called under the pool lock ({@link #poke()}).
     */
    void refresh() { // L
        if (budgetWaiting && budget != null) {
            budget.unregister(this);
        }
        if (plugged && wq.isFirstPwq(this)) {
            plugged = false; // the pwqs before it drained and were released
        }
        adjustLimit(wq.maxActive(), wq.frozenNow());
    }

    /**
     * Runs {@link #refresh()} under this pwq's pool lock, from any thread that may hold another
     * pool's lock: at once if it holds this one or can take it without waiting, else on the
     * timer thread (pool locks are never waited for while another is held).
     */
    void poke() {
        ReentrantLock l = pool.lock;
        if (l.tryLock()) { // also when this thread holds it already (reentrant)
            try {
                refresh();
            } finally {
                l.unlock();
            }
        } else {
            InternalTimer t;
            synchronized (this) {
                t = refreshTimer;
                if (t == null) {
                    t = refreshTimer = new InternalTimer(() -> {
                        pool.lockPool();
                        try {
                            refresh();
                        } finally {
                            pool.unlockPool();
                        }
                    });
                }
            }
            wq.runtime.timers().rearm(t, 0);
        }
    }

    /** One more item counts in nr_active (L): a release write, see {@link #isSaturated}. */
    private void incActive() {
        NR_ACTIVE.setRelease(this, nrActive + 1);
    }

    /**
     * {@code applyAttrs} replaced this pwq (L): new items go elsewhere, and it is released once
     * it holds nothing. The inbox is moved again after {@code retired} is set: a queue call that
     * pushed an item for this pwq and then read it not retired ({@link PoolInbox#mayLeaveOnInbox})
     * pushed before that write, so its item is linked here before the pwq can be found idle; one
     * that reads it retired moves the inbox itself and takes its item back if the pwq is gone by
     * then ({@link PoolInbox#takeBounced}).
     *
     * @return whether it holds nothing and must be released now ({@link WorkqueueImpl#pwqDrained})
     */
    boolean retire() {
        retired = true;
        pool.drainInbox(true);
        return !released && isIdle() && !pool.holdsItemsOf(this);
    }

    /** Whether nothing of this pwq is active, waiting or in flight (L). */
    boolean isIdle() {
        return nrActive == 0 && inactive.isEmpty() && nrInFlightTotal() == 0;
    }

    /**
     * Whether a newly queued item would wait on the inactive list: max_active is used up. Read
     * without the lock by {@link PoolInbox#pushBehind}. Whoever makes it false (the retiring
     * item that brings nrActive below the limit, or a raised limit) moves the pool's inbox
     * afterwards ({@link #decNrInFlight}, {@link #adjustLimit}), so an item pushed because this
     * was true is seen when it turns false.
     *
     * <p>Only that write, the one that ends saturation, is a volatile write followed by a look
     * at the inbox (a store-load fence); every other change of nrActive under the lock is a
     * release write, which costs no fence: a push that read an older value either saw the pwq
     * saturated, and is then moved by the next write that ends saturation (volatile, as said),
     * or saw it not saturated and took the lock anyway. The worker changes nrActive twice per
     * item, so this saves two fences per item.
     */
    boolean isSaturated() {
        return nrActive >= limit;
    }

    // ------------------------------------------------------------------ budget credit (CAS)

    /** Takes one held slot; false if none. */
    boolean takeCredit() {
        int c;
        while ((c = credit) > 0) {
            if (CREDIT.compareAndSet(this, c, c - 1)) {
                return true;
            }
        }
        return false;
    }

    /** Adds {@code n} held slots. @return the new credit */
    int addCredit(int n) {
        return (int) CREDIT.getAndAdd(this, n) + n;
    }

    /** Takes every held slot. @return how many */
    int drainCredit() {
        return (int) CREDIT.getAndSet(this, 0);
    }

    /** Gives back what exceeds {@code keep}. @return how many were taken */
    int trimCredit(int keep) {
        int c;
        while ((c = credit) > keep) {
            if (CREDIT.compareAndSet(this, c, keep)) {
                return c - keep;
            }
        }
        return 0;
    }

    private static final java.lang.invoke.VarHandle CREDIT, NR_ACTIVE;

    static {
        try {
            CREDIT = java.lang.invoke.MethodHandles.lookup().findVarHandle(PoolWorkqueue.class, "credit", int.class);
            NR_ACTIVE = java.lang.invoke.MethodHandles.lookup().findVarHandle(PwqLimits.class, "nrActive", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /**
     * {@code pwq_dec_nr_in_flight}: an item left the pwq (finished, or was grabbed off a list).
     *
     * @param flags the item's flags while it was queued
     * @param byWorker true when a worker of this pool finished the item and goes on working
     */
    void decNrInFlight(int flags, boolean byWorker) { // L
        decNrInFlight(flags, byWorker, null);
    }

    /**
     * As {@link #decNrInFlight(int, boolean)}, from the worker {@code worker} of this pool that
     * finished the item and goes on working: it may run the item the slot passes to straight
     * away ({@link WorkerPool#handOff}).
     */
    void decNrInFlight(int flags, Worker worker) { // L
        decNrInFlight(flags, true, worker);
    }

    private void decNrInFlight(int flags, boolean byWorker, Worker worker) { // L
        Work next;
        if ((flags & INACTIVE) == 0 && nrActive == limit && (next = inactive.first()) != null) {
            // The retiring item hands its slot straight to the oldest waiting one: nr_active stays
            // at the limit, so the pwq stays saturated and no push relied on it ending (no
            // volatile write, no look at the inbox). When the finishing worker would take that
            // item next anyway, it runs it straight from the inactive list (WorkerPool.handOff);
            // otherwise the item goes to the worklist.
            int nf = Node.flags(next);
            if (worker != null && pool.handOff(worker, next, nf)) {
                Node.setFlags(next, nf & ~INACTIVE);
                if (Jfr.on()) {
                    Jfr.activateWork(wq.name(), next);
                }
            } else {
                moveToWorklist(next, nf, !byWorker);
            }
        } else if ((flags & INACTIVE) == 0) {
            int n = nrActive - 1;
            if (n == limit - 1) {
                // Just stopped being saturated: items pushed while it was must be seen now. A
                // volatile write: the inbox is read after it (see isSaturated).
                nrActive = n;
                pool.drainInbox(!byWorker);
            } else {
                NR_ACTIVE.setRelease(this, n); // no push relied on this one (see isSaturated)
            }
            // Without a budget nothing more may become active here: an item waits on the
            // inactive list only while nrActive >= limit, so with one waiting, nrActive was above
            // the (lowered) limit before this decrement (at the limit, the slot was handed over
            // above) and is not below it after.
            ActiveBudget b = budgetInUse;
            if (b != null) {
                if (inactive.isEmpty() || nrActive >= limit) {
                    b.release(this); // the slot goes back (nobody here can use it)
                } else {
                    // The items wait for budget slots: the oldest takes this one at once, and the
                    // next ones take any freed on other pods since (whose pokes wait for this lock).
                    activateHandingSlot(!byWorker);
                    activateInactive(!byWorker);
                }
            }
        }
        int color = flags & COLOR_MASK;
        if (color != NO_COLOR && --nrInFlight[color] == 0) {
            wq.colorDrained();
        }
        if (retired && !released && isIdle() && !pool.holdsItemsOf(this)) {
            wq.pwqDrained(this);
        }
    }

    /** The slot just freed goes to the oldest inactive item without touching the budget (L). */
    private void activateHandingSlot(boolean kick) {
        Work next = inactive.first();
        incActive();
        moveToWorklist(next, Node.flags(next), kick);
    }

    boolean isCongested() { // L
        return !inactive.isEmpty();
    }

    int nrInFlightTotal() { // L
        int n = 0;
        for (int c : nrInFlight) {
            n += c;
        }
        return n;
    }
}

/** Padding around {@link PwqLimits}, as for the inbox ({@link Inbox}). */
class PwqLimitsPadBefore {
    @SuppressWarnings("unused")
    private long p0, p1, p2, p3, p4, p5, p6, p7;
}

class PwqLimits extends PwqLimitsPadBefore {
    /**
     * L for writes, read without it (see {@link PoolWorkqueue#isSaturated}, which also says which
     * writes are volatile and which are release writes).
     */
    volatile int nrActive;
    volatile int limit;
    /**
     * L for writes: replaced by {@code applyAttrs}: new items go elsewhere; released once empty
     * ({@link WorkqueueImpl#pwqDrained}). Read without the lock by a queue call that pushed an
     * item for this pwq onto an unbound pool's inbox ({@link PoolInbox#mayLeaveOnInbox}): it
     * sits here, beside the limits that call reads anyway, so it costs no extra cache line.
     */
    volatile boolean retired;
}

class PwqLimitsPadAfter extends PwqLimits {
    @SuppressWarnings("unused")
    private long q0, q1, q2, q3, q4, q5, q6, q7;
}
