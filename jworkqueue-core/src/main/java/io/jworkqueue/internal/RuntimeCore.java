package io.jworkqueue.internal;

import io.jworkqueue.DelayedWork;
import io.jworkqueue.LockupReport;
import io.jworkqueue.Work;
import io.jworkqueue.Workqueue;
import io.jworkqueue.WorkqueueFlag;
import io.jworkqueue.WorkqueueRuntime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ThreadFactory;
import java.util.function.Consumer;
import java.util.function.IntSupplier;
import java.util.function.LongSupplier;

/**
 * The engine behind {@link WorkqueueRuntime}: it owns the runtime's parts (the bound pools, two
 * per CPU; the unbound pools, {@link UnboundPools}; the timer wheel; the {@link Watchdog}; the
 * {@link Reports}; the clock) and keeps the registry of workqueues, the freezer and the close.
 */
public final class RuntimeCore {
    private static final System.Logger LOG = System.getLogger("io.jworkqueue");

    private final WorkqueueRuntime api; // I
    private final RuntimeConfig config; // I
    private final int cpus; // I
    /** I: [cpu * 2 + highpri]. */
    private final WorkerPool[] bound;
    /** I: the unbound pools, shared by the workqueues whose pods resolve to them. */
    private final UnboundPools unbound;
    private final TimerWheel timers; // I
    private final ConcurrencyMonitor monitor; // I
    private final Watchdog watchdog; // I
    private final Reports reports = new Reports(this); // I
    /**
     * The runtime's clock, {@code System::nanoTime} unless the config names another: the timer
     * wheel, the watchdog, the dumps and the reports' rate limits read it. Tests may replace it
     * ({@link #setClock}).
     */
    private volatile LongSupplier clock;
    private final IntSupplier locator; // I, may be null
    /**
     * The live workqueues by allocation number, so iteration is in allocation order and adding
     * or removing one costs O(log n) (a copy-on-write list made allocating and closing a runtime
     * of many workqueues quadratic). Written under {@code stateLock} (add) or by the
     * workqueue's own destroy (remove); read by weakly consistent iteration.
     */
    private final ConcurrentSkipListMap<Long, WorkqueueImpl> workqueues = new ConcurrentSkipListMap<>();
    /** Under {@code stateLock}: the allocation number of the next workqueue. */
    private long nextWorkqueueKey;
    private final Object stateLock = new Object();
    // The knobs the kernel makes writable at run time (module parameters cpu_intensive_thresh_us,
    // watchdog_thresh, power_efficient): set from the config, written by WorkqueueRuntime's
    // setters and the MXBean, read through the accessors below.
    private volatile long cpuIntensiveThreshNanos;
    private volatile boolean powerEfficient;
    private volatile boolean freezing;
    private volatile boolean closing;
    /** A {@link #shutdown(long)} drains every workqueue at once: items may still queue anywhere. */
    private volatile boolean shuttingDown;
    private volatile boolean closed;
    /** JMX registrations; null until {@link #registerMBeans(String)} (and in engine-only tests). */
    private volatile Jmx jmx;
    /**
     * I: the configured durations in nanoseconds, converted once and saturated at
     * {@code Long.MAX_VALUE} ({@link WorkOps#toNanos}), so that a duration like
     * {@code ChronoUnit.FOREVER} means "never". Read through the accessors below.
     */
    private final long idleTimeoutNanos, createCooldownNanos;
    public RuntimeCore(WorkqueueRuntime api, RuntimeConfig config) {
        this.api = api;
        this.config = config;
        this.cpus = config.cpus();
        this.locator = config.cpuLocator();
        this.cpuIntensiveThreshNanos = WorkOps.toNanos(config.cpuIntensiveThreshold());
        this.clock = config.clock();
        this.watchdog = new Watchdog(this, WorkOps.toNanos(config.watchdogThreshold()));
        this.powerEfficient = config.powerEfficient();
        this.idleTimeoutNanos = WorkOps.toNanos(config.idleWorkerTimeout());
        this.createCooldownNanos = WorkOps.toNanos(config.createCooldown());
        this.bound = new WorkerPool[cpus * 2];
        for (int cpu = 0; cpu < cpus; cpu++) {
            bound[cpu * 2] = new WorkerPool(this, cpu * 2, cpu, false);
            bound[cpu * 2 + 1] = new WorkerPool(this, cpu * 2 + 1, cpu, true);
        }
        this.unbound = new UnboundPools(this, cpus * 2);
        this.timers = new TimerWheel(this::nanoTime, WorkOps::timerExpired, "jworkqueue-timer",
                t -> internalError("timer thread", t));
        this.monitor = new ConcurrencyMonitor(this);
        // Initialise the JFR guard now (it registers a recorder listener), not in the first queue call.
        io.jworkqueue.internal.jfr.Jfr.on();
    }

