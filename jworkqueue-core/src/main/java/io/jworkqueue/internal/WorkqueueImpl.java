package io.jworkqueue.internal;

import io.jworkqueue.DelayedWork;
import io.jworkqueue.Work;
import io.jworkqueue.Workqueue;
import io.jworkqueue.WorkqueueFlag;
import io.jworkqueue.WorkqueueInfo;
import io.jworkqueue.WorkqueueRuntime;
import io.jworkqueue.WorkqueueStats;
import java.time.Duration;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * A workqueue, the kernel's {@code workqueue_struct}: its flags and max_active, its linked
 * {@link PoolWorkqueue}s (one per CPU if bound; one per pod if unbound, max_active shared through
 * an {@link ActiveBudget}; a single one if ordered), their replacement by {@code applyAttrs}, and
 * its drain and destroy. Its parts: the flush colours ({@link FlushColors}), which pwq a queue
 * call goes to ({@link Routing}), the checks and their messages ({@link WorkqueueChecks}), the
 * statistics ({@link PwqTotals}) and the timers a destroy cancels ({@link DroppedTimers}).
 */
final class WorkqueueImpl implements Workqueue {
    /** {@code WQ_MAX_ACTIVE}. */
    public static final int MAX_ACTIVE = 2048;
    /** {@code WQ_DFL_ACTIVE}. */
    public static final int DFL_ACTIVE = 1024;
    /** {@code WQ_NAME_LEN} less the terminator. */
    public static final int MAX_NAME = Names.MAX_LENGTH;

    private static final System.Logger LOG = System.getLogger("io.jworkqueue");

    final RuntimeCore runtime; // I
    private final String name; // I
    private final Set<WorkqueueFlag> flags; // I
    private final boolean ordered; // I
    final boolean unbound; // I
    final boolean cpuIntensive; // I
    final boolean freezable; // I
    final boolean system; // I
    /**
     * Every linked pwq: per CPU for a bound workqueue; for an unbound one, one per pod (or the
     * single pwq of an ordered one), preceded, after {@code applyAttrs}, by the replaced pwqs
     * that still drain, oldest first. Flush, drain, destroy and the statistics cover them all.
     * Replaced under {@link #pwqsLock} (copy on write).
     */
    volatile PoolWorkqueue[] pwqs;
    /** Where queue calls go: the current pwqs by CPU. */
    private volatile Routing routing;
    /** I: max_active shared by the pwqs of an unbound workqueue that is not ordered, else null. */
    final ActiveBudget budget;
    /** I: the workqueue is HIGHPRI. */
    private final boolean highpri;
    /** Guards the replacement of {@link #pwqs} and {@link #releasedStats}; a leaf lock. */
    private final Object pwqsLock = new Object();
    /** pwqsLock: the statistics of released pwqs. */
    private final PwqTotals releasedStats = new PwqTotals();
    /** I: the rescuer of a MEM_RECLAIM workqueue, else null. */
    final Rescuer rescuer;

    /** The JMX name of a {@code SYSFS} workqueue's MXBean, null if none (set once by RuntimeCore.alloc). */
    volatile javax.management.ObjectName mbeanName;
    /** The runtime's registry key: the workqueue's allocation number. */
    final long registryKey;

    private volatile int maxActive;
    /** The attributes of an unbound workqueue, null for a bound one. */
    private volatile io.jworkqueue.WorkqueueAttrs attrs;
    private volatile int nrDrainers;
    private volatile boolean destroyed;
    /** I: the timers a destroy cancels, told of it once destroyed. */
    private final DroppedTimers droppedTimers = new DroppedTimers(this);
    /** Guarded by this: a destroy (or the runtime's shutdown) has begun. */
    private boolean stopping;

    /** I: the flush colours (F: their mutex). */
    private final FlushColors flushColors = new FlushColors(this);

