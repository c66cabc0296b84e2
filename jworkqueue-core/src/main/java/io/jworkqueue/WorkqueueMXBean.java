package io.jworkqueue;

/**
 * The JMX view of one workqueue allocated with {@link WorkqueueFlag#SYSFS}, the counterpart of
 * the kernel's {@code /sys/devices/virtual/workqueue/<name>/}. Registered on the platform MBean
 * server when the workqueue is allocated, as
 * <pre>
 *   io.jworkqueue:type=Workqueue,runtime=&lt;runtime name&gt;,name=&lt;workqueue name&gt;
 * </pre>
 * (workqueue names need not be unique: a taken name gets {@code #2}, {@code #3}, ... appended),
 * and unregistered when it is destroyed.
 *
 * <p>{@code MaxActive} is writable like the sysfs file {@code max_active}; writes go through
 * {@link Workqueue#setMaxActive(int)}, so an out-of-range value or an ordered workqueue fails the
 * write with that method's exception. {@code PerCpu} is the read-only {@code per_cpu}.
 *
 * <p>The attributes of an unbound workqueue ({@link WorkqueueAttrs}) are writable like the sysfs
 * files of the same names: {@code Cpumask} ({@code cpumask}, here a Linux CPU list of runtime
 * CPUs such as {@code 0-3,6}), {@code Nice} ({@code nice}), {@code AffinityScope}
 * ({@code affinity_scope}) and {@code AffinityStrict} ({@code affinity_strict}). A write changes
 * that one field of the current {@link Workqueue#attrs()} and applies the result with
 * {@link Workqueue#applyAttrs(WorkqueueAttrs)}; a bad value fails the write with
 * {@link IllegalArgumentException}, a bound or destroyed workqueue with
 * {@link IllegalStateException}, each naming the workqueue and the value. A bound workqueue has
 * none of these files in the kernel; so that a JMX console can list every attribute, reading them
 * there gives the neutral {@code ""}, {@code 0}, {@code ""} and {@code false}, while writing them
 * fails.
 */
public interface WorkqueueMXBean {

    /** @return the workqueue's name */
    String getName();

    /** @return its flags, comma-separated names (e.g. {@code "SYSFS,UNBOUND"}), empty if none */
    String getFlags();

    /** @return true for an ordered workqueue */
    boolean isOrdered();

    /** @return true for a bound (per-CPU) workqueue: sysfs {@code per_cpu} */
    boolean isPerCpu();

    /** @return the current {@code max_active} */
    int getMaxActive();

    /**
     * Sets {@code max_active} through {@link Workqueue#setMaxActive(int)}.
     *
     * @param maxActive {@code 1..2048}, or 0 for the default
     * @throws IllegalArgumentException if out of range
     * @throws IllegalStateException for an ordered or destroyed workqueue
     */
    void setMaxActive(int maxActive);

    /**
     * @return sysfs {@code cpumask}: the runtime CPUs the unbound workqueue may use as a CPU list
     *     ({@code 0-3,6}), {@code "all"} when not restricted; {@code ""} for a bound workqueue
     */
    String getCpumask();

    /**
     * Restricts the workqueue to some of the runtime's CPUs ({@link WorkqueueAttrs.Builder#cpus}).
     *
     * @param cpus a Linux CPU list ({@code 0-3,8}); {@code ""} or {@code "all"} for every CPU
     * @throws IllegalArgumentException if it is not a CPU list or names a CPU the runtime lacks
     * @throws IllegalStateException for a bound or destroyed workqueue
     */
    void setCpumask(String cpus);

    /** @return sysfs {@code nice}: the nice value of the workers; 0 for a bound workqueue */
    int getNice();

    /**
     * Sets the nice value of the workers ({@link WorkqueueAttrs.Builder#nice}).
     *
     * @param nice {@value WorkqueueAttrs#MIN_NICE}..{@value WorkqueueAttrs#MAX_NICE}
     * @throws IllegalArgumentException if out of range
     * @throws IllegalStateException for a bound or destroyed workqueue
     */
    void setNice(int nice);

    /**
     * @return sysfs {@code affinity_scope}: {@code default}, {@code cpu}, {@code smt},
     *     {@code cache}, {@code numa} or {@code system} ({@link AffinityScope#sysfsName()});
     *     {@code ""} for a bound workqueue
     */
    String getAffinityScope();

    /**
     * Sets the affinity scope ({@link WorkqueueAttrs.Builder#affinityScope}).
     *
     * @param scope a sysfs name, case-insensitive ({@link AffinityScope#ofSysfsName})
     * @throws IllegalArgumentException if it names no scope
     * @throws IllegalStateException for a bound or destroyed workqueue
     */
    void setAffinityScope(String scope);

    /** @return sysfs {@code affinity_strict}; false for a bound workqueue */
    boolean isAffinityStrict();

    /**
     * Sets whether the workers stay strictly inside their pod ({@link WorkqueueAttrs.Builder#affinityStrict}).
     *
     * @param strict the new value
     * @throws IllegalStateException for a bound or destroyed workqueue
     */
    void setAffinityStrict(boolean strict);

    /** @return active items */
    int getNrActive();

    /** @return items waiting for {@code max_active} */
    int getNrInactive();

    /** @return items started */
    long getStarted();

    /** @return items finished */
    long getCompleted();

    /** @return CPU time consumed by items, nanoseconds */
    long getCpuTimeNanos();

    /** @return items detected as CPU hogs */
    long getCpuIntensive();

    /** @return concurrency-management wake-ups */
    long getCmWakeups();

    /** @return unbound workers moved back into their pod */
    long getRepatriated();

    /** @return maydays sent to the rescuer */
    long getMaydays();

    /** @return items run by the rescuer */
    long getRescued();
}
