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
