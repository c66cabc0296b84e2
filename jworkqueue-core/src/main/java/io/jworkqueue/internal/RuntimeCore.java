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
    private final IntSupplier locator; // I, may be null
    private final List<WorkqueueImpl> workqueues = new CopyOnWriteArrayList<>();
    private final Object stateLock = new Object();
    private volatile boolean freezing;
    private volatile boolean closing;
    private volatile boolean closed;

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
            return wq;
        }
    }

    void unregister(WorkqueueImpl wq) {
        workqueues.remove(wq);
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
        LOG.log(System.Logger.Level.WARNING, pool + ": cannot create a worker thread: " + t);
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
