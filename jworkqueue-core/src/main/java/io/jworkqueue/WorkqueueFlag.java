package io.jworkqueue;

/**
 * Workqueue flags, the kernel's {@code WQ_*} values. A workqueue's flags are fixed when it is
 * allocated. {@code WQ_BH} (softirq execution) has no JVM equivalent and is not offered.
 */
public enum WorkqueueFlag {
    /**
     * {@code WQ_UNBOUND}: served by unbound pools without concurrency management. Items start as
     * soon as possible, bounded only by {@code maxActive}, which is system-wide rather than per
     * CPU. For long or CPU-heavy items and for widely varying concurrency.
     */
    UNBOUND,
    /**
     * {@code WQ_FREEZABLE}: takes part in {@link WorkqueueRuntime#freeze()}: running items
     * finish, queued ones wait until {@link WorkqueueRuntime#thaw()}.
     */
    FREEZABLE,
    /**
     * {@code WQ_MEM_RECLAIM}: guarantees forward progress when no new worker thread can be
     * created, by reserving a rescuer thread for the workqueue.
     */
    MEM_RECLAIM,
    /**
     * {@code WQ_PERCPU} (Linux 6.17+): explicitly per-CPU (bound), the default when neither this
     * nor {@link #UNBOUND} is given; keeps a {@link #POWER_EFFICIENT} workqueue bound even when
     * the runtime is power-efficient. Refused together with {@link #UNBOUND} and on ordered
     * workqueues (which are unbound).
     */
    PERCPU,
    /** {@code WQ_HIGHPRI}: served by the high-priority pools, whose threads run at maximum priority. */
    HIGHPRI,
    /**
     * {@code WQ_CPU_INTENSIVE}: running items do not count toward the pool's concurrency level,
     * so they do not hold back other items; their start is still governed by it. Meaningless
     * together with {@link #UNBOUND}.
     */
    CPU_INTENSIVE,
    /** {@code WQ_SYSFS}: kernel sysfs visibility; on the JVM a JMX MBean for the workqueue. */
    SYSFS,
    /**
     * {@code WQ_POWER_EFFICIENT}: per-CPU unless the runtime was built with
     * {@link WorkqueueRuntime.Builder#powerEfficient(boolean) powerEfficient(true)}, then unbound.
     */
    POWER_EFFICIENT
}
