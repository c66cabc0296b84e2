package io.jworkqueue.internal;

import io.jworkqueue.DelayedWork;
import io.jworkqueue.Work;
import io.jworkqueue.Workqueue;
import io.jworkqueue.WorkqueueFlag;
import io.jworkqueue.WorkqueueRuntime;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadFactory;
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
    /** I: [highpri]. */
    private final WorkerPool[] unbound;
    private final TimerWheel timers; // I
    private final ConcurrencyMonitor monitor; // I
    private final InternalTimer watchdogTimer = new InternalTimer(this::watchdogFired);
    private final java.util.concurrent.atomic.AtomicBoolean watchdogArmed = new java.util.concurrent.atomic.AtomicBoolean();
    private final java.util.concurrent.ConcurrentHashMap<String, Long> hogReports = new java.util.concurrent.ConcurrentHashMap<>();
    private final IntSupplier locator; // I, may be null
    private final List<WorkqueueImpl> workqueues = new CopyOnWriteArrayList<>();
    private final Object stateLock = new Object();
    private volatile boolean freezing;
    private volatile boolean closing;
    private volatile boolean closed;
    /** JMX registrations; null until {@link #registerMBeans(String)} (and in engine-only tests). */
    private volatile Jmx jmx;

    public RuntimeCore(WorkqueueRuntime api, RuntimeConfig config) {
        this.api = api;
        this.config = config;
        this.cpus = config.cpus();
        this.locator = config.cpuLocator();
        this.bound = new WorkerPool[cpus * 2];
        for (int cpu = 0; cpu < cpus; cpu++) {
            bound[cpu * 2] = new WorkerPool(this, cpu * 2, cpu, false);
            bound[cpu * 2 + 1] = new WorkerPool(this, cpu * 2 + 1, cpu, true);
        }
        this.unbound = new WorkerPool[] {
            new WorkerPool(this, cpus * 2, -1, false),
            new WorkerPool(this, cpus * 2 + 1, -1, true),
        };
        this.timers = new TimerWheel(config.clock(), WorkOps::timerExpired, "jworkqueue-timer");
        this.monitor = new ConcurrencyMonitor(this, bound);
        // Initialise the JFR guard now (it registers a recorder listener), not in the first queue call.
        io.jworkqueue.internal.jfr.Jfr.on();
    }

    ConcurrencyMonitor monitor() { return monitor; }
    long idleTimeoutNanos() { return config.idleWorkerTimeout().toNanos(); }

    // ------------------------------------------------------------------ CPU hogs

    /**
     * {@code wq_cpu_intensive_report}: logs a function detected as a CPU hog, at most once per
     * function and minute, suggesting {@code UNBOUND} as the kernel does.
     */
    void reportCpuHog(WorkqueueImpl wq, Work work, long cpuNanos) {
        if (io.jworkqueue.internal.jfr.Jfr.on()) {
            io.jworkqueue.internal.jfr.Jfr.cpuHog(wq.name(), work, cpuNanos / 1_000_000);
        }
        String fn = Dump.fnName(work);
        long now = System.nanoTime();
        Long last = hogReports.get(fn);
        if (last != null && now - last < 60_000_000_000L) {
            return;
        }
        hogReports.put(fn, now);
        LOG.log(System.Logger.Level.INFO, "workqueue ''{0}'': {1} hogged CPU for >{2} ms, consider switching to WQ_UNBOUND",
                wq.name(), fn, cpuNanos / 1_000_000);
    }

    // ------------------------------------------------------------------ watchdog

    /** A pool's worklist became non-empty: make sure the watchdog timer runs (cheap when it does). */
    void watchdogNeeded() {
        long thresh = config.watchdogThreshold().toNanos();
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
        long thresh = config.watchdogThreshold().toNanos();
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
        LOG.log(System.Logger.Level.ERROR, sb.toString());
    }

    private final java.util.concurrent.atomic.AtomicLong lockups = new java.util.concurrent.atomic.AtomicLong();

    /** @return how many lockups the watchdog has reported */
    public long lockupsReported() {
        return lockups.get();
    }

    /** @return {@code show_all_workqueues()}: busy workqueues and pools, in the kernel's format */
    public String dump() {
        return Dump.busy(this);
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
        List<WorkerPool> l = new ArrayList<>(bound.length + unbound.length);
        for (WorkerPool p : bound) {
            l.add(p);
        }
        for (WorkerPool p : unbound) {
            l.add(p);
        }
        return l;
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
    public RuntimeConfig config() { return config; }
    public int cpus() { return cpus; }
    TimerWheel timers() { return timers; }
    ThreadFactory threadFactory() { return config.threadFactory(); }
    long createCooldownNanos() { return config.createCooldown().toNanos(); }
    boolean isFreezing() { return freezing; }
    boolean isClosing() { return closing; }
    public boolean isClosed() { return closed; }

    WorkerPool boundPool(int cpu, boolean highpri) {
        return bound[cpu * 2 + (highpri ? 1 : 0)];
    }

    WorkerPool unboundPool(boolean highpri) {
        return unbound[highpri ? 1 : 0];
    }

    /** The "current CPU" of the calling thread: its bound pool's, else the locator's, else a per-thread hash. */
    int currentCpu() {
        Worker me = Worker.current();
        if (me != null && me.pool.cpu >= 0 && me.pool.runtime == this) {
            return me.pool.cpu;
        }
        if (locator != null) {
            return Math.floorMod(locator.getAsInt(), cpus);
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
        if (name.isEmpty() || name.length() > WorkqueueImpl.MAX_NAME) {
            throw new IllegalArgumentException("workqueue name '" + name + "' has length " + name.length()
                    + "; allowed 1.." + WorkqueueImpl.MAX_NAME);
        }
        WorkqueueImpl.checkMaxActive(name, maxActive);
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
        Worker me = Worker.current();
        if (me != null && me.pool.runtime == this) {
            throw new IllegalStateException("closing the runtime from one of its own work items would deadlock");
        }
        synchronized (stateLock) {
            if (closing) {
                boolean interrupted = false;
                while (!closed) {
                    try {
                        stateLock.wait();
                    } catch (InterruptedException e) {
                        interrupted = true;
                    }
                }
                if (interrupted) {
                    Thread.currentThread().interrupt();
                }
                return;
            }
            closing = true;
        }
        try {
            if (freezing) {
                thaw();
            }
            List<WorkqueueImpl> all = new ArrayList<>(workqueues);
            for (int i = all.size() - 1; i >= 0; i--) {
                all.get(i).destroy();
            }
            monitor.stop();
            for (DelayedWork dw : timers.close()) {
                WorkOps.releasePending(dw);
            }
            for (WorkerPool p : bound) {
                p.shutdown();
            }
            for (WorkerPool p : unbound) {
                p.shutdown();
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