    WorkqueueImpl(RuntimeCore runtime, long registryKey, String name, Set<WorkqueueFlag> flags, int maxActive,
                  boolean ordered, boolean system) {
        this.runtime = runtime;
        this.registryKey = registryKey;
        this.name = name;
        this.ordered = ordered;
        this.system = system;
        EnumSet<WorkqueueFlag> f = flags.isEmpty() ? EnumSet.noneOf(WorkqueueFlag.class) : EnumSet.copyOf(flags);
        if (ordered) {
            f.add(WorkqueueFlag.UNBOUND);
        }
        this.flags = Collections.unmodifiableSet(f);
        this.unbound = f.contains(WorkqueueFlag.UNBOUND)
                || (f.contains(WorkqueueFlag.POWER_EFFICIENT) && runtime.powerEfficient()
                    && !f.contains(WorkqueueFlag.PERCPU));
        this.cpuIntensive = f.contains(WorkqueueFlag.CPU_INTENSIVE);
        this.freezable = f.contains(WorkqueueFlag.FREEZABLE);
        this.maxActive = maxActive == 0 ? DFL_ACTIVE : maxActive;
        this.highpri = f.contains(WorkqueueFlag.HIGHPRI);
        boolean frozen = freezable && runtime.isFreezing();
        int limit = frozen ? 0 : this.maxActive;
        if (unbound) {
            this.budget = ordered ? null : new ActiveBudget(this, this.maxActive);
            this.attrs = io.jworkqueue.WorkqueueAttrs.defaults();
            Routing r = Routing.unbound(this, attrs, highpri, ordered, frozenNow() ? 0 : this.maxActive, false);
            if (r.pods().length == 1) {
                r.pods()[0].skipBudget(); // the only pwq: its limit is exact (ActiveBudget, "One pwq")
            }
            this.pwqs = r.pods();
            this.routing = r;
        } else {
            this.budget = null;
            PoolWorkqueue[] perCpu = new PoolWorkqueue[runtime.cpus()];
            for (int cpu = 0; cpu < perCpu.length; cpu++) {
                perCpu[cpu] = new PoolWorkqueue(runtime.boundPool(cpu, highpri), this, limit);
            }
            this.pwqs = perCpu;
            this.routing = Routing.perCpu(perCpu);
        }
        // Created now, before any memory pressure, so it exists when it is needed.
        this.rescuer = f.contains(WorkqueueFlag.MEM_RECLAIM) ? new Rescuer(this) : null;
    }

    /** {@code send_mayday}: asks this workqueue's rescuer to serve {@code pwq} (its pool lock held). */
    void sendMayday(PoolWorkqueue pwq) {
        if (rescuer != null) {
            rescuer.mayday(pwq);
        }
    }

    // ------------------------------------------------------------------ properties

    @Override public String name() { return name; }
    @Override public Set<WorkqueueFlag> flags() { return flags; }
    @Override public int maxActive() { return maxActive; }
    @Override public boolean isOrdered() { return ordered; }
    @Override public boolean isDestroyed() { return destroyed; }
    @Override public WorkqueueRuntime runtime() { return runtime.api(); }

    @Override
    public io.jworkqueue.WorkqueueAttrs attrs() {
        io.jworkqueue.WorkqueueAttrs a = attrs;
        if (a == null) {
            throw WorkqueueChecks.state(name, "is bound (per-CPU); only unbound workqueues have attributes");
        }
        return a;
    }

    @Override
    public void applyAttrs(io.jworkqueue.WorkqueueAttrs newAttrs) {
        Objects.requireNonNull(newAttrs, "attrs");
        if (!unbound) {
            throw WorkqueueChecks.state(name, "is bound (per-CPU); apply_workqueue_attrs needs an unbound workqueue");
        }
        WorkqueueChecks.attrsCpus(this, newAttrs.cpus());
        if (destroyed) {
            throw WorkqueueChecks.state(name, "is destroyed; cannot apply attributes");
        }
        synchronized (this) { // serialised with setMaxActive and the freezer (adjustLimits)
            flushColors.lock(); // new pwqs take the current flush colour; no flusher moves it meanwhile
            try {
                if (destroyed || stopping) {
                    throw WorkqueueChecks.state(name, "is "
                            + (destroyed ? "destroyed" : "being destroyed") + "; cannot apply attributes");
                }
                Routing old = routing;
                // An ordered workqueue's new pwq is plugged until the ones before it drained.
                Routing r = Routing.unbound(this, newAttrs, highpri, ordered, frozenNow() ? 0 : maxActive, ordered);
                for (PoolWorkqueue p : r.pods()) {
                    p.workColor = flushColors.workColorLocked(); // not visible to anyone yet
                }
                if (budget != null) {
                    shareBudget(); // before the new pwqs are linked (ActiveBudget, "One pwq")
                }
                synchronized (pwqsLock) {
                    PoolWorkqueue[] all = java.util.Arrays.copyOf(pwqs, pwqs.length + r.pods().length);
                    System.arraycopy(r.pods(), 0, all, pwqs.length, r.pods().length);
                    pwqs = all;
                }
                routing = r; // new items go to the new pwqs from now on
                attrs = newAttrs;
                for (PoolWorkqueue p : old.pods()) {
                    retirePwq(p);
                }
            } finally {
                flushColors.unlock();
            }
        }
    }

