package io.jworkqueue.internal;

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
        LongSupplier clock) {}
