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
 * per CPU (bound) or a single one (unbound, ordered), and the flush machinery.
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
public final class WorkqueueImpl implements Workqueue {
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
    /** I: per CPU for bound workqueues; one entry for unbound ones. */
    final PoolWorkqueue[] pwqs;
    /** I: the rescuer of a MEM_RECLAIM workqueue, else null. */
    final Rescuer rescuer;

    /** The JMX name of a {@code SYSFS} workqueue's MXBean, null if none (set once by RuntimeCore.alloc). */
    volatile javax.management.ObjectName mbeanName;

    private volatile int maxActive;
    private volatile int nrDrainers;
    private volatile boolean destroyed;

    // Flush state (F: flushMutex).
    private final ReentrantLock flushMutex = new ReentrantLock();
    private final Condition colorFree = flushMutex.newCondition();
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
                || (f.contains(WorkqueueFlag.POWER_EFFICIENT) && runtime.config().powerEfficient());
        this.cpuIntensive = f.contains(WorkqueueFlag.CPU_INTENSIVE);
        this.freezable = f.contains(WorkqueueFlag.FREEZABLE);
        this.maxActive = maxActive == 0 ? DFL_ACTIVE : maxActive;
        boolean highpri = f.contains(WorkqueueFlag.HIGHPRI);
        boolean frozen = freezable && runtime.isFreezing();
        int limit = frozen ? 0 : this.maxActive;
        if (unbound) {
            pwqs = new PoolWorkqueue[] {new PoolWorkqueue(runtime.unboundPool(highpri), this, limit)};
        } else {
            pwqs = new PoolWorkqueue[runtime.cpus()];
            for (int cpu = 0; cpu < pwqs.length; cpu++) {
                pwqs[cpu] = new PoolWorkqueue(runtime.boundPool(cpu, highpri), this, limit);
            }
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
        return destroyed || (!fromTimer && nrDrainers > 0 && !isChainedFromCurrent());
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

    /** The pwq serving {@code cpu} (-1: the current CPU). */
    PoolWorkqueue pwqFor(int cpu) {
        if (unbound) {
            return pwqs[0];
        }
        return pwqs[cpu >= 0 ? cpu : runtime.currentCpu()];
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

    private void flushUnchecked() {
        int myColor;
        flushMutex.lock();
        try {
            Waits.await(colorFree, () -> nextColor(workColor) != flushColor);
            myColor = workColor;
            workColor = nextColor(workColor);
            for (PoolWorkqueue pwq : pwqs) {
                pwq.pool.lockPool();
                try {
                    pwq.workColor = workColor;
                } finally {
                    pwq.pool.lock.unlock();
                }
            }
            nrFlushers++;
        } finally {
            flushMutex.unlock();
        }
        WorkOps.blockingWait(() -> awaitColor(myColor));
    }

    private void awaitColor(int myColor) {
        try {
            while (true) {
                long seen = flushEvents.get();
                flushMutex.lock();
                try {
                    if (advanceFlushColor(myColor)) {
                        return;
                    }
                } finally {
                    flushMutex.unlock();
                }
                flushWait.lock();
                try {
                    Waits.await(flushProgress, () -> flushEvents.get() != seen);
                } finally {
                    flushWait.unlock();
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

    /** F held: moves flushColor past drained colours; true once {@code myColor} is passed. */
    private boolean advanceFlushColor(int myColor) {
        boolean moved = false;
        while (flushColor != workColor && colorIsDrained(flushColor)) {
            flushColor = nextColor(flushColor);
            moved = true;
        }
        if (moved) {
            colorFree.signalAll();
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
        for (int round = 1; ; round++) {
            flushUnchecked();
            if (isEmpty()) {
                return;
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
        synchronized (this) {
            if (destroyed) {
                return;
            }
            nrDrainers++; // stays raised: from now on only chained work may queue
        }
        List<DelayedWork> armed = cancelArmedTimers();
        drainLoop();
        markDestroyed();
        // Timers armed meanwhile by this workqueue's own items (chained work may arm during the
        // drain); none can be armed from now on.
        armed.addAll(cancelArmedTimers());
        if (rescuer != null) {
            rescuer.stop();
        }
        runtime.unregister(this);
        for (DelayedWork dw : armed) {
            WorkOps.timerDropped(dw); // once destroyed: an owner told now sees isDestroyed()
        }
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
     * Sets {@link #destroyed} while holding every pwq's pool lock, once nothing is left: a timer
     * that fired during the drain (timers may queue to a draining workqueue) re-checks
     * {@code destroyed} under its pool lock before linking, so it either lands before this and
     * is drained, or is refused after it.
     */
    private void markDestroyed() {
        while (true) {
            List<WorkerPool> locked = new java.util.ArrayList<>();
            try {
                for (PoolWorkqueue pwq : pwqs) {
                    if (!locked.contains(pwq.pool)) {
                        pwq.pool.lockPool();
                        locked.add(pwq.pool);
                    }
                }
                boolean empty = true;
                for (PoolWorkqueue pwq : pwqs) {
                    empty &= pwq.nrActive == 0 && pwq.inactive.isEmpty();
                }
                if (empty) {
                    destroyed = true;
                    return;
                }
            } finally {
                for (WorkerPool p : locked) {
                    p.lock.unlock();
                }
            }
            drainLoop();
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
            this.maxActive = maxActive == 0 ? DFL_ACTIVE : maxActive;
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
        int[] pools = new int[unbound ? 1 : pwqs.length];
        for (int i = 0; i < pwqs.length; i++) {
            PoolWorkqueue pwq = pwqs[i];
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
        return new WorkqueueInfo(name, flagString(flags), maxActive, unbound, ordered, active, inact,
                started, completed, cpu, intensive, cmw, rpr, mayday, rescued,
                rescuer == null ? "" : rescuer.thread.getName(), pools);
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
        return new WorkqueueStats(name, started, completed, cpu, intensive, cmw, rpr, mayday, rescued);
    }
}