    /**
     * Every linked pwq that skips the budget starts to use it, each under its pool lock (called
     * by applyAttrs under this workqueue's monitor, before it links more pwqs).
     */
    private void shareBudget() {
        for (PoolWorkqueue p : pwqs) {
            p.pool.lockPool();
            try {
                p.shareBudget();
            } finally {
                p.pool.unlockPool();
            }
        }
    }

    /** A pwq replaced by applyAttrs: takes what is still queued to it, released once empty. */
    private void retirePwq(PoolWorkqueue p) {
        p.pool.lockPool();
        try {
            if (p.retire()) {
                pwqDrained(p);
            }
        } finally {
            p.pool.unlockPool();
        }
    }

    /**
     * {@code pwq_release}: an unbound pwq that is replaced (or whose workqueue is destroyed) holds
     * nothing any more: unlinks it, keeps its statistics, gives back its budget credit and its
     * pool reference, and unplugs an ordered workqueue's next pwq. Called with its pool lock held.
     */
    void pwqDrained(PoolWorkqueue p) {
        p.released = true;
        PoolWorkqueue first;
        synchronized (pwqsLock) {
            PoolWorkqueue[] cur = pwqs;
            PoolWorkqueue[] rest = new PoolWorkqueue[cur.length - 1];
            int j = 0;
            for (PoolWorkqueue x : cur) {
                if (x != p && j < rest.length) {
                    rest[j++] = x;
                }
            }
            if (j == rest.length) {
                pwqs = rest;
            }
            releasedStats.add(p);
            first = pwqs.length > 0 ? pwqs[0] : null;
        }
        if (budget != null) {
            budget.unregister(p); // a stale registration would keep every release off its fast path
            budget.releaseAll(p);
        }
        runtime.unbound().put(p.pool);
        if (ordered && first != null && first != p) {
            first.poke(); // unplugs it if it is plugged (refresh)
        }
    }

    /** Whether {@code p} is the oldest linked pwq (an ordered workqueue unplugs only that one). */
    boolean isFirstPwq(PoolWorkqueue p) {
        PoolWorkqueue[] all = pwqs;
        return all.length > 0 && all[0] == p;
    }

    /** Whether the freezer holds this workqueue now. */
    boolean frozenNow() {
        return freezable && runtime.isFreezing();
    }

    /** On destroy: releases every pwq of an unbound workqueue (bound pools are permanent). */
    private void releaseAllPwqs() {
        if (!unbound) {
            return;
        }
        for (PoolWorkqueue p : pwqs) {
            p.pool.lockPool();
            try {
                if (!p.released) {
                    pwqDrained(p);
                }
            } finally {
                p.pool.unlockPool();
            }
        }
    }

    /** Whether a flush of this workqueue is waiting (a volatile read; the worker asks per item). */
    boolean hasFlushers() {
        return flushColors.hasFlushers();
    }

    boolean isDraining() {
        return nrDrainers > 0;
    }

    @Override
    public String toString() {
        return "Workqueue[" + name + ", flags=" + flags + ", maxActive=" + maxActive
                + (destroyed ? ", destroyed" : "") + "]";
    }

    // ------------------------------------------------------------------ queueing

    @Override
    public boolean queue(Work w) {
        Objects.requireNonNull(w, "work");
        return WorkOps.queueWorkOn(this, -1, w);
    }

    @Override
    public boolean queueOn(int cpu, Work w) {
        WorkqueueChecks.cpu(this, cpu);
        Objects.requireNonNull(w, "work");
        return WorkOps.queueWorkOn(this, cpu, w);
    }

    @Override
    public boolean queueDelayed(DelayedWork w, Duration delay) {
        Objects.requireNonNull(w, "work");
        Objects.requireNonNull(delay, "delay");
        return WorkOps.queueDelayedWorkOn(this, -1, w, delay);
    }