    ConcurrencyMonitor monitor() { return monitor; }

    // The configured durations, saturated (one field read each; kept behind methods so that a
    // knob can become writable at run time).
    long idleTimeoutNanos() { return idleTimeoutNanos; }
    long createCooldownNanos() { return createCooldownNanos; }

    // ------------------------------------------------------------------ clock

    /** @return the runtime's clock now, in nanoseconds (an arbitrary origin, as {@code System.nanoTime}) */
    long nanoTime() {
        return clock.getAsLong();
    }

    /**
     * For tests: replaces the runtime's clock. The timer wheel reads it too, so the new clock
     * must go on from the old one's current reading and never go back.
     */
    void setClock(LongSupplier clock) {
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    // ------------------------------------------------------------------ contained failures (see Reports)

    /** An internal thread caught {@code t} and goes on: see {@link Reports#internalError}. */
    void internalError(String where, Throwable t) {
        reports.internalError(where, t);
    }

    /** @return how many failures the runtime contained: see {@link #internalError} and {@link #currentCpu} */
    public long internalErrors() {
        return reports.internalErrors();
    }

    void reportCpuHog(WorkqueueImpl wq, Work work, long cpuNanos) {
        reports.cpuHog(wq, work, cpuNanos);
    }

    void reportCarrierHog(WorkqueueImpl wq, Work work, long wallNanos, boolean pinned) {
        reports.carrierHog(wq, work, wallNanos, pinned);
    }

    void reportRelief(WorkerPool pool, WorkqueueImpl wq, long waitedNanos, int relief) {
        reports.relief(pool, wq, waitedNanos, relief);
    }

    void reportFailure(WorkqueueImpl wq, Work work, Throwable t) {
        reports.failure(wq, work, t);
    }

    void workerCreationFailed(WorkerPool pool, Throwable t) {
        reports.workerCreationFailed(pool, t);
    }

    void workerCreationRecovered(WorkerPool pool) {
        reports.workerCreationRecovered(pool);
    }

    // ------------------------------------------------------------------ run-time knobs

    /** @return {@code cpu_intensive_thresh} in nanoseconds (writable at run time) */
    public long cpuIntensiveThresholdNanos() { return cpuIntensiveThreshNanos; }

    /** @return {@code watchdog_thresh} in nanoseconds, 0 = off (writable at run time) */
    public long watchdogThresholdNanos() { return watchdog.thresholdNanos(); }

    /** @return {@code workqueue.power_efficient}, for workqueues allocated from now on */
    public boolean powerEfficient() { return powerEfficient; }

    /** Sets {@code cpu_intensive_thresh} (validated by the caller); the monitor's next sample uses it. */
    public void setCpuIntensiveThresholdNanos(long nanos) {
        cpuIntensiveThreshNanos = nanos;
    }

    /**
     * Sets {@code watchdog_thresh} (validated by the caller). A running watchdog is re-armed with
     * the new period; turning it on arms it at once if some pool has items waiting.
     */
    public void setWatchdogThresholdNanos(long nanos) {
        watchdog.setThresholdNanos(nanos);
    }

    /** Sets {@code workqueue.power_efficient}: affects workqueues allocated afterwards. */
    public void setPowerEfficient(boolean enabled) {
        powerEfficient = enabled;
    }

    /** Sets the {@code panic_on_stall} handler (null: none). */
    public void setLockupHandler(Consumer<LockupReport> handler) {
        watchdog.setLockupHandler(handler);
    }

    // ------------------------------------------------------------------ watchdog

    /** A pool's worklist became non-empty: make sure the watchdog timer runs (cheap when it does). */
    void watchdogNeeded() {
        watchdog.needed();
    }

    Watchdog watchdog() { return watchdog; }

    /** @return how many lockups the watchdog has reported */
    public long lockupsReported() {
        return watchdog.lockupsReported();
    }

    /**
     * @return {@code show_all_workqueues()}: busy workqueues and pools, in the kernel's format;
     *     then the affinity scopes (topology, default scope, attributes of unbound workqueues)
     */
    public String dump() {
        return Dump.busy(this) + Dump.affinity(this);
    }

    /**
     * Registers the runtime's MXBean ({@code io.jworkqueue:type=WorkqueueRuntime,name=<name>})
     * and enables the per-workqueue MXBeans of {@code SYSFS} workqueues. Failures are logged.
     *
     * @param name the runtime's name
     */
    public void registerMBeans(String name) {
        Jmx j = new Jmx(name);
        jmx = j;
        j.registerRuntime(this);
    }

    /** @return a snapshot of every live workqueue, in allocation order */
    public List<io.jworkqueue.WorkqueueInfo> workqueueInfos() {
        List<io.jworkqueue.WorkqueueInfo> l = new ArrayList<>();
        for (WorkqueueImpl wq : workqueues.values()) {
            l.add(wq.info());
        }
        return l;
    }

    /** @return a snapshot of every pool, by id */
    public List<io.jworkqueue.PoolInfo> poolInfos() {
        long now = nanoTime();
        List<io.jworkqueue.PoolInfo> l = new ArrayList<>();
        for (WorkerPool p : allPools()) {
            l.add(PoolViews.info(p, now));
        }
        return l;
    }

    List<WorkerPool> allPools() {
        WorkerPool[] ub = unbound.live();
        List<WorkerPool> l = new ArrayList<>(bound.length + ub.length);
        for (WorkerPool p : bound) {
            l.add(p);
        }
        for (WorkerPool p : ub) {
            l.add(p);
        }
        return l;
    }

    /** @return the bound pools (the array itself: do not modify) */
    WorkerPool[] boundPools() {
        return bound;
    }

    /** @return the live unbound pools, by id */
    WorkerPool[] unboundPools() {
        return unbound.live();
    }

    // ------------------------------------------------------------------ unbound pools

    /** @return the unbound pools */
    UnboundPools unbound() {
        return unbound;
    }

    List<WorkqueueImpl> workqueueImpls() {
        return List.copyOf(workqueues.values());
    }

    /** @return whether the calling thread is a rescuer ({@code current_is_workqueue_rescuer}) */
    public static boolean currentIsRescuer() {
        Worker me = Worker.current();
        return me != null && (me.flags & Worker.RESCUER) != 0;
    }

    public WorkqueueRuntime api() { return api; }
    /** @return the runtime's name ({@code "?"} for an engine-only test core) */
    /** @return the runtime's name ("?" in engine-only tests, which have no API object) */
    String runtimeName() { return api == null ? "?" : api.name(); }
    public RuntimeConfig config() { return config; }
    public int cpus() { return cpus; }
    TimerWheel timers() { return timers; }
    ThreadFactory threadFactory() { return config.threadFactory(); }
    boolean isFreezing() { return freezing; }
    boolean isClosing() { return closing; }

    /**
     * During {@link #shutdown(long)}, where every workqueue drains at once, the runtime's own
     * items may queue to any of its workqueues (not only their own): work already accepted runs
     * to the end. Read only when a workqueue drains, never on the queueing fast path.
     */
    boolean acceptsDuringShutdown() {
        if (!shuttingDown) {
            return false;
        }
        Worker me = Worker.current();
        return me != null && me.pool.runtime == this;
    }
    public boolean isClosed() { return closed; }

    WorkerPool boundPool(int cpu, boolean highpri) {
        return bound[cpu * 2 + (highpri ? 1 : 0)];
    }

    /**
     * The "current CPU" of the calling thread: its bound pool's, else the locator's, else a
     * per-thread hash. A locator that throws is contained: the per-thread hash is used, the
     * failure is counted as an internal error and logged once at WARNING.
     */
    int currentCpu() {
        Worker me = Worker.current();
        if (me != null && me.pool.cpu >= 0 && me.pool.runtime == this) {
            return me.pool.cpu;
        }
        if (locator != null) {
            try {
                return Math.floorMod(locator.getAsInt(), cpus);
            } catch (Throwable t) {
                reports.locatorFailed(t);
            }
        }
        long h = Thread.currentThread().threadId() * 0x9E3779B97F4A7C15L;
        return (int) Math.floorMod(h >>> 32, (long) cpus);
    }

    // ------------------------------------------------------------------ workqueues

    public Workqueue alloc(String name, Set<WorkqueueFlag> flags, int maxActive, boolean ordered, boolean system) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(flags, "flags");
        for (WorkqueueFlag f : flags) {
            Objects.requireNonNull(f, "flags contains null");
        }
        Names.check("workqueue", name, WorkqueueImpl.MAX_NAME);
        WorkqueueChecks.maxActive(name, maxActive);
        if (flags.contains(WorkqueueFlag.PERCPU) && (ordered || flags.contains(WorkqueueFlag.UNBOUND))) {
            throw new IllegalArgumentException("workqueue '" + name + "': PERCPU (bound) cannot be combined with "
                    + (ordered ? "an ordered workqueue (always unbound)" : "UNBOUND"));
        }
        synchronized (stateLock) {
            if (closing) {
                throw new IllegalStateException("runtime is closed; cannot allocate workqueue '" + name + "'");
            }
            WorkqueueImpl wq = new WorkqueueImpl(this, nextWorkqueueKey++, name, flags, ordered ? 1 : maxActive, ordered, system);
            workqueues.put(wq.registryKey, wq);
            Jmx j = jmx;
            if (j != null && flags.contains(WorkqueueFlag.SYSFS)) {
                wq.mbeanName = j.registerWorkqueue(wq);
            }
            return wq;
        }
    }

