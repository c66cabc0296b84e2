package io.jworkqueue;

import io.jworkqueue.internal.Names;
import io.jworkqueue.internal.RuntimeConfig;
import io.jworkqueue.internal.RuntimeCore;
import io.jworkqueue.internal.RuntimeProperties;
import io.jworkqueue.internal.RuntimeSettings;
import io.jworkqueue.internal.WorkOps;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ThreadFactory;
import java.util.function.Consumer;
import java.util.function.IntSupplier;

/**
 * The workqueue subsystem: per-CPU and unbound worker pools shared by all the workqueues it
 * allocates, the timer that drives {@link DelayedWork}, the six system workqueues and the
 * freezer.
 *
 * <p>Every runtime has, for each of its {@link #cpus()} CPUs, a normal and a high-priority
 * <em>bound</em> pool, plus a normal and a high-priority <em>unbound</em> pool. Bound pools are
 * concurrency managed: they keep one non-blocked worker running per CPU and start another when
 * a worker blocks (see {@link #blocking(BlockingAction)}). Pools create their threads on first
 * use, so an unused runtime has none, and an idle one costs no CPU.
 *
 * <p>Use {@link #global()} for the JVM-wide runtime, or build your own:
 * <pre>{@code
 * try (WorkqueueRuntime rt = WorkqueueRuntime.builder().cpus(4).build()) {
 *     Workqueue wq = rt.alloc("io", Set.of(), 0);
 *     wq.queue(new Work(self -> System.out.println("hello from " + Thread.currentThread().getName())));
 *     wq.flush();
 * }
 * }</pre>
 */
public final class WorkqueueRuntime implements AutoCloseable {

    /** Numbers the default names {@code runtime-<n>}. */
    private static final java.util.concurrent.atomic.AtomicInteger NEXT_ID = new java.util.concurrent.atomic.AtomicInteger();

    private final String name;
    private final RuntimeCore core;
    private final boolean isGlobal;
    private final Workqueue system, systemHighpri, systemLong, systemUnbound, systemFreezable, systemPowerEfficient;

    private WorkqueueRuntime(String name, RuntimeConfig config, boolean isGlobal, Consumer<LockupReport> lockupHandler) {
        this.name = name;
        this.core = new RuntimeCore(this, config);
        this.isGlobal = isGlobal;
        core.setLockupHandler(lockupHandler);
        system = core.alloc("events", Set.of(), 0, false, true);
        systemHighpri = core.alloc("events_highpri", EnumSet.of(WorkqueueFlag.HIGHPRI), 0, false, true);
        systemLong = core.alloc("events_long", Set.of(), 0, false, true);
        systemUnbound = core.alloc("events_unbound", EnumSet.of(WorkqueueFlag.UNBOUND), 2048, false, true);
        systemFreezable = core.alloc("events_freezable", EnumSet.of(WorkqueueFlag.FREEZABLE), 0, false, true);
        systemPowerEfficient = core.alloc("events_power_efficient", EnumSet.of(WorkqueueFlag.POWER_EFFICIENT), 0, false, true);
        core.registerMBeans(name);
    }

    /** The global runtime once built; guarded by {@code GLOBAL_LOCK} for the write. */
    private static volatile WorkqueueRuntime globalInstance;
    private static final Object GLOBAL_LOCK = new Object();