    @Override
    public boolean queueDelayedOn(int cpu, DelayedWork w, Duration delay) {
        WorkqueueChecks.cpu(this, cpu);
        Objects.requireNonNull(w, "work");
        Objects.requireNonNull(delay, "delay");
        return WorkOps.queueDelayedWorkOn(this, cpu, w, delay);
    }

    @Override
    public boolean modDelayed(DelayedWork w, Duration delay) {
        Objects.requireNonNull(w, "work");
        Objects.requireNonNull(delay, "delay");
        return WorkOps.modDelayedWorkOn(this, -1, w, delay);
    }

    @Override
    public boolean modDelayedOn(int cpu, DelayedWork w, Duration delay) {
        WorkqueueChecks.cpu(this, cpu);
        Objects.requireNonNull(w, "work");
        Objects.requireNonNull(delay, "delay");
        return WorkOps.modDelayedWorkOn(this, cpu, w, delay);
    }

    /** Fails a queue attempt if this workqueue no longer accepts {@code w}; see {@code __queue_work}. */
    void checkAccepts(Work w, boolean fromTimer) {
        if (refuses(fromTimer)) {
            throw WorkqueueChecks.refusal(name, destroyed, w);
        }
    }

    /**
     * As {@link #checkAccepts} for a caller that owns {@code w}'s PENDING: on refusal PENDING is
     * released first, so the message shows the item as it is left (not pending).
     */
    void checkAcceptsOwned(Work w, boolean fromTimer) {
        if (refuses(fromTimer)) {
            WorkOps.releasePending(w);
            throw WorkqueueChecks.refusal(name, destroyed, w);
        }
    }

    private boolean refuses(boolean fromTimer) {
        return destroyed || (!fromTimer && nrDrainers > 0 && !WorkqueueChecks.isChainedFromCurrent(this)
                && !runtime.acceptsDuringShutdown());
    }

    /** The pwq serving {@code cpu} (-1: the current CPU): see {@link Routing#pwqFor}. */
    PoolWorkqueue pwqFor(int cpu) {
        return routing.pwqFor(cpu, runtime);
    }

    /** The pwq a queue call for {@code cpu} (-1: the current CPU) links to: see {@link Routing#pwqForQueue}. */
    PoolWorkqueue pwqForQueue(int cpu) {
        return routing.pwqForQueue(cpu, runtime);
    }

    // ------------------------------------------------------------------ flush

    @Override
    public void flush() {
        WorkqueueChecks.notOwnItem(this, "flush");
        if (destroyed) {
            return; // nothing can be in flight: see the class comment of Workqueue
        }
        flushUnchecked();
    }

    @Override
    public boolean flush(Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        WorkqueueChecks.notOwnItem(this, "flush");
        long nanos = WorkOps.toNanos(timeout);
        boolean[] done = new boolean[1];
        WorkOps.blockingWait(() -> done[0] = flushColors.flush(System.nanoTime(), nanos));
        return done[0];
    }

    private void flushUnchecked() {
        WorkOps.blockingWait(() -> flushColors.flush(0, -1));
    }

    /** Called by a pwq (its pool lock held) when one of its colour counts drops to zero. */
    void colorDrained() {
        flushColors.colorDrained();
    }

    // ------------------------------------------------------------------ drain / destroy

    @Override
    public void drain() {
        WorkqueueChecks.notOwnItem(this, "drain");
        if (destroyed) {
            return;
        }
        synchronized (this) {
            nrDrainers++;
        }
        try {
            drainLoop();
        } finally {
            synchronized (this) {
                nrDrainers--;
            }
        }
    }

    private void drainLoop() {
        drainLoop(0, -1);
    }

    /**
     * Flushes until nothing is left, at most {@code timeoutNanos} from {@code start} (negative:
     * no limit).
     *
     * @return true once empty, false on timeout
     */
    boolean drainLoop(long start, long timeoutNanos) {
        for (int round = 1; ; round++) {
            if (!flushColors.flush(start, timeoutNanos)) {
                return false;
            }
            if (isEmpty()) {
                return true;
            }
            if (round == 10 || round % 100 == 0) {
                LOG.log(System.Logger.Level.WARNING, "workqueue ''{0}'': drain is still flushing after {1} rounds (items keep chaining)", name, round);
            }
        }
    }