    void unregister(WorkqueueImpl wq) {
        workqueues.remove(wq.registryKey, wq);
        Jmx j = jmx;
        if (j != null) {
            j.unregister(wq.mbeanName);
        }
    }

    /** @return the live workqueues, system ones included, in allocation order */
    public List<Workqueue> workqueues() {
        return List.copyOf(workqueues.values());
    }

    // ------------------------------------------------------------------ freezer

    public void freeze() {
        synchronized (stateLock) {
            freezing = true;
            for (WorkqueueImpl wq : workqueues.values()) {
                if (wq.freezable) {
                    wq.adjustLimits(true);
                }
            }
        }
    }

    public boolean isFreezeBusy() {
        if (!freezing) {
            return false;
        }
        for (WorkqueueImpl wq : workqueues.values()) {
            if (wq.freezable && wq.hasActive()) {
                return true;
            }
        }
        return false;
    }

    public void thaw() {
        synchronized (stateLock) {
            if (!freezing) {
                return;
            }
            freezing = false;
            for (WorkqueueImpl wq : workqueues.values()) {
                if (wq.freezable) {
                    wq.adjustLimits(false);
                }
            }
        }
    }

    // ------------------------------------------------------------------ close

    /**
     * Destroys every workqueue (running what is queued; a frozen runtime is thawed first so
     * that nothing waits forever), stops the timer and every worker. A second caller waits
     * until the first has finished.
     */
    public void close() {
        stop(0, -1);
    }