    /**
     * The JVM-wide runtime, started on first use, with one CPU per available processor and daemon
     * worker threads. It cannot be closed.
     *
     * <p>Like {@code java.util.concurrent.ForkJoinPool.common.parallelism}, system properties
     * configure it; they are read when {@code global()} is first called (set them on the command
     * line, or before the first call):
     * <table>
     *   <caption>System properties of the global runtime</caption>
     *   <tr><th>property</th><th>builder setting</th><th>allowed</th></tr>
     *   <tr><td>{@code jworkqueue.cpus}</td><td>{@link Builder#cpus(int)}</td><td>1..4096</td></tr>
     *   <tr><td>{@code jworkqueue.cpuIntensiveThreshold}</td>
     *       <td>{@link Builder#cpuIntensiveThreshold(Duration)}</td><td>a positive duration</td></tr>
     *   <tr><td>{@code jworkqueue.watchdogThreshold}</td>
     *       <td>{@link Builder#watchdogThreshold(Duration)}</td><td>a duration, 0 = off</td></tr>
     *   <tr><td>{@code jworkqueue.idleWorkerTimeout}</td>
     *       <td>{@link Builder#idleWorkerTimeout(Duration)}</td><td>a positive duration</td></tr>
     *   <tr><td>{@code jworkqueue.createCooldown}</td>
     *       <td>{@link Builder#createCooldown(Duration)}</td><td>a positive duration</td></tr>
     *   <tr><td>{@code jworkqueue.powerEfficient}</td>
     *       <td>{@link Builder#powerEfficient(boolean)}</td><td>{@code true} or {@code false}</td></tr>
     *   <tr><td>{@code jworkqueue.affinityScope}</td>
     *       <td>{@link Builder#defaultAffinityScope(AffinityScope)}</td>
     *       <td>{@code cpu}, {@code smt}, {@code cache}, {@code numa} or {@code system}</td></tr>
     *   <tr><td>{@code jworkqueue.virtualUnboundWorkers}</td>
     *       <td>{@link Builder#virtualUnboundWorkers(boolean)}</td><td>{@code true} or {@code false}</td></tr>
     *   <tr><td>{@code jworkqueue.pinWorkers}</td>
     *       <td>{@link Builder#pinWorkers(boolean)}</td><td>{@code true} or {@code false}</td></tr>
     * </table>
     * A duration is ISO-8601 as {@link Duration#parse} reads it ({@code PT30S}), or a whole number
     * with a unit: {@code ns}, {@code us}, {@code ms}, {@code s}, {@code m}, {@code h}, {@code d}
     * ({@code 10ms}, {@code 30s}); a plain number is milliseconds. Surrounding blanks are ignored.
     *
     * @return the global runtime
     * @throws IllegalStateException if one of the properties holds a bad value; the message names
     *     the property, the value and what is allowed. Nothing is cached: once the property is
     *     fixed ({@link System#setProperty}), the next call builds the runtime.
     */
    public static WorkqueueRuntime global() {
        WorkqueueRuntime g = globalInstance;
        if (g != null) {
            return g;
        }
        synchronized (GLOBAL_LOCK) {
            g = globalInstance;
            if (g == null) {
                Builder b;
                try {
                    b = fromProperties(System::getProperty);
                } catch (IllegalArgumentException bad) {
                    throw new IllegalStateException("cannot start the global workqueue runtime: " + bad.getMessage(), bad);
                }
                g = new WorkqueueRuntime("global", b.config(), true, b.settings.lockupHandler());
                globalInstance = g;
            }
            return g;
        }
    }

    /**
     * A builder configured from the {@code jworkqueue.*} properties (see {@link #global()};
     * {@link RuntimeProperties} reads them).
     *
     * @param properties looks a property up by name; null if unset
     * @return the configured builder
     * @throws IllegalArgumentException naming the property, its value and the allowed values
     */
    static Builder fromProperties(java.util.function.Function<String, String> properties) {
        return RuntimeProperties.apply(builder(), properties);
    }

    /** A duration property's value parsed: see {@link RuntimeProperties#parseDuration}. */
    static Duration parseDuration(String v) {
        return RuntimeProperties.parseDuration(v);
    }

