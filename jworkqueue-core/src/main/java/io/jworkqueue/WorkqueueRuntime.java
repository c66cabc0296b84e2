package io.jworkqueue;

import io.jworkqueue.internal.Names;
import io.jworkqueue.internal.RuntimeConfig;
import io.jworkqueue.internal.RuntimeCore;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ThreadFactory;
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

    private WorkqueueRuntime(String name, RuntimeConfig config, boolean isGlobal) {
        this.name = name;
        this.core = new RuntimeCore(this, config);
        this.isGlobal = isGlobal;
        system = core.alloc("events", Set.of(), 0, false, true);
        systemHighpri = core.alloc("events_highpri", EnumSet.of(WorkqueueFlag.HIGHPRI), 0, false, true);
        systemLong = core.alloc("events_long", Set.of(), 0, false, true);
        systemUnbound = core.alloc("events_unbound", EnumSet.of(WorkqueueFlag.UNBOUND), 2048, false, true);
        systemFreezable = core.alloc("events_freezable", EnumSet.of(WorkqueueFlag.FREEZABLE), 0, false, true);
        systemPowerEfficient = core.alloc("events_power_efficient", EnumSet.of(WorkqueueFlag.POWER_EFFICIENT), 0, false, true);
        core.registerMBeans(name);
    }

    private static final class Global {
        static final WorkqueueRuntime INSTANCE = new WorkqueueRuntime("global", builder().config(), true);
    }

    /**
     * The JVM-wide runtime, started on first use, with one CPU per available processor and daemon
     * worker threads. It cannot be closed.
     *
     * @return the global runtime
     */
    public static WorkqueueRuntime global() {
        return Global.INSTANCE;
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
     * @throws IllegalArgumentException if the name is empty, too long, blank or holds a control character, or maxActive out of range
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
     * worklist has waited. The watchdog logs the same dump with a lockup report.
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
        /** The longest {@link #createCooldown(Duration)} accepted. */
        private static final Duration MAX_CREATE_COOLDOWN = Duration.ofHours(1);

        private String name;
        private int cpus = Runtime.getRuntime().availableProcessors();
        private ThreadFactory threadFactory = r -> Thread.ofPlatform().daemon(true).unstarted(r);
        private Duration cpuIntensiveThreshold = Duration.ofMillis(10);
        private Duration idleWorkerTimeout = Duration.ofSeconds(300);
        private Duration watchdogThreshold = Duration.ofSeconds(30);
        private Duration createCooldown = Duration.ofSeconds(1);
        private WorkExceptionHandler handler = Builder::logFailure;
        private IntSupplier cpuLocator;
        private boolean powerEfficient;

        private Builder() {}

        private static void logFailure(Workqueue wq, Work work, Throwable t) {
            System.getLogger("io.jworkqueue").log(System.Logger.Level.ERROR,
                    "workqueue '" + wq.name() + "': work function " + work.function() + " of " + work + " threw", t);
        }

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
            if (cpus < 1 || cpus > 4096) {
                throw new IllegalArgumentException("cpus " + cpus + " is out of range [1, 4096]");
            }
            this.cpus = cpus;
            return this;
        }

        /**
         * @param factory makes worker threads (default: daemon platform threads); the runtime names
         *     them like the kernel ({@code kworker/0:1}, {@code kworker/0:1H}, {@code kworker/u4:0})
         *     and raises the priority of high-priority workers
         * @return this builder
         */
        public Builder threadFactory(ThreadFactory factory) {
            this.threadFactory = Objects.requireNonNull(factory, "threadFactory");
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
            this.cpuIntensiveThreshold = positive(threshold, "cpuIntensiveThreshold");
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
            this.idleWorkerTimeout = positive(timeout, "idleWorkerTimeout");
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
            Objects.requireNonNull(threshold, "watchdogThreshold");
            if (threshold.isNegative()) {
                throw new IllegalArgumentException("watchdogThreshold " + threshold + " is negative; allowed >= 0 (0 = off)");
            }
            this.watchdogThreshold = threshold;
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
            positive(cooldown, "createCooldown");
            if (cooldown.compareTo(MAX_CREATE_COOLDOWN) > 0) {
                throw new IllegalArgumentException("createCooldown " + cooldown + " is out of range (0, "
                        + MAX_CREATE_COOLDOWN + "]: a failed worker creation is retried after it, and work waits for the retry");
            }
            this.createCooldown = cooldown;
            return this;
        }

        /**
         * @param handler receives what work functions throw (default: {@link System.Logger} at ERROR)
         * @return this builder
         */
        public Builder uncaughtExceptionHandler(WorkExceptionHandler handler) {
            this.handler = Objects.requireNonNull(handler, "handler");
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
            this.cpuLocator = Objects.requireNonNull(locator, "cpuLocator");
            return this;
        }

        /**
         * @param enabled the kernel's {@code workqueue.power_efficient}: when true,
         *     {@link WorkqueueFlag#POWER_EFFICIENT} workqueues are unbound (default false)
         * @return this builder
         */
        public Builder powerEfficient(boolean enabled) {
            this.powerEfficient = enabled;
            return this;
        }

        private static Duration positive(Duration d, String what) {
            Objects.requireNonNull(d, what);
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(what + " " + d + " must be positive");
            }
            return d;
        }

        RuntimeConfig config() {
            return new RuntimeConfig(cpus, threadFactory, cpuIntensiveThreshold, idleWorkerTimeout,
                    watchdogThreshold, createCooldown, handler, cpuLocator, powerEfficient, System::nanoTime);
        }

        /** @return a new runtime; its threads start on first use */
        public WorkqueueRuntime build() {
            String n = name != null ? name : "runtime-" + NEXT_ID.incrementAndGet();
            return new WorkqueueRuntime(n, config(), false);
        }
    }
}