    /** How long a shutdown whose deadline passed waits for threads after interrupting them. */
    static final long SHUTDOWN_GRACE_NANOS = 1_000_000_000L;

    /**
     * Graceful close with a deadline: stops accepting work from outside at once (every workqueue
     * drains: only its own items may still queue to it), runs what is queued until
     * {@code timeoutNanos} have passed, then, if items still run or wait, logs a report, cancels
     * what has not started, interrupts the threads of running items and waits at most
     * {@link #SHUTDOWN_GRACE_NANOS} more for the threads. Threads still running an item are left
     * behind (worker threads are daemons by default); they exit when the item returns.
     *
     * @param timeoutNanos the deadline, from now
     * @return true if everything finished in time (the runtime closed as by {@link #close()})
     */
    public boolean shutdown(long timeoutNanos) {
        // The deadline of real waits (flushes, joins): real time, not the runtime's clock.
        return stop(System.nanoTime(), Math.max(0, timeoutNanos));
    }

    /** {@link #close()} ({@code timeoutNanos} negative) and {@link #shutdown(long)}. */
    private boolean stop(long start, long timeoutNanos) {
        Worker me = Worker.current();
        if (me != null && me.pool.runtime == this) {
            throw new IllegalStateException("closing the runtime '" + runtimeName() + "' from one of its own work items would deadlock");
        }
        synchronized (stateLock) {
            if (closing) {
                return awaitClosed(start, timeoutNanos);
            }
            closing = true;
        }
        boolean clean = true;
        try {
            if (freezing) {
                thaw();
            }
            List<WorkqueueImpl> all = new ArrayList<>(workqueues.values());
            if (timeoutNanos >= 0) {
                shuttingDown = true;
                for (int i = all.size() - 1; i >= 0; i--) {
                    all.get(i).beginDestroy(); // refuse outside work everywhere before draining any
                }
                drainTogether(all, start, timeoutNanos);
            }
            List<WorkqueueImpl> left = new ArrayList<>();
            for (int i = all.size() - 1; i >= 0; i--) {
                if (!all.get(i).destroy(start, timeoutNanos)) {
                    left.add(all.get(i));
                }
            }
            if (!left.isEmpty()) {
                clean = false;
                forceStop(left, timeoutNanos);
            }
            monitor.stop();
            for (DelayedWork dw : timers.close()) {
                WorkOps.releasePending(dw);
                WorkOps.timerDropped(dw);
            }
            long grace = clean ? -1 : SHUTDOWN_GRACE_NANOS;
            long graceStart = System.nanoTime();
            List<Thread> alive = new ArrayList<>();
            for (WorkerPool p : allPools()) {
                alive.addAll(PoolShutdown.shutdown(p, grace < 0 ? -1 : Math.max(0, grace - (System.nanoTime() - graceStart))));
            }
            List<Thread> retired = unbound.takeExiting();
            for (Thread t : retired) { // workers of retired unbound pools: idle ones exit at once
                if (grace < 0) {
                    Waits.joinUninterruptibly(t);
                } else if (!Waits.joinUninterruptibly(t, Math.max(0, grace - (System.nanoTime() - graceStart)),
                        java.util.concurrent.TimeUnit.NANOSECONDS)) {
                    alive.add(t);
                }
            }
            if (!alive.isEmpty()) {
                LOG.log(System.Logger.Level.WARNING, "workqueue runtime ''{0}'': shut down; {1} worker thread(s) still run an item and are left behind: {2}",
                        runtimeName(), alive.size(), alive);
            }
        } finally {
            Jmx j = jmx;
            if (j != null) {
                j.close();
            }
            synchronized (stateLock) {
                closed = true;
                stateLock.notifyAll();
            }
        }
        return clean;
    }