    /** @return a builder for a private runtime */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * @return the runtime's name: {@code "global"} for {@link #global()}, else the one given to
     *     {@link Builder#name(String)} or {@code runtime-<n>}; it names the runtime's MXBean
     */
    public String name() {
        return name;
    }

    /** @return the number of CPUs, i.e. of bound pool pairs */
    public int cpus() {
        return core.cpus();
    }

    // ------------------------------------------------------------------ allocation

    /**
     * {@code alloc_workqueue}.
     *
     * @param name 1 to 32 characters, not blank, no control characters; names need not be unique
     * @param flags the workqueue's flags (may be empty)
     * @param maxActive {@code 1..2048} items active at once, per CPU for bound workqueues and
     *     system-wide for unbound ones; 0 for the default (1024)
     * @return the new workqueue
     * @throws NullPointerException if {@code name} or {@code flags} is null or holds null
     * @throws IllegalArgumentException if the name is empty, too long, blank or holds a control character,
     *     maxActive out of range, or the flags hold both {@code PERCPU} and {@code UNBOUND}
     * @throws IllegalStateException if the runtime is closed
     */
    public Workqueue alloc(String name, Set<WorkqueueFlag> flags, int maxActive) {
        return core.alloc(name, flags, maxActive, false, false);
    }

    /**
     * {@code alloc_ordered_workqueue}: unbound, one item at a time, in queueing order across all
     * CPUs. Its {@code maxActive} is 1 and cannot be changed.
     *
     * @param name 1 to 32 characters, not blank, no control characters
     * @param flags extra flags ({@code UNBOUND} is implied)
     * @return the new workqueue
     * @throws IllegalArgumentException as {@link #alloc}, and for {@code PERCPU} (an ordered workqueue is unbound)
     */
    public Workqueue allocOrdered(String name, Set<WorkqueueFlag> flags) {
        return core.alloc(name, flags, 1, true, false);
    }

    /**
     * {@code create_workqueue} (legacy): per-CPU, {@code MEM_RECLAIM}, {@code maxActive} 1.
     *
     * @param name 1 to 32 characters, not blank, no control characters
     * @return the new workqueue
     */
    public Workqueue create(String name) {
        return core.alloc(name, EnumSet.of(WorkqueueFlag.MEM_RECLAIM), 1, false, false);
    }

    /**
     * {@code create_singlethread_workqueue} (legacy): ordered and {@code MEM_RECLAIM}.
     *
     * @param name 1 to 32 characters, not blank, no control characters
     * @return the new workqueue
     */
    public Workqueue createSinglethread(String name) {
        return core.alloc(name, EnumSet.of(WorkqueueFlag.MEM_RECLAIM), 1, true, false);
    }

    /**
     * {@code create_freezable_workqueue} (legacy): unbound, freezable, {@code MEM_RECLAIM},
     * {@code maxActive} 1.
     *
     * @param name 1 to 32 characters, not blank, no control characters
     * @return the new workqueue
     */
    public Workqueue createFreezable(String name) {
        return core.alloc(name, EnumSet.of(WorkqueueFlag.UNBOUND, WorkqueueFlag.FREEZABLE, WorkqueueFlag.MEM_RECLAIM), 1, false, false);
    }

    /** @return the live workqueues, system ones first, in allocation order */
    public List<Workqueue> workqueues() {
        return core.workqueues();
    }

    // ------------------------------------------------------------------ system workqueues

    /** @return {@code system_wq} ("events"): bound, default max_active */
    public Workqueue system() { return system; }
    /** @return {@code system_highpri_wq} ("events_highpri") */
    public Workqueue systemHighpri() { return systemHighpri; }
    /** @return {@code system_long_wq} ("events_long"), for items that may run long */
    public Workqueue systemLong() { return systemLong; }
    /** @return {@code system_unbound_wq} ("events_unbound"), max_active 2048 */
    public Workqueue systemUnbound() { return systemUnbound; }
    /** @return {@code system_percpu_wq}, the 6.17+ name of {@link #system()} (the same workqueue) */
    public Workqueue systemPercpu() { return system; }
    /** @return {@code system_dfl_wq}, the 6.17+ name of {@link #systemUnbound()} (the same workqueue), the kernel's new default */
    public Workqueue systemDfl() { return systemUnbound; }
    /** @return {@code system_freezable_wq} ("events_freezable") */
    public Workqueue systemFreezable() { return systemFreezable; }
    /** @return {@code system_power_efficient_wq} ("events_power_efficient") */
    public Workqueue systemPowerEfficient() { return systemPowerEfficient; }

    /**
     * {@code schedule_work}: {@link Workqueue#queue(Work)} on {@link #system()}.
     *
     * @param w the item
     * @return true if queued, false if already pending or disabled
     */
    public boolean schedule(Work w) { return system.queue(w); }

    /**
     * {@code schedule_work_on}.
     *
     * @param cpu the CPU
     * @param w the item
     * @return true if queued
     */
    public boolean scheduleOn(int cpu, Work w) { return system.queueOn(cpu, w); }

    /**
     * {@code schedule_delayed_work}.
     *
     * @param w the item
     * @param delay the delay
     * @return true if armed or queued
     */
    public boolean scheduleDelayed(DelayedWork w, Duration delay) { return system.queueDelayed(w, delay); }

    /**
     * {@code schedule_delayed_work_on}.
     *
     * @param cpu the CPU
     * @param w the item
     * @param delay the delay
     * @return true if armed or queued
     */
    public boolean scheduleDelayedOn(int cpu, DelayedWork w, Duration delay) { return system.queueDelayedOn(cpu, w, delay); }

    /**
     * {@code flush_scheduled_work}: flushes {@link #system()}. Discouraged, as in the kernel: it
     * waits for everybody's items; flush your own items or use your own workqueue instead.
     */
    public void flushScheduled() { system.flush(); }

    // ------------------------------------------------------------------ freezer

    /**
     * {@code freeze_workqueues_begin}: every {@code FREEZABLE} workqueue stops activating items;
     * running ones finish, queued ones (and new ones) wait until {@link #thaw()}.
     */
    public void freeze() { core.freeze(); }

    /**
     * {@code freeze_workqueues_busy}.
     *
     * @return true while frozen workqueues still have active items
     */
    public boolean isFreezeBusy() { return core.isFreezeBusy(); }

    /** {@code thaw_workqueues}: restores max_active and activates what waited. */
    public void thaw() { core.thaw(); }

    // ------------------------------------------------------------------ blocking hint

    /**
     * An action that may block, for {@link #blocking(BlockingAction)}.
     *
     * @param <T> the result type
     * @param <X> the exception type the action throws
     */
    @FunctionalInterface
    public interface BlockingAction<T, X extends Exception> {
        /**
         * Runs the action.
         *
         * @return the result
         * @throws X what the action throws
         */
        T run() throws X;
    }

    /**
     * Tells the worker pool that the calling work function is about to block, runs
     * {@code action}, and tells the pool it runs again: the kernel's
     * {@code wq_worker_sleeping} / {@code wq_worker_running} scheduler hooks, made explicit.
     * While the action blocks, the worker does not count toward its pool's concurrency level, so
     * another item on the same CPU starts at once. Off a worker thread it just runs the action.
     *
     * <pre>{@code
     * Work fetch = new Work(self -> {
     *     byte[] body = WorkqueueRuntime.blocking(() -> socket.getInputStream().readNBytes(512));
     *     parse(body);
     * });
     * }</pre>
     *
     * @param action the blocking action
     * @param <T> the result type
     * @param <X> the exception type
     * @return what the action returned
     * @throws X what the action threw
     */
    public static <T, X extends Exception> T blocking(BlockingAction<T, X> action) throws X {
        Objects.requireNonNull(action, "action");
        RuntimeCore.sleeping();
        try {
            return action.run();
        } finally {
            RuntimeCore.running();
        }
    }

    /**
     * {@code set_worker_desc}: lets the running work function say what its worker is doing, in
     * more detail than the item's {@link Work#description()} (which device, which tenant, which
     * file). {@link #dump()}, {@code jwq dump} and the lockup report's stacks show the text in
     * parentheses after the in-flight item, as the kernel's {@code print_worker_info} does:
     * {@code in-flight: kworker/0:1:resize images (tenant 42)}.
     *
     * <p>The text belongs to the current run of the item: it is cleared when the item returns.
     * (The kernel keeps the last text until the worker's next item, for {@code ps}; there is no
     * {@code ps} here, and a stale text beside the next item would mislead.) Off a worker thread
     * the call does nothing. It costs a field write; call it as often as the work changes.
     *
     * <pre>{@code
     * Work sync = new Work("sync tenants", self -> {
     *     for (Tenant t : tenants) {
     *         WorkqueueRuntime.setWorkerDescription("tenant " + t.id());
     *         t.sync();
     *     }
     * });
     * }</pre>
     *
     * @param description what the worker is doing now
     * @throws NullPointerException if {@code description} is null
     */
    public static void setWorkerDescription(String description) {
        Objects.requireNonNull(description, "description");
        RuntimeCore.setWorkerDesc(description);
    }

    /**
     * {@code current_is_workqueue_rescuer()}.
     *
     * @return true if the calling thread is a rescuer running an item
     */
    public static boolean currentIsRescuer() {
        return RuntimeCore.currentIsRescuer();
    }

    // ------------------------------------------------------------------ diagnostics

    /**
     * {@code show_all_workqueues()}: every workqueue with work (per pool workqueue: active count,
     * in-flight items with their workers, pending and inactive items, runs of one function folded
     * as {@code N*fn}), then every busy pool with its workers and idle workers and how long its
     * worklist has waited. The watchdog logs the same dump with a lockup report. The last line
     * says whether workers are pinned ({@link Builder#pinWorkers}): {@code pinning: off},
     * {@code pinning: on (cpus 0-1 of the process's 0-3)} or {@code pinning: unsupported: <why>}.
     *
     * @return the dump, one line per entry
     */
    public String dump() {
        return core.dump();
    }

    /**
     * A snapshot of every live workqueue (system ones first, in allocation order): configuration,
     * load, statistics and the pools serving it, as {@code wq_dump.py} / {@code wq_monitor.py}
     * show them. The same data as the {@code Workqueues} attribute of the runtime's MXBean.
     *
     * @return one entry per workqueue
     */
    public List<WorkqueueInfo> workqueueInfos() {
        return core.workqueueInfos();
    }

    /**
     * A snapshot of every worker pool, by id (for each CPU a normal and a highpri bound pool,
     * then the normal and highpri unbound pools). The same data as the {@code Pools} attribute
     * of the runtime's MXBean.
     *
     * @return one entry per pool
     */
    public List<PoolInfo> poolInfos() {
        return core.poolInfos();
    }

    /** @return how many workqueue lockups the watchdog has reported so far */
    public long lockupsReported() {
        return core.lockupsReported();
    }

    /**
     * Failures the runtime contained and survived: unexpected exceptions caught by its own
     * threads (the timer thread, the concurrency monitor, rescuers, the bookkeeping of worker
     * threads) and calls of the {@link Builder#cpuLocator(IntSupplier) cpuLocator} that threw.
     * Each is logged through {@link System.Logger} ({@code io.jworkqueue}), rate-limited; a
     * failing locator is logged once at WARNING. Work functions that throw are not counted here
     * (they go to the {@link Builder#uncaughtExceptionHandler exception handler}), nor are failed
     * worker thread creations (logged once per episode). Normally zero; the same value as the
     * MXBean's {@code InternalErrors} attribute.
     *
     * @return the number of contained failures since the runtime was built
     */
    public long internalErrors() {
        return core.internalErrors();
    }

    // ------------------------------------------------------------------ lifecycle

    /**
     * A graceful {@link #close()} with a deadline, for a service's stop hook. At once, the
     * runtime stops accepting work from outside: every workqueue drains, so a queue call from a
     * thread that is not one of this runtime's workers throws {@link IllegalStateException},
     * while the runtime's own items may still queue (work already accepted runs to its end), and
     * armed {@link DelayedWork} timers are cancelled. Then the queued items run until
     * {@code timeout} has passed.
     *
     * <p>If everything finished in time, the runtime is closed exactly as by {@link #close()},
     * and the call returns true. Otherwise the runtime logs a report at {@code WARNING} (the
     * workqueues not drained, a {@link #dump()} of what still runs and waits, and the stacks of
     * the busy workers), cancels every item that has not started (their flushers return),
     * interrupts the threads of the items still running, waits up to one more second for the
     * threads, and closes the runtime, returning false. (A flusher waiting for an item that is
     * still running keeps waiting until that item returns, as it would without the shutdown.) A thread whose item ignores the interrupt
     * is left behind: it finishes the item and exits (worker threads are daemons by default, so
     * they do not keep the JVM alive). The call never waits much longer than the deadline.
     *
     * <pre>{@code
     * if (!runtime.shutdown(Duration.ofSeconds(20))) {
     *     log.warn("workqueues did not drain in 20 s; see the report above");
     * }
     * }</pre>
     *
     * @param timeout how long queued and running items may take; zero or negative stops at once
     * @return true if every item finished in time, false if some were cancelled or interrupted
     * @throws NullPointerException if {@code timeout} is null
     * @throws IllegalStateException on the {@link #global()} runtime, or from one of its own items
     */
    public boolean shutdown(Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        if (isGlobal) {
            throw new IllegalStateException("the global workqueue runtime cannot be shut down");
        }
        return core.shutdown(WorkOps.toNanos(timeout));
    }

    // ------------------------------------------------------------------ run-time knobs

    /** @return {@code cpu_intensive_thresh}: the CPU time after which a running item counts as CPU-intensive */
    public Duration cpuIntensiveThreshold() {
        return Duration.ofNanos(core.cpuIntensiveThresholdNanos());
    }

    /**
     * Changes {@code cpu_intensive_thresh} at run time (the kernel's writable
     * {@code workqueue.cpu_intensive_thresh_us}); the concurrency monitor uses it from its next
     * sample.
     *
     * @param threshold as for {@link Builder#cpuIntensiveThreshold(Duration)}
     * @throws NullPointerException if {@code threshold} is null
     * @throws IllegalArgumentException if the builder would refuse it
     */
    public void setCpuIntensiveThreshold(Duration threshold) {
        new Builder().cpuIntensiveThreshold(threshold); // the builder's rules
        core.setCpuIntensiveThresholdNanos(WorkOps.toNanos(threshold));
    }

    /** @return {@code watchdog_thresh}, {@link Duration#ZERO} when the watchdog is off */
    public Duration watchdogThreshold() {
        return Duration.ofNanos(core.watchdogThresholdNanos());
    }

    /**
     * Changes {@code watchdog_thresh} at run time (the kernel's writable
     * {@code workqueue.watchdog_thresh}); zero turns the watchdog off, a positive value (back) on.
     *
     * @param threshold as for {@link Builder#watchdogThreshold(Duration)}
     * @throws NullPointerException if {@code threshold} is null
     * @throws IllegalArgumentException if the builder would refuse it
     */
    public void setWatchdogThreshold(Duration threshold) {
        new Builder().watchdogThreshold(threshold);
        core.setWatchdogThresholdNanos(WorkOps.toNanos(threshold));
    }

    /** @return {@code workqueue.power_efficient}: whether new {@code POWER_EFFICIENT} workqueues are unbound */
    public boolean powerEfficient() {
        return core.powerEfficient();
    }

    /**
     * Changes {@code workqueue.power_efficient} at run time. It applies to workqueues allocated
     * afterwards; existing ones keep the pools they have (the kernel reads it when a workqueue is
     * allocated, too). The system workqueue {@link #systemPowerEfficient()} exists from the start
     * and so follows {@link Builder#powerEfficient(boolean)} only.
     *
     * @param enabled whether {@link WorkqueueFlag#POWER_EFFICIENT} workqueues are unbound
     */
    public void setPowerEfficient(boolean enabled) {
        core.setPowerEfficient(enabled);
    }

    /** @return true once {@link #close()} has finished */
    public boolean isClosed() {
        return core.isClosed();
    }

    /** @return the number of live worker threads over all pools (for monitoring and tests) */
    public int workerCount() {
        return core.workerCount();
    }

    /**
     * Destroys every workqueue (queued items run first; armed timers are cancelled), then stops
     * the timer thread and every worker thread and waits for them, and unregisters the runtime's
     * MXBeans. Idempotent.
     *
     * @throws IllegalStateException on the {@link #global()} runtime, or from one of its own items
     */
    @Override
    public void close() {
        if (isGlobal) {
            throw new IllegalStateException("the global workqueue runtime cannot be closed");
        }
        core.close();
    }

    @Override
    public String toString() {
        return "WorkqueueRuntime[" + name + ", cpus=" + cpus() + (isGlobal ? ", global" : "") + (isClosed() ? ", closed" : "") + "]";
    }

    // ------------------------------------------------------------------ builder

    /**
     * Builds a {@link WorkqueueRuntime}. Every setting has the kernel's default.
     *
     * <p>Durations: {@link #cpuIntensiveThreshold}, {@link #idleWorkerTimeout} and
     * {@link #watchdogThreshold} accept any positive {@code Duration} (the watchdog threshold
     * also zero) up to {@link java.time.temporal.ChronoUnit#FOREVER}. Durations longer than
     * {@code Long.MAX_VALUE} nanoseconds (about 292 years) saturate there, which means "never":
     * a CPU-intensity threshold never reached, idle workers never culled, a watchdog that never
     * reports. {@link #createCooldown} is the exception: a failed worker creation is retried
     * only after it, and items (and so {@code flush} and {@code close}) may wait for that
     * retry, so it is refused with {@code IllegalArgumentException} above one hour.
     *
     * <p>Callbacks: the {@link #threadFactory(ThreadFactory) thread factory} and the
     * {@link #cpuLocator(IntSupplier) CPU locator} are contained. A factory that throws anything
     * or returns null is a failed worker creation (retried after the create cooldown, with
     * maydays to rescuers meanwhile); for a rescuer, {@code alloc} fails with
     * {@code IllegalStateException}. A locator that throws is replaced by the default per-thread
     * choice for that call, logged once and counted in {@link WorkqueueRuntime#internalErrors()}.
     */
    public static final class Builder {
        /** The settings but the name, with their defaults and checks. */
        private final RuntimeSettings settings = new RuntimeSettings();
        private String name;

        private Builder() {}

        /**
         * @param name the runtime's name, used in its MXBean's object name
         *     ({@code io.jworkqueue:type=WorkqueueRuntime,name=<name>}); default {@code runtime-<n>}
         *     with {@code n} counting the runtimes built with the default name in this JVM from 1.
         *     Names should be unique: a second runtime of the same name works but has no MXBean.
         *     As workqueue names: 1 to 32 characters, not blank, no control characters
         * @return this builder
         * @throws NullPointerException if {@code name} is null
         * @throws IllegalArgumentException if {@code name} is empty, longer than 32 characters,
         *     only whitespace, or holds a control character (the message shows it escaped and shortened)
         */
        public Builder name(String name) {
            this.name = Names.check("runtime", name, Names.MAX_LENGTH);
            return this;
        }

        /**
         * @param cpus the number of CPUs to model, 1..4096 (default: available processors)
         * @return this builder
         */
        public Builder cpus(int cpus) {
            settings.cpus(cpus);
            return this;
        }

        /**
         * @param factory makes worker threads (default: daemon platform threads); the runtime names
         *     them like the kernel ({@code kworker/0:1}, {@code kworker/0:1H}, {@code kworker/u4:0})
         *     and raises the priority of high-priority workers. It makes platform threads only: in
         *     the {@link #virtualUnboundWorkers(boolean) virtual-thread mode} the unbound workers
         *     are virtual threads the runtime makes itself, and the factory makes their relief
         *     workers
         * @return this builder
         */
        public Builder threadFactory(ThreadFactory factory) {
            settings.threadFactory(factory);
            return this;
        }

        /**
         * @param threshold {@code cpu_intensive_thresh}: CPU time after which a running item is
         *     treated as CPU-intensive (default 10 ms), positive; {@code ChronoUnit.FOREVER}
         *     (or anything past about 292 years) turns detection off
         * @return this builder
         * @throws NullPointerException if {@code threshold} is null
         * @throws IllegalArgumentException if it is zero or negative
         */
        public Builder cpuIntensiveThreshold(Duration threshold) {
            settings.cpuIntensiveThreshold(threshold);
            return this;
        }

        /**
         * @param timeout how long surplus idle workers live (default 300 s), positive;
         *     {@code ChronoUnit.FOREVER} keeps them for good
         * @return this builder
         * @throws NullPointerException if {@code timeout} is null
         * @throws IllegalArgumentException if it is zero or negative
         */
        public Builder idleWorkerTimeout(Duration timeout) {
            settings.idleWorkerTimeout(timeout);
            return this;
        }

        /**
         * @param threshold {@code watchdog_thresh}: how long a pool may hold waiting items without
         *     starting one before it is reported (default 30 s; zero, or
         *     {@code ChronoUnit.FOREVER}, turns the watchdog off)
         * @return this builder
         * @throws NullPointerException if {@code threshold} is null
         * @throws IllegalArgumentException if it is negative
         */
        public Builder watchdogThreshold(Duration threshold) {
            settings.watchdogThreshold(threshold);
            return this;
        }

        /**
         * @param cooldown {@code CREATE_COOLDOWN}: wait after a failed worker creation before
         *     the pool's manager retries (default 1 s), positive and at most one hour: work
         *     waits for that retry, so it cannot be switched off
         * @return this builder
         * @throws NullPointerException if {@code cooldown} is null
         * @throws IllegalArgumentException if it is zero, negative or longer than one hour
         */
        public Builder createCooldown(Duration cooldown) {
            settings.createCooldown(cooldown);
            return this;
        }

        /**
         * @param handler receives what work functions throw (default: {@link System.Logger} at ERROR)
         * @return this builder
         */
        public Builder uncaughtExceptionHandler(WorkExceptionHandler handler) {
            settings.uncaughtExceptionHandler(handler);
            return this;
        }

        /**
         * @param locator reports the "current CPU" of a thread that is not a bound worker, for
         *     {@link Workqueue#queue(Work)}; results are taken modulo {@link #cpus(int)}, so any
         *     int is fine. Default: a stable per-thread choice spread over the CPUs, which is
         *     also used for a call in which the locator throws. It is called on the queueing
         *     thread, and on the timer thread for expired delayed work; it should be cheap.
         * @return this builder
         */
        public Builder cpuLocator(IntSupplier locator) {
            settings.cpuLocator(locator);
            return this;
        }

        /**
         * @param enabled the kernel's {@code workqueue.power_efficient}: when true,
         *     {@link WorkqueueFlag#POWER_EFFICIENT} workqueues are unbound (default false)
         * @return this builder
         */
        public Builder powerEfficient(boolean enabled) {
            settings.powerEfficient(enabled);
            return this;
        }

        /**
         * @param handler the kernel's {@code panic_on_stall}: told of every lockup the watchdog
         *     reports (after the report is logged), so a service can fail its health check or stop.
         *     It runs on the runtime's timer thread: keep it short (set a flag, count a metric). If
         *     it throws, the failure is logged and the watchdog goes on. Default: none
         * @return this builder
         * @throws NullPointerException if {@code handler} is null
         */
        public Builder lockupHandler(Consumer<LockupReport> handler) {
            settings.lockupHandler(handler);
            return this;
        }

        /**
         * @param topology the CPU topology to group CPUs by (default: {@link Topology#detect()}).
         *     If it has a different number of CPUs than {@link #cpus(int)}, runtime CPU {@code i}
         *     takes the place of CPU {@code i % topology.cpus()}
         * @return this builder
         * @throws NullPointerException if {@code topology} is null
         */
        public Builder topology(Topology topology) {
            settings.topology(topology);
            return this;
        }

        /**
         * @param scope the affinity scope of unbound workqueues whose attributes say
         *     {@link AffinityScope#DEFAULT} (default: {@link AffinityScope#CACHE}, as the kernel)
         * @return this builder
         * @throws NullPointerException if {@code scope} is null
         * @throws IllegalArgumentException for {@link AffinityScope#DEFAULT} itself
         */
        public Builder defaultAffinityScope(AffinityScope scope) {
            settings.defaultAffinityScope(scope);
            return this;
        }

        /**
         * The virtual-thread mode. The workers of the unbound pools become virtual threads
         * ({@code Thread.ofVirtual()}, named like platform workers, {@code kworker/u4:0}); bound
         * pools keep platform workers. The {@link #threadFactory(ThreadFactory) thread factory}
         * makes platform workers only: bound workers, and the relief workers below. The JDK's
         * scheduler sees blocking exactly, so virtual workers are not counted in
         * {@code nr_running}: an item that becomes active gets a worker at once (an idle one, or
         * a new one, created without a manager round-trip) and {@code maxActive} is the only
         * limit. Idle virtual workers are culled after {@link #idleWorkerTimeout(Duration)} like
         * platform ones. Virtual threads have no priority: {@link WorkqueueFlag#HIGHPRI} unbound
         * workqueues run at normal priority in this mode; nor are they pinned by
         * {@link #pinWorkers(boolean)} (that would pin their carrier).
         *
         * <p>A virtual worker that blocks while pinned (in a native frame or a class initialiser,
         * in {@code synchronized} on JDK 21-23, in some file I/O) or runs CPU-bound holds its
         * carrier: the JDK does not preempt it, and enough of them stall every virtual thread of
         * the JVM. While items wait on a virtual pool, the runtime's concurrency monitor watches
         * it: when none has started for {@link #cpuIntensiveThreshold(Duration)} (so turning
         * that off turns this off too), a platform <em>relief</em> worker of the pool (named
         * {@code kworker/u4:1-relief}) runs the waiting items and leaves when there are none;
         * another follows one threshold later if the stall goes on. Relief workers are counted in
         * {@link WorkqueueStats#cmWakeups()}, and virtual workers seen holding their carrier past
         * the threshold in {@link WorkqueueStats#cpuIntensive()}, reported like CPU hogs. Virtual
         * threads have no CPU clock: their items are charged wall time
         * ({@link WorkqueueStats#cpuTimeNanos()}). See docs/DESIGN.md, Virtual-thread mode.
         *
         * @param enabled whether the workers of unbound pools are virtual threads (default false)
         * @return this builder
         */
        public Builder virtualUnboundWorkers(boolean enabled) {
            settings.virtualUnboundWorkers(enabled);
            return this;
        }

        /**
         * @param enabled whether workers are pinned with the operating system to their CPU (bound
         *     pools) or pod (unbound pools), default false ({@code sched_setaffinity}). Runtime CPU
         *     {@code i} is the {@code i}-th CPU the process may use ({@code sched_getaffinity}),
         *     wrapping around. Needs Linux and JDK 22+ (the FFM API; start the JVM with
         *     {@code --enable-native-access=io.jworkqueue}, or {@code =ALL-UNNAMED} on the class
         *     path, else JDK 22-25 warn once); elsewhere, and on JDK 21, it is ignored, and
         *     {@link WorkqueueRuntime#dump()} says why
         * @return this builder
         */
        public Builder pinWorkers(boolean enabled) {
            settings.pinWorkers(enabled);
            return this;
        }

        RuntimeConfig config() {
            return settings.config();
        }

        /** @return a new runtime; its threads start on first use */
        public WorkqueueRuntime build() {
            String n = name != null ? name : "runtime-" + NEXT_ID.incrementAndGet();
            return new WorkqueueRuntime(n, config(), false, settings.lockupHandler());
        }
    }
}
