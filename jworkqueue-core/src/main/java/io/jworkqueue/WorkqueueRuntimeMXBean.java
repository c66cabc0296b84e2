package io.jworkqueue;

/**
 * The JMX view of a {@link WorkqueueRuntime}, registered on the platform MBean server while the
 * runtime is open, as
 * <pre>
 *   io.jworkqueue:type=WorkqueueRuntime,name=&lt;runtime name&gt;
 * </pre>
 * (the value is quoted with {@link javax.management.ObjectName#quote} only if it holds one of
 * the characters {@code , = : " * ? \n}). Registration happens when the runtime is built, the
 * global one when it is first used; {@link WorkqueueRuntime#close()} unregisters it. A failing
 * registration (e.g. a name taken by another runtime) is logged and does not affect the runtime.
 *
 * <p>Attributes: {@code Name}, {@code Cpus}, {@code LockupsReported}, {@code InternalErrors}, {@code WorkerCount},
 * {@code Workqueues} (an array of {@link WorkqueueInfo} composites) and {@code Pools} (an array
 * of {@link PoolInfo} composites); operation {@code dump()}. The kernel's counterpart is the
 * state {@code tools/workqueue/wq_dump.py} reads with drgn.
 *
 * <p>Writable at run time, as the kernel's module parameters under
 * {@code /sys/module/workqueue/parameters/}: {@code CpuIntensiveThresholdMicros}
 * ({@code cpu_intensive_thresh_us}), {@code WatchdogThresholdMillis} ({@code watchdog_thresh},
 * in milliseconds here, 0 = off) and {@code PowerEfficient} ({@code power_efficient}, for
 * workqueues allocated afterwards). A write is checked with the builder's rules and refused with
 * {@link IllegalArgumentException}. The freezer: operations {@code freeze()} and {@code thaw()},
 * attributes {@code Frozen} and {@code FreezeBusy}.
 */
public interface WorkqueueRuntimeMXBean {

    /** @return the runtime's name ({@link WorkqueueRuntime#name()}) */
    String getName();

    /** @return the number of CPUs */
    int getCpus();

    /** @return how many lockups the watchdog has reported */
    long getLockupsReported();

    /** @return {@link WorkqueueRuntime#internalErrors()}: failures the runtime caught and survived */
    long getInternalErrors();

    /** @return live worker threads over all pools */
    int getWorkerCount();

    /** @return a snapshot of every live workqueue, system ones first, in allocation order */
    WorkqueueInfo[] getWorkqueues();

    /** @return a snapshot of every worker pool, by id */
    PoolInfo[] getPools();

    /** @return {@link WorkqueueRuntime#dump()} */
    String dump();

    /** @return {@code cpu_intensive_thresh_us}: {@link WorkqueueRuntime#cpuIntensiveThreshold()} in microseconds */
    long getCpuIntensiveThresholdMicros();

    /**
     * {@link WorkqueueRuntime#setCpuIntensiveThreshold}.
     *
     * @param micros the threshold in microseconds, positive
     * @throws IllegalArgumentException if not positive
     */
    void setCpuIntensiveThresholdMicros(long micros);

    /** @return {@code watchdog_thresh}: {@link WorkqueueRuntime#watchdogThreshold()} in milliseconds, 0 = off */
    long getWatchdogThresholdMillis();

    /**
     * {@link WorkqueueRuntime#setWatchdogThreshold}.
     *
     * @param millis the threshold in milliseconds, 0 turns the watchdog off
     * @throws IllegalArgumentException if negative
     */
    void setWatchdogThresholdMillis(long millis);

    /** @return {@link WorkqueueRuntime#powerEfficient()} */
    boolean isPowerEfficient();

    /**
     * {@link WorkqueueRuntime#setPowerEfficient}: applies to workqueues allocated afterwards.
     *
     * @param enabled whether new {@code POWER_EFFICIENT} workqueues are unbound
     */
    void setPowerEfficient(boolean enabled);

    /** {@link WorkqueueRuntime#freeze()}. */
    void freeze();

    /** {@link WorkqueueRuntime#thaw()}. */
    void thaw();

    /** @return whether the runtime is frozen (between {@code freeze()} and {@code thaw()}) */
    boolean isFrozen();

    /** @return {@link WorkqueueRuntime#isFreezeBusy()} */
    boolean isFreezeBusy();
}