    /**
     * Drains every workqueue until all are empty at once, or the deadline passes: an item of one
     * workqueue may queue to another, which must not be destroyed before it is empty too.
     */
    private static void drainTogether(List<WorkqueueImpl> all, long start, long timeoutNanos) {
        boolean empty;
        do {
            for (int i = all.size() - 1; i >= 0; i--) {
                if (!all.get(i).drainLoop(start, timeoutNanos)) {
                    return; // the destroys below find the deadline passed as well
                }
            }
            empty = true;
            for (WorkqueueImpl wq : all) {
                empty &= wq.isEmpty();
            }
        } while (!empty);
    }

    /** A second closer: waits until the first has finished, at most {@code timeoutNanos} (negative: no limit). */
    private boolean awaitClosed(long start, long timeoutNanos) {
        long left = timeoutNanos < 0 ? -1 : Math.max(0, timeoutNanos - (System.nanoTime() - start));
        return Waits.awaitUntil(() -> closed, left, n -> {
            if (n < 0) {
                stateLock.wait();
            } else {
                java.util.concurrent.TimeUnit.NANOSECONDS.timedWait(stateLock, n);
            }
        });
    }

    /**
     * The deadline of a shutdown passed with {@code left} not drained: reports what still runs
     * and waits, then cancels what has not started and interrupts what runs.
     */
    private void forceStop(List<WorkqueueImpl> left, long timeoutNanos) {
        StringBuilder names = new StringBuilder();
        for (WorkqueueImpl wq : left) {
            names.append(names.length() > 0 ? ", " : "").append(wq.name());
        }
        StringBuilder report = new StringBuilder("workqueue runtime '").append(runtimeName())
                .append("': shutdown deadline of ").append(Duration.ofNanos(timeoutNanos))
                .append(" passed; not drained: ").append(names).append('\n').append(Dump.busy(this));
        for (WorkerPool p : allPools()) {
            report.append(Dump.stacks(p));
        }
        LOG.log(System.Logger.Level.WARNING, report.toString());
        int cancelled = 0;
        for (WorkqueueImpl wq : left) {
            cancelled += wq.forceStop(SHUTDOWN_GRACE_NANOS);
        }
        int interrupted = 0;
        for (WorkerPool p : allPools()) {
            for (Worker w : PoolViews.workers(p)) {
                Work cur = w.currentWork; // racy: it may have returned meanwhile
                if (cur != null && !(cur instanceof Barrier) && w.thread != null) {
                    w.thread.interrupt();
                    interrupted++;
                }
            }
        }
        LOG.log(System.Logger.Level.WARNING, "workqueue runtime ''{0}'': {1} item(s) that had not started were cancelled, {2} running item(s) interrupted",
                runtimeName(), cancelled, interrupted);
    }

