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
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A workqueue, the kernel's {@code workqueue_struct}: flags, max_active, one {@link PoolWorkqueue}
 * per CPU (bound), per pod (unbound; max_active shared through an {@link ActiveBudget}) or a
 * single one (ordered), the pwqs replaced by {@code applyAttrs} until they drain, and the flush
 * machinery.
 *
 * <h2>Flush colours</h2>
 * Every queued item is tagged with its pwq's current <em>work colour</em> (16 colours) and
 * counted in {@code pwq.nrInFlight[colour]} until it finishes or is cancelled. A flusher, under
 * {@link #flushMutex}, takes the current colour as its own and moves every pwq to the next
 * colour, so nothing queued afterwards carries its colour. It then waits until the oldest
 * colour still in flight ({@link #flushColor}) has moved past its own; the flush colour only
 * advances over colours whose count is zero on every pwq. Items queued after a flush started
 * never hold it, so a busy workqueue cannot livelock a flusher, and any number of flushers
 * share the colours. With all 15 spare colours in use a new flusher waits for one to free up
 * (the kernel's overflow list).
 *
 * <p>Completion is signalled cheaply: when a count drops to zero while flushers exist, the pwq
 * bumps {@link #flushEvents} and signals {@link #flushWait}, a leaf lock never held while
 * taking another.
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
    /** pwqsLock: the statistics of released pwqs (started, completed, cpu, intensive, cmw, repatriated, mayday, rescued). */
    private final long[] releasedStats = new long[8];
    /** I: the rescuer of a MEM_RECLAIM workqueue, else null. */
    final Rescuer rescuer;

    /** The JMX name of a {@code SYSFS} workqueue's MXBean, null if none (set once by RuntimeCore.alloc). */
    volatile javax.management.ObjectName mbeanName;

    private volatile int maxActive;
    /** The attributes of an unbound workqueue, null for a bound one. */
    private volatile io.jworkqueue.WorkqueueAttrs attrs;
    private volatile int nrDrainers;
    private volatile boolean destroyed;
    /** Guarded by this: timers cancelled when the destroy began, told of it once destroyed. */
    private List<DelayedWork> droppedTimers = List.of();
    /** Guarded by this: a destroy (or the runtime's shutdown) has begun. */
    private boolean stopping;

    // Flush state (F: flushMutex).
    private final ReentrantLock flushMutex = new ReentrantLock();
    private int workColor; // F, and copied into each pwq under its pool lock
    private int flushColor; // F
    private volatile int nrFlushers;
    private final AtomicLong flushEvents = new AtomicLong();
    private final ReentrantLock flushWait = new ReentrantLock();
    private final Condition flushProgress = flushWait.newCondition();

    WorkqueueImpl(RuntimeCore runtime, String name, Set<WorkqueueFlag> flags, int maxActive,
                  boolean ordered, boolean system) {
        this.runtime = runtime;
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
            Routing r = buildUnbound(attrs, false);
            if (r.pods.length == 1) {
                r.pods[0].skipBudget(); // the only pwq: its limit is exact (ActiveBudget, "One pwq")
            }
            this.pwqs = r.pods;
            this.routing = r;
        } else {
            this.budget = null;
            PoolWorkqueue[] perCpu = new PoolWorkqueue[runtime.cpus()];
            for (int cpu = 0; cpu < perCpu.length; cpu++) {
                perCpu[cpu] = new PoolWorkqueue(runtime.boundPool(cpu, highpri), this, limit);
            }
            this.pwqs = perCpu;
            this.routing = new Routing(perCpu, perCpu, false);
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
            throw new IllegalStateException("workqueue '" + name + "' is bound (per-CPU); only unbound workqueues have attributes");
        }
        return a;
    }

    @Override
    public void applyAttrs(io.jworkqueue.WorkqueueAttrs newAttrs) {
        Objects.requireNonNull(newAttrs, "attrs");
        if (!unbound) {
            throw new IllegalStateException("workqueue '" + name + "' is bound (per-CPU); apply_workqueue_attrs needs an unbound workqueue");
        }
        java.util.BitSet cpus = newAttrs.cpus();
        if (cpus.length() > runtime.cpus()) {
            throw new IllegalArgumentException("workqueue '" + name + "': attrs name CPU " + (cpus.length() - 1)
                    + "; the runtime has CPUs [0, " + (runtime.cpus() - 1) + "]");
        }
        if (destroyed) {
            throw new IllegalStateException("workqueue '" + name + "' is destroyed; cannot apply attributes");
        }
        synchronized (this) { // serialised with setMaxActive and the freezer (adjustLimits)
            flushMutex.lock(); // new pwqs take the current flush colour; no flusher moves it meanwhile
            try {
                if (destroyed || stopping) {
                    throw new IllegalStateException("workqueue '" + name + "' is "
                            + (destroyed ? "destroyed" : "being destroyed") + "; cannot apply attributes");
                }
                Routing old = routing;
                // An ordered workqueue's new pwq is plugged until the ones before it drained.
                Routing r = buildUnbound(newAttrs, ordered);
                for (PoolWorkqueue p : r.pods) {
                    p.workColor = workColor; // not visible to anyone yet
                }
                if (budget != null) {
                    shareBudget(); // before the new pwqs are linked (ActiveBudget, "One pwq")
                }
                synchronized (pwqsLock) {
                    PoolWorkqueue[] all = java.util.Arrays.copyOf(pwqs, pwqs.length + r.pods.length);
                    System.arraycopy(r.pods, 0, all, pwqs.length, r.pods.length);
                    pwqs = all;
                }
                routing = r; // new items go to the new pwqs from now on
                attrs = newAttrs;
                for (PoolWorkqueue p : old.pods) {
                    retirePwq(p);
                }
            } finally {
                flushMutex.unlock();
            }
        }
    }

    /**
     * Which pwqs serve which CPUs: {@code byCpu} has one entry per runtime CPU, or a single one
     * when one pwq serves them all; {@code pods} holds each distinct pwq once; {@code lend}: a
     * busy pod's queue calls may go to an idle neighbour (more than one pod, not strict).
     */
    private record Routing(PoolWorkqueue[] byCpu, PoolWorkqueue[] pods, boolean lend) {}

    /**
     * {@code apply_wqattrs_prepare}: the pwqs of an unbound workqueue for {@code a}, one per pod
     * (pools shared through the runtime's table), not yet linked.
     */
    private Routing buildUnbound(io.jworkqueue.WorkqueueAttrs a, boolean plugged) {
        PoolAttrs[] keys = runtime.resolvePools(a, highpri, ordered);
        int limit = frozenNow() ? 0 : maxActive;
        java.util.Map<PoolAttrs, PoolWorkqueue> made = new java.util.LinkedHashMap<>();
        PoolWorkqueue[] byCpu = new PoolWorkqueue[keys.length];
        for (int cpu = 0; cpu < keys.length; cpu++) {
            byCpu[cpu] = made.computeIfAbsent(keys[cpu],
                    k -> new PoolWorkqueue(runtime.getUnboundPool(k), this, limit, budget, plugged));
        }
        PoolWorkqueue[] pods = made.values().toArray(new PoolWorkqueue[0]);
        if (pods.length == 1) {
            byCpu = pods;
        }
        return new Routing(byCpu, pods, !ordered && !a.affinityStrict() && pods.length > 1);
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
                p.pool.lock.unlock();
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
            p.pool.lock.unlock();
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
            long[] st = releasedStats;
            st[0] += p.started;
            st[1] += p.completed;
            st[2] += p.cpuTime;
            st[3] += p.cpuIntensive;
            st[4] += p.cmWakeup;
            st[5] += p.repatriated;
            st[6] += p.mayday;
            st[7] += p.rescued;
            first = pwqs.length > 0 ? pwqs[0] : null;
        }
        if (budget != null) {
            budget.unregister(p); // a stale registration would keep every release off its fast path
            budget.releaseAll(p);
        }
        runtime.putUnboundPool(p.pool);
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
                p.pool.lock.unlock();
            }
        }
    }

    /** Whether a flush of this workqueue is waiting (a volatile read; the worker asks per item). */
    boolean hasFlushers() {
        return nrFlushers > 0;
    }

    boolean isDraining() {
        return nrDrainers > 0;
    }

    @Override
    public String toString() {
        return "Workqueue[" + name + ", flags=" + flags + ", maxActive=" + maxActive
                + (destroyed ? ", destroyed" : "") + "]";
    }

    // ------------------------------------------------------------------ argument checks

    int checkCpu(int cpu) {
        int n = runtime.cpus();
        if (cpu < 0 || cpu >= n) {
            throw new IllegalArgumentException("workqueue '" + name + "': cpu " + cpu
                    + " is out of range [0, " + (n - 1) + "]");
        }
        return cpu;
    }

    static int checkMaxActive(String wq, int maxActive) {
        if (maxActive < 0 || maxActive > MAX_ACTIVE) {
            throw new IllegalArgumentException("workqueue '" + wq + "': maxActive " + maxActive
                    + " is out of range [0, " + MAX_ACTIVE + "] (0 = default " + DFL_ACTIVE + ")");
        }
        return maxActive;
    }

    // ------------------------------------------------------------------ queueing

    @Override
    public boolean queue(Work w) {
        Objects.requireNonNull(w, "work");
        return WorkOps.queueWorkOn(this, -1, w);
    }

    @Override
    public boolean queueOn(int cpu, Work w) {
        checkCpu(cpu);
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
        checkCpu(cpu);
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
        checkCpu(cpu);
        Objects.requireNonNull(w, "work");
        Objects.requireNonNull(delay, "delay");
        return WorkOps.modDelayedWorkOn(this, cpu, w, delay);
    }

    /** Fails a queue attempt if this workqueue no longer accepts {@code w}; see {@code __queue_work}. */
    void checkAccepts(Work w, boolean fromTimer) {
        if (refuses(fromTimer)) {
            throw refusal(w);
        }
    }

    /**
     * As {@link #checkAccepts} for a caller that owns {@code w}'s PENDING: on refusal PENDING is
     * released first, so the message shows the item as it is left (not pending).
     */
    void checkAcceptsOwned(Work w, boolean fromTimer) {
        if (refuses(fromTimer)) {
            WorkOps.releasePending(w);
            throw refusal(w);
        }
    }

    private boolean refuses(boolean fromTimer) {
        return destroyed || (!fromTimer && nrDrainers > 0 && !isChainedFromCurrent()
                && !runtime.acceptsDuringShutdown());
    }

    private IllegalStateException refusal(Work w) {
        if (destroyed) {
            return new IllegalStateException("workqueue '" + name + "' is destroyed; cannot queue " + w);
        }
        return new IllegalStateException("workqueue '" + name + "' is draining; only its own items may queue to it, not " + w);
    }

    /** {@code is_chained_work}: the calling thread runs an item of this workqueue. */
    private boolean isChainedFromCurrent() {
        Worker w = Worker.current();
        return w != null && w.currentPwq != null && w.currentPwq.wq == this;
    }

    /** The pwq serving {@code cpu} (-1: the current CPU); for an unbound workqueue, that CPU's pod's. */
    PoolWorkqueue pwqFor(int cpu) {
        PoolWorkqueue[] byCpu = routing.byCpu;
        if (byCpu.length == 1) {
            return byCpu[0];
        }
        return byCpu[cpu >= 0 ? cpu : runtime.currentCpu()];
    }

    /**
     * The pwq a queue call for {@code cpu} (-1: the current CPU) links to: {@link #pwqFor}, or,
     * for an unbound workqueue whose pods are not strict, a neighbour pod's pwq when that CPU's
     * pod is busy (its worklist waits and it cannot start another item) and the neighbour could
     * start the item at once. The look at the pools is a racy read without their locks: a hint.
     */
    PoolWorkqueue pwqForQueue(int cpu) {
        Routing r = routing;
        PoolWorkqueue[] byCpu = r.byCpu;
        if (byCpu.length == 1) {
            return byCpu[0];
        }
        PoolWorkqueue p = byCpu[cpu >= 0 ? cpu : runtime.currentCpu()];
        return r.lend ? lend(p, r.pods) : p;
    }

    private static PoolWorkqueue lend(PoolWorkqueue p, PoolWorkqueue[] pods) {
        WorkerPool home = p.pool;
        if (!home.hasWaiting() || (home.nrIdle > 0 && home.nrRunning < home.target)) {
            return p; // it can start the item itself
        }
        for (PoolWorkqueue q : pods) {
            WorkerPool o = q.pool;
            if (o != home && !o.hasWaiting() && o.nrRunning < o.target && (o.nrIdle > 0 || o.nrWorkers == 0)) {
                return q;
            }
        }
        return p;
    }

    // ------------------------------------------------------------------ flush

    /** Throws if the calling thread runs one of this workqueue's items (it would wait for itself). */
    private void checkNotOwnItem(String what) {
        Worker w = Worker.current();
        if (w != null && w.currentPwq != null && w.currentPwq.wq == this) {
            throw new IllegalStateException(what + " of workqueue '" + name + "' from its own item "
                    + w.currentWork + " would deadlock");
        }
    }

    private static int nextColor(int c) {
        return (c + 1) % PoolWorkqueue.NR_COLORS;
    }

    /** Whether colour {@code c} lies in the cyclic range [from, to). */
    private static boolean inRange(int c, int from, int to) {
        int n = PoolWorkqueue.NR_COLORS;
        return Math.floorMod(c - from, n) < Math.floorMod(to - from, n);
    }

    @Override
    public void flush() {
        checkNotOwnItem("flush");
        if (destroyed) {
            return; // nothing can be in flight: see the class comment of Workqueue
        }
        flushUnchecked();
    }

    @Override
    public boolean flush(Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        checkNotOwnItem("flush");
        long nanos = WorkOps.toNanos(timeout);
        boolean[] done = new boolean[1];
        WorkOps.blockingWait(() -> done[0] = flushColors(System.nanoTime(), nanos));
        return done[0];
    }

    private void flushUnchecked() {
        WorkOps.blockingWait(() -> flushColors(0, -1));
    }

    /**
     * Takes a flush colour and waits until it has drained, at most {@code timeoutNanos} from
     * {@code start} (negative: no limit).
     *
     * <p>A flusher counts in {@link #nrFlushers} while it waits, for a colour to free up as well
     * as for its own colour to drain, so every drop of a count to zero wakes it and it moves
     * {@link #flushColor} itself ({@link #advanceFlushColor}). It never depends on another
     * flusher to do that: a timed flusher that gives up simply leaves, and the colour it took
     * stays in the range between flushColor and workColor until any later flusher passes it
     * once it has drained. So timed-out flushers leave nothing behind, even when all colours
     * were taken.
     *
     * @return true once the colour drained, false on timeout
     */
    private boolean flushColors(long start, long timeoutNanos) {
        flushMutex.lock();
        try {
            nrFlushers++;
        } finally {
            flushMutex.unlock();
        }
        try {
            int myColor = -1;
            while (true) {
                long seen = flushEvents.get(); // read before looking, so no drop goes unnoticed
                flushMutex.lock();
                try {
                    if (myColor < 0) {
                        advanceFlushColor(-1); // frees colours drained since the last flusher left
                        if (nextColor(workColor) != flushColor) {
                            myColor = takeColor();
                        }
                    }
                    if (myColor >= 0 && advanceFlushColor(myColor)) {
                        return true;
                    }
                } finally {
                    flushMutex.unlock();
                }
                if (!awaitFlushEvent(seen, start, timeoutNanos)) {
                    return false;
                }
            }
        } finally {
            flushMutex.lock();
            try {
                nrFlushers--;
            } finally {
                flushMutex.unlock();
            }
        }
    }

    /** F held: takes the current work colour and moves every pwq to the next one. */
    private int takeColor() {
        int myColor = workColor;
        workColor = nextColor(workColor);
        for (PoolWorkqueue pwq : pwqs) {
            pwq.pool.lockPool();
            try {
                pwq.workColor = workColor;
            } finally {
                pwq.pool.lock.unlock();
            }
        }
        return myColor;
    }

    /** Waits until {@link #flushEvents} moves past {@code seen}; false if the deadline passed first. */
    private boolean awaitFlushEvent(long seen, long start, long timeoutNanos) {
        flushWait.lock();
        try {
            if (timeoutNanos < 0) {
                Waits.await(flushProgress, () -> flushEvents.get() != seen);
                return true;
            }
            long left = timeoutNanos - (System.nanoTime() - start);
            return left > 0 && Waits.await(flushProgress, () -> flushEvents.get() != seen, left);
        } finally {
            flushWait.unlock();
        }
    }

    /**
     * F held: moves flushColor past drained colours; true once {@code myColor} is passed. A
     * flusher waiting for a free colour is woken by the count drop that let this move (see
     * {@link #flushColors}).
     */
    private boolean advanceFlushColor(int myColor) {
        while (flushColor != workColor && colorIsDrained(flushColor)) {
            flushColor = nextColor(flushColor);
        }
        return !inRange(myColor, flushColor, workColor);
    }

    private boolean colorIsDrained(int color) {
        for (PoolWorkqueue pwq : pwqs) {
            pwq.pool.lockPool();
            try {
                if (pwq.nrInFlight[color] != 0) {
                    return false;
                }
            } finally {
                pwq.pool.lock.unlock();
            }
        }
        return true;
    }

    /** Called by a pwq (its pool lock held) when one of its colour counts drops to zero. */
    void colorDrained() {
        if (nrFlushers == 0) {
            return;
        }
        flushEvents.incrementAndGet();
        flushWait.lock();
        try {
            flushProgress.signalAll();
        } finally {
            flushWait.unlock();
        }
    }

    // ------------------------------------------------------------------ drain / destroy

    @Override
    public void drain() {
        checkNotOwnItem("drain");
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
            if (!flushColors(start, timeoutNanos)) {
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
                pwq.pool.lock.unlock();
            }
        }
        return true;
    }

    @Override
    public void destroy() {
        if (system && !runtime.isClosing()) {
            throw new IllegalStateException("workqueue '" + name + "' is a system workqueue and cannot be destroyed");
        }
        checkNotOwnItem("destroy");
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
        List<DelayedWork> armed = cancelArmedTimers();
        if (rescuer != null) {
            rescuer.stop();
        }
        releaseAllPwqs();
        runtime.unregister(this);
        notifyDroppedTimers(armed);
        return true;
    }

    /** Cancels the armed timers that target this workqueue, releasing and reporting each. */
    private List<DelayedWork> cancelArmedTimers() {
        List<DelayedWork> armed = runtime.timers().cancelAll(dw -> Node.targetVolatile(dw) == this);
        for (DelayedWork dw : armed) {
            WorkOps.releasePending(dw);
            LOG.log(System.Logger.Level.WARNING, "workqueue ''{0}'' destroyed with armed delayed work {1}; its timer was cancelled", name, dw);
        }
        return armed;
    }

    /**
     * Tells the owners of the timers cancelled by this destroy (the first step's and {@code more})
     * that they will not fire; called once the workqueue is destroyed, so that an owner told now
     * sees {@link #isDestroyed()}.
     */
    private void notifyDroppedTimers(List<DelayedWork> more) {
        List<DelayedWork> first;
        synchronized (this) {
            first = droppedTimers;
            droppedTimers = List.of();
        }
        for (DelayedWork dw : first) {
            WorkOps.timerDropped(dw);
        }
        for (DelayedWork dw : more) {
            WorkOps.timerDropped(dw);
        }
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
            List<DelayedWork> armed = cancelArmedTimers();
            synchronized (this) {
                droppedTimers = armed;
            }
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
                for (Worker w : p.workersSnapshotLocked()) {
                    collect(w.scheduled, pwq, queued);
                }
            } finally {
                p.lock.unlock();
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
                p.lock.unlock();
            }
        }
        List<DelayedWork> armed = cancelArmedTimers();
        if (rescuer != null) {
            rescuer.thread.interrupt(); // it may run a stuck item; an idle one just wakes and exits
            rescuer.stop(joinNanos);
        }
        runtime.unregister(this);
        notifyDroppedTimers(armed);
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
            p.lock.unlock();
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
        checkMaxActive(name, maxActive);
        if (ordered) {
            throw new IllegalStateException("workqueue '" + name + "' is ordered; its maxActive is fixed at 1");
        }
        if (destroyed) {
            throw new IllegalStateException("workqueue '" + name + "' is destroyed");
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
                pwq.pool.lock.unlock();
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
                pwq.pool.lock.unlock();
            }
        }
        return false;
    }

    @Override
    public boolean isCongested(int cpu) {
        checkCpu(cpu);
        PoolWorkqueue pwq = pwqFor(cpu);
        pwq.pool.lockPool();
        try {
            return pwq.isCongested();
        } finally {
            pwq.pool.lock.unlock();
        }
    }

    /** @return the flags as comma-separated names in declaration order, empty if none */
    static String flagString(Set<WorkqueueFlag> flags) {
        StringBuilder sb = new StringBuilder();
        for (WorkqueueFlag f : WorkqueueFlag.values()) {
            if (flags.contains(f)) {
                if (sb.length() > 0) {
                    sb.append(',');
                }
                sb.append(f.name());
            }
        }
        return sb.toString();
    }

    @Override
    public WorkqueueInfo info() {
        long started = 0, completed = 0, cpu = 0, intensive = 0, cmw = 0, rpr = 0, mayday = 0, rescued = 0;
        int active = 0, inact = 0;
        PoolWorkqueue[] all = pwqs;
        int[] pools = new int[all.length];
        for (int i = 0; i < all.length; i++) {
            PoolWorkqueue pwq = all[i];
            pools[i] = pwq.pool.id;
            pwq.pool.lockPool();
            try {
                active += pwq.nrActive;
                inact += pwq.inactive.size();
                started += pwq.started;
                completed += pwq.completed;
                cpu += pwq.cpuTime;
                intensive += pwq.cpuIntensive;
                cmw += pwq.cmWakeup;
                rpr += pwq.repatriated;
                mayday += pwq.mayday;
                rescued += pwq.rescued;
            } finally {
                pwq.pool.lock.unlock();
            }
        }
        long[] r = releasedStats();
        return new WorkqueueInfo(name, flagString(flags), maxActive, unbound, ordered, active, inact,
                started + r[0], completed + r[1], cpu + r[2], intensive + r[3], cmw + r[4], rpr + r[5],
                mayday + r[6], rescued + r[7],
                rescuer == null ? "" : rescuer.thread.getName(), pools, unbound ? attrs().toString() : "");
    }

    @Override
    public WorkqueueStats stats() {
        long started = 0, completed = 0, cpu = 0, intensive = 0, cmw = 0, rpr = 0, mayday = 0, rescued = 0;
        for (PoolWorkqueue pwq : pwqs) {
            pwq.pool.lockPool();
            try {
                started += pwq.started;
                completed += pwq.completed;
                cpu += pwq.cpuTime;
                intensive += pwq.cpuIntensive;
                cmw += pwq.cmWakeup;
                rpr += pwq.repatriated;
                mayday += pwq.mayday;
                rescued += pwq.rescued;
            } finally {
                pwq.pool.lock.unlock();
            }
        }
        long[] r = releasedStats();
        return new WorkqueueStats(name, started + r[0], completed + r[1], cpu + r[2], intensive + r[3],
                cmw + r[4], rpr + r[5], mayday + r[6], rescued + r[7]);
    }

    private long[] releasedStats() {
        synchronized (pwqsLock) {
            return releasedStats.clone();
        }
    }
}
