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
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadFactory;
import java.util.function.Consumer;
import java.util.function.IntSupplier;

/**
 * The engine behind {@link WorkqueueRuntime}: the bound pools (two per CPU), the unbound pools,
 * the timer wheel, the registry of workqueues and the freezer.
 */
public final class RuntimeCore {
    private static final System.Logger LOG = System.getLogger("io.jworkqueue");

    private final WorkqueueRuntime api; // I
    private final RuntimeConfig config; // I
    private final int cpus; // I
    /** I: [cpu * 2 + highpri]. */
    private final WorkerPool[] bound;
    /**
     * The unbound pools, one per distinct resolved attributes ({@link PoolAttrs}: nice, pod,
     * cpumask, strict, highpri), shared by every workqueue whose pods resolve to them and
     * refcounted by their pwqs ({@code unbound_pool_hash}). Guarded by {@link #poolTable} itself,
     * a leaf lock.
     */
    private final java.util.Map<PoolAttrs, WorkerPool> poolTable = new java.util.HashMap<>();
    /** poolTable: the id of the next unbound pool (ids are not reused). */
    private int nextPoolId;
    /** The live unbound pools, by id (replaced under poolTable). */
    private volatile WorkerPool[] unbound = new WorkerPool[0];
    /** poolTable: threads of retired unbound pools that may still be exiting, for close to wait for. */
    private final List<Thread> exiting = new ArrayList<>();
    private final TimerWheel timers; // I
    private final ConcurrencyMonitor monitor; // I
    private final InternalTimer watchdogTimer = new InternalTimer(this::watchdogFired);
    private final java.util.concurrent.atomic.AtomicBoolean watchdogArmed = new java.util.concurrent.atomic.AtomicBoolean();
    private final java.util.concurrent.ConcurrentHashMap<String, Long> hogReports = new java.util.concurrent.ConcurrentHashMap<>();
    private final IntSupplier locator; // I, may be null
    private final List<WorkqueueImpl> workqueues = new CopyOnWriteArrayList<>();
    private final Object stateLock = new Object();
    // The knobs the kernel makes writable at run time (module parameters cpu_intensive_thresh_us,
    // watchdog_thresh, power_efficient): set from the config, written by WorkqueueRuntime's
    // setters and the MXBean, read through the accessors below.
    private volatile long cpuIntensiveThreshNanos;
    private volatile long watchdogThreshNanos;
    private volatile boolean powerEfficient;
    /** The kernel's {@code panic_on_stall}: told of every lockup report; null if none. */
    private volatile Consumer<LockupReport> lockupHandler;
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
    /** Failures caught by the runtime's own threads and calls into user callbacks other than work functions. */
    private final java.util.concurrent.atomic.AtomicLong internalErrors = new java.util.concurrent.atomic.AtomicLong();
    /** When each kind of internal error was last logged, for rate limiting. */
    private final java.util.concurrent.ConcurrentHashMap<String, Long> errorReports = new java.util.concurrent.ConcurrentHashMap<>();
    /** Whether a failing cpuLocator has been reported (it is reported once). */
    private final java.util.concurrent.atomic.AtomicBoolean locatorReported = new java.util.concurrent.atomic.AtomicBoolean();