    /** @return the number of live worker threads over all pools */
    public int workerCount() {
        int n = 0;
        for (WorkerPool p : bound) {
            n += PoolViews.workerCount(p);
        }
        for (WorkerPool p : unbound.live()) {
            n += PoolViews.workerCount(p);
        }
        return n;
    }

    static Set<WorkqueueFlag> flags(WorkqueueFlag... f) {
        EnumSet<WorkqueueFlag> s = EnumSet.noneOf(WorkqueueFlag.class);
        for (WorkqueueFlag x : f) {
            s.add(x);
        }
        return s;
    }

    /**
     * {@code set_worker_desc}: records what the calling worker's item is doing, for dumps; off a
     * worker (or outside an item) it does nothing.
     */
    public static void setWorkerDesc(String desc) {
        Worker me = Worker.current();
        if (me != null && me.currentWork != null) {
            me.desc = desc;
        }
    }

    /** The blocking hint on the calling thread, if it is a worker of any runtime. */
    public static void sleeping() {
        Worker me = Worker.current();
        if (me != null) {
            PoolSleepers.workerSleeping(me.pool, me);
        }
    }

    public static void running() {
        Worker me = Worker.current();
        if (me != null) {
            PoolSleepers.workerRunning(me.pool, me);
        }
    }
}
