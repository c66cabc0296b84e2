package io.jworkqueue.internal;

import io.jworkqueue.AffinityScope;
import io.jworkqueue.LockupReport;
import io.jworkqueue.Topology;
import io.jworkqueue.Work;
import io.jworkqueue.WorkExceptionHandler;
import io.jworkqueue.Workqueue;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ThreadFactory;
import java.util.function.Consumer;
import java.util.function.IntSupplier;

/**
 * What a {@code WorkqueueRuntime.Builder} has been told so far: each setting's default (the
 * kernel's), the check each setting must pass, and the {@link RuntimeConfig} made of them. The
 * builder is its public face and documents every setting; this class holds no policy of its own.
 * Confined to the thread using the builder.
 */
public final class RuntimeSettings {
    /** The longest {@link #createCooldown(Duration)} accepted. */
    private static final Duration MAX_CREATE_COOLDOWN = Duration.ofHours(1);

    private int cpus = Runtime.getRuntime().availableProcessors();
    private ThreadFactory threadFactory = r -> Thread.ofPlatform().daemon(true).unstarted(r);
    private Duration cpuIntensiveThreshold = Duration.ofMillis(10);
    private Duration idleWorkerTimeout = Duration.ofSeconds(300);
    private Duration watchdogThreshold = Duration.ofSeconds(30);
    private Duration createCooldown = Duration.ofSeconds(1);
    private WorkExceptionHandler handler = RuntimeSettings::logFailure;
    private IntSupplier cpuLocator;
    private boolean powerEfficient;
    private Consumer<LockupReport> lockupHandler;
    private Topology topology;
    private AffinityScope defaultScope = AffinityScope.CACHE;
    private boolean virtualUnbound;
    private boolean pinWorkers;

    /** The defaults. */
    public RuntimeSettings() {}

    /** The default exception handler: {@link System.Logger} at ERROR. */
    private static void logFailure(Workqueue wq, Work work, Throwable t) {
        System.getLogger("io.jworkqueue").log(System.Logger.Level.ERROR,
                "workqueue '" + wq.name() + "': " + (work.description() != null ? "work '" + work.description() + "'"
                        : "work function " + work.function()) + " of " + work + " threw", t);
    }

    /** @param cpus 1..4096 */
    public void cpus(int cpus) {
        if (cpus < 1 || cpus > 4096) {
            throw new IllegalArgumentException("cpus " + cpus + " is out of range [1, 4096]");
        }
        this.cpus = cpus;
    }

    /** @param factory not null */
    public void threadFactory(ThreadFactory factory) {
        this.threadFactory = Objects.requireNonNull(factory, "threadFactory");
    }

    /** @param threshold positive */
    public void cpuIntensiveThreshold(Duration threshold) {
        this.cpuIntensiveThreshold = positive(threshold, "cpuIntensiveThreshold");
    }

    /** @param timeout positive */
    public void idleWorkerTimeout(Duration timeout) {
        this.idleWorkerTimeout = positive(timeout, "idleWorkerTimeout");
    }

    /** @param threshold zero (off) or positive */
    public void watchdogThreshold(Duration threshold) {
        Objects.requireNonNull(threshold, "watchdogThreshold");
        if (threshold.isNegative()) {
            throw new IllegalArgumentException("watchdogThreshold " + threshold + " is negative; allowed >= 0 (0 = off)");
        }
        this.watchdogThreshold = threshold;
    }

    /** @param cooldown positive, at most {@link #MAX_CREATE_COOLDOWN} */
    public void createCooldown(Duration cooldown) {
        positive(cooldown, "createCooldown");
        if (cooldown.compareTo(MAX_CREATE_COOLDOWN) > 0) {
            throw new IllegalArgumentException("createCooldown " + cooldown + " is out of range (0, "
                    + MAX_CREATE_COOLDOWN + "]: a failed worker creation is retried after it, and work waits for the retry");
        }
        this.createCooldown = cooldown;
    }

    /** @param handler not null */
    public void uncaughtExceptionHandler(WorkExceptionHandler handler) {
        this.handler = Objects.requireNonNull(handler, "handler");
    }

    /** @param locator not null */
    public void cpuLocator(IntSupplier locator) {
        this.cpuLocator = Objects.requireNonNull(locator, "cpuLocator");
    }

    /** @param enabled whether {@code POWER_EFFICIENT} workqueues are unbound */
    public void powerEfficient(boolean enabled) {
        this.powerEfficient = enabled;
    }

    /** @param handler not null */
    public void lockupHandler(Consumer<LockupReport> handler) {
        this.lockupHandler = Objects.requireNonNull(handler, "lockupHandler");
    }

    /** @return the lockup handler, or null if none was set */
    public Consumer<LockupReport> lockupHandler() {
        return lockupHandler;
    }

    /** @param topology not null */
    public void topology(Topology topology) {
        this.topology = Objects.requireNonNull(topology, "topology");
    }

    /** @param scope not null, not {@link AffinityScope#DEFAULT} */
    public void defaultAffinityScope(AffinityScope scope) {
        Objects.requireNonNull(scope, "defaultAffinityScope");
        if (scope == AffinityScope.DEFAULT) {
            throw new IllegalArgumentException("defaultAffinityScope must name a scope (cpu, smt, cache, numa, system), not default");
        }
        this.defaultScope = scope;
    }

    /** @param enabled whether unbound workers are virtual threads */
    public void virtualUnboundWorkers(boolean enabled) {
        this.virtualUnbound = enabled;
    }

    /** @param enabled whether workers are pinned to their CPUs with the OS */
    public void pinWorkers(boolean enabled) {
        this.pinWorkers = enabled;
    }

    private static Duration positive(Duration d, String what) {
        Objects.requireNonNull(d, what);
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(what + " " + d + " must be positive");
        }
        return d;
    }

    /** @return the settings as a runtime takes them; the topology detected now if none was set */
    public RuntimeConfig config() {
        return new RuntimeConfig(cpus, threadFactory, cpuIntensiveThreshold, idleWorkerTimeout,
                watchdogThreshold, createCooldown, handler, cpuLocator, powerEfficient, System::nanoTime,
                (topology != null ? topology : Topology.detect()).fit(cpus), defaultScope, virtualUnbound,
                pinWorkers);
    }
}
