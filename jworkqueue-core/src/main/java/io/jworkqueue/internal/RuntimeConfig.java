package io.jworkqueue.internal;

import io.jworkqueue.AffinityScope;
import io.jworkqueue.Topology;
import io.jworkqueue.WorkExceptionHandler;
import java.time.Duration;
import java.util.concurrent.ThreadFactory;
import java.util.function.IntSupplier;
import java.util.function.LongSupplier;

/**
 * The settings a runtime is built with (see {@code WorkqueueRuntime.Builder}); validated there.
 *
 * @param cpus number of CPUs (bound pool pairs)
 * @param threadFactory makes worker threads; names and priority are set afterwards
 * @param cpuIntensiveThreshold {@code cpu_intensive_thresh}
 * @param idleWorkerTimeout {@code IDLE_WORKER_TIMEOUT}
 * @param watchdogThreshold {@code watchdog_thresh}, zero = off
 * @param createCooldown {@code CREATE_COOLDOWN}
 * @param exceptionHandler receives what work functions throw
 * @param cpuLocator the "current CPU" of a thread that is not a bound worker; null = per-thread hash
 * @param powerEfficient whether {@code POWER_EFFICIENT} workqueues are unbound
 * @param clock nanosecond clock for timers
 * @param topology the CPU topology, already fitted to {@code cpus}
 * @param defaultScope the affinity scope {@link AffinityScope#DEFAULT} stands for (never DEFAULT itself)
 * @param virtualUnbound whether unbound workers are virtual threads
 * @param pinWorkers whether workers are pinned to their CPUs with the OS (where supported)
 */
public record RuntimeConfig(
        int cpus,
        ThreadFactory threadFactory,
        Duration cpuIntensiveThreshold,
        Duration idleWorkerTimeout,
        Duration watchdogThreshold,
        Duration createCooldown,
        WorkExceptionHandler exceptionHandler,
        IntSupplier cpuLocator,
        boolean powerEfficient,
        LongSupplier clock,
        Topology topology,
        AffinityScope defaultScope,
        boolean virtualUnbound,
        boolean pinWorkers) {

    /** The settings of earlier versions: a flat topology, the cache scope, platform workers, no pinning. */
    public RuntimeConfig(int cpus, ThreadFactory threadFactory, Duration cpuIntensiveThreshold,
                         Duration idleWorkerTimeout, Duration watchdogThreshold, Duration createCooldown,
                         WorkExceptionHandler exceptionHandler, IntSupplier cpuLocator, boolean powerEfficient,
                         LongSupplier clock) {
        this(cpus, threadFactory, cpuIntensiveThreshold, idleWorkerTimeout, watchdogThreshold, createCooldown,
                exceptionHandler, cpuLocator, powerEfficient, clock, Topology.flat(cpus), AffinityScope.CACHE,
                false, false);
    }
}