    public RuntimeCore(WorkqueueRuntime api, RuntimeConfig config) {
        this.api = api;
        this.config = config;
        this.cpus = config.cpus();
        this.locator = config.cpuLocator();
        this.cpuIntensiveThreshNanos = WorkOps.toNanos(config.cpuIntensiveThreshold());
        this.watchdogThreshNanos = WorkOps.toNanos(config.watchdogThreshold());
        this.powerEfficient = config.powerEfficient();
        this.idleTimeoutNanos = WorkOps.toNanos(config.idleWorkerTimeout());
        this.createCooldownNanos = WorkOps.toNanos(config.createCooldown());
        this.bound = new WorkerPool[cpus * 2];
        for (int cpu = 0; cpu < cpus; cpu++) {
            bound[cpu * 2] = new WorkerPool(this, cpu * 2, cpu, false);
            bound[cpu * 2 + 1] = new WorkerPool(this, cpu * 2 + 1, cpu, true);
        }
        this.nextPoolId = cpus * 2;
        this.timers = new TimerWheel(config.clock(), WorkOps::timerExpired, "jworkqueue-timer",
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

    // ------------------------------------------------------------------ contained failures

    /**
     * An internal thread (timer, concurrency monitor, rescuer, worker) caught {@code t} and goes
     * on: counts it and logs it at ERROR, at most once a minute per {@code where}, since a
     * failure that repeats would otherwise flood the log. Never throws.
     */
    void internalError(String where, Throwable t) {
        internalErrors.incrementAndGet();
        try {
            if (!firstThisMinute(errorReports, where)) {
                return;
            }
            LOG.log(System.Logger.Level.ERROR, "workqueue runtime '" + runtimeName() + "': " + where
                    + " caught an unexpected exception and continues (further ones within a minute are only counted)", t);
        } catch (Throwable ignored) {
            // reporting must not take down the thread that survived the failure
        }
    }

    /** @return how many failures the runtime contained: see {@link #internalError} and {@link #currentCpu} */
    public long internalErrors() {
        return internalErrors.get();
    }

    // ------------------------------------------------------------------ run-time knobs

    /** @return {@code cpu_intensive_thresh} in nanoseconds (writable at run time) */
    public long cpuIntensiveThresholdNanos() { return cpuIntensiveThreshNanos; }

    /** @return {@code watchdog_thresh} in nanoseconds, 0 = off (writable at run time) */
    public long watchdogThresholdNanos() { return watchdogThreshNanos; }

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
        watchdogThreshNanos = nanos;
        if (nanos > 0 && watchdogArmed.get()) {
            timers.rearm(watchdogTimer, Math.max(1_000_000L, nanos / 4));
        } else if (nanos > 0) {
            for (WorkerPool p : allPools()) {
                if (p.stalledNanos(System.nanoTime()) >= 0) {
                    watchdogNeeded();
                    break;
                }
            }
        }
    }

    /** Sets {@code workqueue.power_efficient}: affects workqueues allocated afterwards. */
    public void setPowerEfficient(boolean enabled) {
        powerEfficient = enabled;
    }

    /** Sets the {@code panic_on_stall} handler (null: none). */
    public void setLockupHandler(Consumer<LockupReport> handler) {
        lockupHandler = handler;
    }

    // ------------------------------------------------------------------ CPU hogs

    /**
     * Rate limit for log lines that could repeat: true if nothing was logged for {@code key} in
     * the last minute (and records now as its time), false otherwise.
     */
    private static boolean firstThisMinute(java.util.concurrent.ConcurrentHashMap<String, Long> last, String key) {
        long now = System.nanoTime();
        Long prev = last.get(key);
        if (prev != null && now - prev < 60_000_000_000L) {
            return false;
        }
        last.put(key, now);
        return true;
    }

    /**
     * {@code wq_cpu_intensive_report}: logs a function detected as a CPU hog, at most once per
     * function and minute, suggesting {@code UNBOUND} as the kernel does.
     */
    void reportCpuHog(WorkqueueImpl wq, Work work, long cpuNanos) {
        if (io.jworkqueue.internal.jfr.Jfr.on()) {
            io.jworkqueue.internal.jfr.Jfr.cpuHog(wq.name(), work, cpuNanos / 1_000_000);
        }
        String fn = Dump.fnName(work);
        if (!firstThisMinute(hogReports, fn)) {
            return;
        }
        LOG.log(System.Logger.Level.INFO, "workqueue ''{0}'': {1} hogged CPU for >{2} ms, consider switching to WQ_UNBOUND",
                wq.name(), fn, cpuNanos / 1_000_000);
    }

    /**
     * A virtual worker of the virtual-thread mode held its carrier past {@code cpu_intensive_thresh}
     * while items waited (see {@code WorkerPool.sampleVirtual}): reported like a CPU hog (the JFR
     * event, and a log line at most once per function and minute), its time being wall time.
     *
     * @param pinned whether its carrier was parked (blocked while pinned) rather than runnable
     *     (CPU-bound, or blocked in native code or the VM)
     */
    void reportCarrierHog(WorkqueueImpl wq, Work work, long wallNanos, boolean pinned) {
        if (io.jworkqueue.internal.jfr.Jfr.on()) {
            io.jworkqueue.internal.jfr.Jfr.cpuHog(wq.name(), work, wallNanos / 1_000_000);
        }
        String fn = Dump.fnName(work);
        if (!firstThisMinute(hogReports, fn)) {
            return;
        }
        LOG.log(System.Logger.Level.INFO, "workqueue ''{0}'': {1} held the carrier of its virtual worker for >{2} ms ({3})"
                + ": other virtual threads cannot use it meanwhile", wq.name(), fn, wallNanos / 1_000_000,
                pinned ? "blocked while pinned: native frame, class initialiser, or synchronized before JDK 24"
                        : "CPU-bound, or blocked in native code or the VM");
    }

    /**
     * A virtual pool's items waited {@code waitedNanos} without one starting, and a platform
     * relief worker was started for them: logged at most once per pool and minute.
     */
    void reportRelief(WorkerPool pool, WorkqueueImpl wq, long waitedNanos, int relief) {
        if (!firstThisMinute(hogReports, "relief " + pool.id)) {
            return;
        }
        LOG.log(System.Logger.Level.INFO, "{0}: items{1} waited {2} ms while its virtual workers could not get a carrier;"
                + " running them on platform relief worker(s) ({3} now)", pool, wq != null ? " of workqueue '" + wq.name() + "'" : "",
                waitedNanos / 1_000_000, relief);
    }

    // ------------------------------------------------------------------ watchdog

    /** A pool's worklist became non-empty: make sure the watchdog timer runs (cheap when it does). */
    void watchdogNeeded() {
        long thresh = watchdogThreshNanos;
        if (thresh > 0 && !watchdogArmed.get() && watchdogArmed.compareAndSet(false, true)) {
            timers.rearm(watchdogTimer, Math.max(1_000_000L, thresh / 4));
        }
    }

    /**
     * {@code wq_watchdog_timer_fn}: reports every pool whose worklist has waited longer than the
     * threshold without an item starting, with a dump of busy workqueues and the stacks of that
     * pool's workers. Re-arms only while some pool has waiting items. Timer thread.
     */
    private void watchdogFired() {
        long thresh = watchdogThreshNanos;
        if (thresh <= 0) {
            watchdogArmed.set(false); // turned off at run time; turning it on re-arms
            return;
        }
        long now = System.nanoTime();
        boolean waiting = false;
        for (WorkerPool p : allPools()) {
            long stalled = p.stalledNanos(now);
            if (stalled >= 0) {
                waiting = true;
            }
            if (stalled > thresh) {
                reportLockup(p, stalled);
                p.touchWatchdog(now);
            }
        }
        if (!waiting) {
            watchdogArmed.set(false);
            // A worklist that filled after the scan saw the flag still set and did not arm: look again.
            for (WorkerPool p : allPools()) {
                if (p.stalledNanos(System.nanoTime()) >= 0) {
                    watchdogNeeded();
                    return;
                }
            }
            return;
        }
        timers.rearm(watchdogTimer, Math.max(1_000_000L, thresh / 4));
    }

    private void reportLockup(WorkerPool p, long stalledNanos) {
        StringBuilder sb = new StringBuilder();
        sb.append("workqueue lockup - pool ").append(Dump.poolAttrs(p))
          .append(" stuck for ").append(stalledNanos / 1_000_000_000L).append("s!\n");
        sb.append(Dump.busy(this));
        sb.append(Dump.stacks(p));
        lockups.incrementAndGet();
        if (io.jworkqueue.internal.jfr.Jfr.on()) {
            io.jworkqueue.internal.jfr.Jfr.lockup(p.id, Dump.poolAttrs(p), stalledNanos / 1_000_000);
        }
        String text = sb.toString();
        LOG.log(System.Logger.Level.ERROR, text);
        Consumer<LockupReport> h = lockupHandler;
        if (h != null) {
            try {
                h.accept(new LockupReport(runtimeName(), p.id, Dump.poolAttrs(p), Duration.ofNanos(stalledNanos), text));
            } catch (Throwable t) {
                LOG.log(System.Logger.Level.ERROR, "workqueue runtime '" + runtimeName() + "': the lockup handler threw", t);
            }
        }
    }

    private final java.util.concurrent.atomic.AtomicLong lockups = new java.util.concurrent.atomic.AtomicLong();

    /** @return how many lockups the watchdog has reported */
    public long lockupsReported() {
        return lockups.get();
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
        for (WorkqueueImpl wq : workqueues) {
            l.add(wq.info());
        }
        return l;
    }

    /** @return a snapshot of every pool, by id */
    public List<io.jworkqueue.PoolInfo> poolInfos() {
        long now = System.nanoTime();
        List<io.jworkqueue.PoolInfo> l = new ArrayList<>();
        for (WorkerPool p : allPools()) {
            l.add(p.info(now));
        }
        return l;
    }

    List<WorkerPool> allPools() {
        WorkerPool[] ub = unbound;
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
        return unbound;
    }

    // ------------------------------------------------------------------ unbound pools

    /**
     * {@code wq_calc_pod_cpumask} for every CPU: the resolved pool attributes of the pod that
     * serves it. The pods are the topology's for the scope ({@link io.jworkqueue.AffinityScope#DEFAULT}:
     * the runtime's default), each intersected with the workqueue's cpumask; a pod left empty
     * falls back to the whole cpumask, as in the kernel. An ordered workqueue has one pool over
     * its cpumask (the kernel's {@code dfl_pwq}). CPUs of one pod share one (equal) key.
     */
    PoolAttrs[] resolvePools(io.jworkqueue.WorkqueueAttrs a, boolean highpri, boolean ordered) {
        BitSet mask = a.cpus();
        if (mask.isEmpty()) {
            mask.set(0, cpus);
        }
        int nice = highpri ? io.jworkqueue.WorkqueueAttrs.MIN_NICE : a.nice();
        PoolAttrs[] out = new PoolAttrs[cpus];
        if (ordered) {
            java.util.Arrays.fill(out, new PoolAttrs(nice, highpri, mask, mask, a.affinityStrict()));
            return out;
        }
        io.jworkqueue.AffinityScope scope = a.affinityScope() == io.jworkqueue.AffinityScope.DEFAULT
                ? config.defaultScope() : a.affinityScope();
        List<BitSet> pods = config.topology().pods(scope);
        int[] podOf = config.topology().podOfCpu(scope);
        PoolAttrs[] perPod = new PoolAttrs[pods.size()];
        for (int cpu = 0; cpu < cpus; cpu++) {
            int p = podOf[cpu];
            if (perPod[p] == null) {
                BitSet pod = (BitSet) pods.get(p).clone();
                pod.and(mask);
                perPod[p] = new PoolAttrs(nice, highpri, pod.isEmpty() ? mask : pod, mask, a.affinityStrict());
            }
            out[cpu] = perPod[p];
        }
        return out;
    }

    /** {@code get_unbound_pool}: the pool for {@code attrs}, made if none exists; the caller holds a reference. */
    WorkerPool getUnboundPool(PoolAttrs attrs) {
        synchronized (poolTable) {
            WorkerPool p = poolTable.get(attrs);
            if (p == null) {
                p = WorkerPool.unbound(this, nextPoolId++, attrs);
                poolTable.put(attrs, p);
                publishUnbound();
            }
            p.refs++;
            return p;
        }
    }

    /**
     * {@code put_unbound_pool}: drops a reference; the last one retires the pool at once (its
     * idle workers exit now, a busy one when its item returns; see DESIGN.md, Unbound pools).
     * Only the pool's own lock may be held by the caller.
     */
    void putUnboundPool(WorkerPool pool) {
        synchronized (poolTable) {
            if (--pool.refs > 0) {
                return;
            }
            poolTable.remove(pool.attrs);
            publishUnbound();
        }
        List<Thread> threads = pool.retire();
        synchronized (poolTable) {
            exiting.removeIf(t -> !t.isAlive());
            exiting.addAll(threads);
        }
    }

    private void publishUnbound() { // poolTable held
        WorkerPool[] a = poolTable.values().toArray(new WorkerPool[0]);
        java.util.Arrays.sort(a, java.util.Comparator.comparingInt(p -> p.id));
        unbound = a;
    }

    List<WorkqueueImpl> workqueueImpls() {
        return List.copyOf(workqueues);
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
                locatorFailed(t);
            }
        }
        long h = Thread.currentThread().threadId() * 0x9E3779B97F4A7C15L;
        return (int) Math.floorMod(h >>> 32, (long) cpus);
    }

    private void locatorFailed(Throwable t) {
        internalErrors.incrementAndGet();
        if (!locatorReported.get() && locatorReported.compareAndSet(false, true)) {
            try {
                LOG.log(System.Logger.Level.WARNING, "workqueue runtime '" + runtimeName() + "': the cpuLocator threw;"
                        + " using the default per-thread CPU instead (reported once, counted in internalErrors)", t);
            } catch (Throwable ignored) {
                // the queue call that got here must not fail
            }
        }
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
            WorkqueueImpl wq = new WorkqueueImpl(this, name, flags, ordered ? 1 : maxActive, ordered, system);
            workqueues.add(wq);
            Jmx j = jmx;
            if (j != null && flags.contains(WorkqueueFlag.SYSFS)) {
                wq.mbeanName = j.registerWorkqueue(wq);
            }
            return wq;
        }
    }

    void unregister(WorkqueueImpl wq) {
        workqueues.remove(wq);
        Jmx j = jmx;
        if (j != null) {
            j.unregister(wq.mbeanName);
        }
    }

    /** @return the live workqueues, system ones included, in allocation order */
    public List<Workqueue> workqueues() {
        return List.copyOf(workqueues);
    }

    // ------------------------------------------------------------------ freezer

    public void freeze() {
        synchronized (stateLock) {
            freezing = true;
            for (WorkqueueImpl wq : workqueues) {
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
        for (WorkqueueImpl wq : workqueues) {
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
            for (WorkqueueImpl wq : workqueues) {
                if (wq.freezable) {
                    wq.adjustLimits(false);
                }
            }
        }
    }

    // ------------------------------------------------------------------ failures

    void reportFailure(WorkqueueImpl wq, Work work, Throwable t) {
        try {
            config.exceptionHandler().uncaughtException(wq, work, t);
        } catch (Throwable h) {
            LOG.log(System.Logger.Level.ERROR, "workqueue exception handler threw while reporting a failure of " + work, h);
        }
    }

    void workerCreationFailed(WorkerPool pool, Throwable t) {
        LOG.log(System.Logger.Level.WARNING, pool + ": cannot create a worker thread (retrying; rescuers called): " + t);
    }

    void workerCreationRecovered(WorkerPool pool) {
        LOG.log(System.Logger.Level.INFO, pool + ": worker threads can be created again");
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
            List<WorkqueueImpl> all = new ArrayList<>(workqueues);
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
                alive.addAll(p.shutdown(grace < 0 ? -1 : Math.max(0, grace - (System.nanoTime() - graceStart))));
            }
            List<Thread> retired;
            synchronized (poolTable) {
                retired = new ArrayList<>(exiting);
                exiting.clear();
            }
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
            for (Worker w : p.workersSnapshot()) {
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
            n += p.workerCount();
        }
        for (WorkerPool p : unbound) {
            n += p.workerCount();
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
            me.pool.workerSleeping(me);
        }
    }

    public static void running() {
        Worker me = Worker.current();
        if (me != null) {
            me.pool.workerRunning(me);
        }
    }
}