    /** Whether no pwq has active, inactive or in-flight items. */
    boolean isEmpty() {
        for (PoolWorkqueue pwq : pwqs) {
            pwq.pool.lockPool();
            try {
                if (pwq.nrActive != 0 || !pwq.inactive.isEmpty()) {
                    return false;
                }
            } finally {
                pwq.pool.unlockPool();
            }
        }
        return true;
    }

    @Override
    public void destroy() {
        if (system && !runtime.isClosing()) {
            throw WorkqueueChecks.state(name, "is a system workqueue and cannot be destroyed");
        }
        WorkqueueChecks.notOwnItem(this, "destroy");
        destroy(0, -1);
    }

    /**
     * {@link #destroy()} for the runtime's close and timed shutdown: drains at most
     * {@code timeoutNanos} from {@code start} (negative: no limit). On timeout the workqueue
     * stays draining (only its own items may queue to it) and {@link #forceStop} finishes it.
     *
     * @return true if destroyed (or destroyed already), false on timeout
     */
    boolean destroy(long start, long timeoutNanos) {
        if (!beginDestroy()) {
            return true;
        }
        if (!drainLoop(start, timeoutNanos) || !markDestroyed(start, timeoutNanos)) {
            return false;
        }
        // Timers armed meanwhile by this workqueue's own items (chained work may arm during the
        // drain); none can be armed from now on.
        List<DelayedWork> armed = droppedTimers.cancelArmed();
        if (rescuer != null) {
            rescuer.stop();
        }
        releaseAllPwqs();
        runtime.unregister(this);
        droppedTimers.tell(armed);
        return true;
    }

    /**
     * The first step of a destroy: from now on only the workqueue's own items may queue to it,
     * and its armed timers are cancelled (by the first destroyer only).
     *
     * @return false if the workqueue is destroyed already
     */
    boolean beginDestroy() {
        boolean first;
        synchronized (this) {
            if (destroyed) {
                return false;
            }
            first = !stopping; // a concurrent destroyer drains and waits as well
            if (first) {
                stopping = true;
                nrDrainers++; // stays raised: from now on only chained work may queue
            }
        }
        if (first) {
            droppedTimers.cancelAtBegin();
        }
        return true;
    }

    /**
     * The end of a timed shutdown whose deadline passed: refuses all queueing (chained work
     * too), cancels every item that has not started, completes the flush barriers behind them
     * (so no flusher waits for an item that will not run), and lets the rescuer go. Items that
     * are running keep running; their workers leave once they return.
     *
     * @param joinNanos how long to wait for the rescuer thread
     * @return the number of items cancelled
     */
    int forceStop(long joinNanos) {
        List<WorkerPool> locked = lockAllPools();
        try {
            destroyed = true;
        } finally {
            unlockAll(locked);
        }
        List<Work> queued = new java.util.ArrayList<>();
        for (PoolWorkqueue pwq : pwqs) {
            WorkerPool p = pwq.pool;
            p.lockPool();
            try {
                collect(p.worklist, pwq, queued);
                collect(pwq.inactive, pwq, queued);
                for (Worker w : PoolViews.workersLocked(p)) {
                    collect(w.scheduled, pwq, queued);
                }
            } finally {
                p.unlockPool();
            }
        }
        int cancelled = 0;
        for (Work w : queued) {
            if (WorkOps.cancel(w)) {
                cancelled++;
            }
        }
        for (PoolWorkqueue pwq : pwqs) {
            WorkerPool p = pwq.pool;
            p.lockPool();
            try {
                for (Work w = p.worklist.first(); w != null; ) {
                    Work next = p.worklist.after(w);
                    if (w instanceof Barrier b && Node.dataVolatile(b) == pwq) {
                        WorkList.remove(b);
                        Node.setDataVolatile(b, p);
                        WorkOps.clearPending(b);
                        b.complete();
                    }
                    w = next;
                }
            } finally {
                p.unlockPool();
            }
        }
        List<DelayedWork> armed = droppedTimers.cancelArmed();
        if (rescuer != null) {
            rescuer.thread.interrupt(); // it may run a stuck item; an idle one just wakes and exits
            rescuer.stop(joinNanos);
        }
        runtime.unregister(this);
        droppedTimers.tell(armed);
        return cancelled;
    }

    /** L held: adds the items of {@code pwq} on {@code list} that are not flush barriers. */
    private static void collect(WorkList list, PoolWorkqueue pwq, List<Work> out) {
        for (Work w = list.first(); w != null; w = list.after(w)) {
            if (!(w instanceof Barrier) && Node.dataVolatile(w) == pwq) {
                out.add(w);
            }
        }
    }

    /** Locks the pools of every linked pwq, in pool-id order (the lock order among pools). */
    private List<WorkerPool> lockAllPools() {
        List<WorkerPool> pools = new java.util.ArrayList<>();
        for (PoolWorkqueue pwq : pwqs) {
            if (!pools.contains(pwq.pool)) {
                pools.add(pwq.pool);
            }
        }
        pools.sort(java.util.Comparator.comparingInt(p -> p.id));
        for (WorkerPool p : pools) {
            p.lockPool();
        }
        return pools;
    }

    private static void unlockAll(List<WorkerPool> locked) {
        for (WorkerPool p : locked) {
            p.unlockPool();
        }
    }

    /**
     * Sets {@link #destroyed} while holding every pwq's pool lock, once nothing is left: a timer
     * that fired during the drain (timers may queue to a draining workqueue) re-checks
     * {@code destroyed} under its pool lock before linking, so it either lands before this and
     * is drained, or is refused after it.
     */
    private boolean markDestroyed(long start, long timeoutNanos) {
        while (true) {
            List<WorkerPool> locked = lockAllPools();
            try {
                boolean empty = true;
                for (PoolWorkqueue pwq : pwqs) {
                    empty &= pwq.nrActive == 0 && pwq.inactive.isEmpty();
                }
                if (empty) {
                    destroyed = true;
                    return true;
                }
            } finally {
                unlockAll(locked);
            }
            if (!drainLoop(start, timeoutNanos)) {
                return false;
            }
        }
    }

    @Override
    public void close() {
        destroy();
    }

    // ------------------------------------------------------------------ max_active, freezer

    @Override
    public void setMaxActive(int maxActive) {
        WorkqueueChecks.maxActive(name, maxActive);
        if (ordered) {
            throw WorkqueueChecks.state(name, "is ordered; its maxActive is fixed at 1");
        }
        if (destroyed) {
            throw WorkqueueChecks.state(name, "is destroyed");
        }
        synchronized (this) {
            int old = this.maxActive;
            this.maxActive = maxActive == 0 ? DFL_ACTIVE : maxActive;
            if (budget != null) {
                budget.resize(old, this.maxActive);
            }
            adjustLimits(freezable && runtime.isFreezing());
        }
    }

    /** Applies max_active and the freezer to every pwq. */
    synchronized void adjustLimits(boolean frozen) {
        for (PoolWorkqueue pwq : pwqs) {
            pwq.pool.lockPool();
            try {
                pwq.adjustLimit(maxActive, frozen);
            } finally {
                pwq.pool.unlockPool();
            }
        }
    }

    /** Whether any pwq still has active items (the freezer's busy test). */
    boolean hasActive() {
        for (PoolWorkqueue pwq : pwqs) {
            pwq.pool.lockPool();
            try {
                if (pwq.nrActive > 0) {
                    return true;
                }
            } finally {
                pwq.pool.unlockPool();
            }
        }
        return false;
    }

    @Override
    public boolean isCongested(int cpu) {
        WorkqueueChecks.cpu(this, cpu);
        PoolWorkqueue pwq = pwqFor(cpu);
        pwq.pool.lockPool();
        try {
            return pwq.isCongested();
        } finally {
            pwq.pool.unlockPool();
        }
    }

    @Override
    public WorkqueueInfo info() {
        PoolWorkqueue[] all = pwqs;
        int[] pools = new int[all.length];
        return PwqTotals.of(this, all, pools).info(name, Formats.flags(flags), maxActive, unbound, ordered,
                rescuer == null ? "" : rescuer.thread.getName(), pools, unbound ? attrs().toString() : "");
    }

    @Override
    public WorkqueueStats stats() {
        return PwqTotals.of(this, pwqs, null).stats(name);
    }

    /** A copy of the statistics of the released pwqs. */
    PwqTotals releasedStats() {
        PwqTotals copy = new PwqTotals();
        synchronized (pwqsLock) {
            copy.add(releasedStats);
        }
        return copy;
    }
}
