package io.jworkqueue;

import java.util.Arrays;
import javax.management.ConstructorParameters;

/**
 * A snapshot of one workqueue: its configuration, its current load and its statistics
 * counters, as {@code tools/workqueue/wq_dump.py} and {@code wq_monitor.py} read them from the
 * kernel. Returned by {@link WorkqueueRuntime#workqueueInfos()} and, as JMX composite data with
 * the same item names, by the {@code Workqueues} attribute of {@link WorkqueueRuntimeMXBean}.
 *
 * <p>The counters are the ones of {@link WorkqueueStats}, summed over the workqueue's pool
 * workqueues. The load figures ({@code nrActive}, {@code nrInactive}) are read pool by pool and
 * are not one atomic picture of the whole workqueue.
 */
public final class WorkqueueInfo {
    private final String name;
    private final String flags;
    private final int maxActive;
    private final boolean unbound;
    private final boolean ordered;
    private final int nrActive;
    private final int nrInactive;
    private final long started;
    private final long completed;
    private final long cpuTimeNanos;
    private final long cpuIntensive;
    private final long cmWakeups;
    private final long repatriated;
    private final long maydays;
    private final long rescued;
    private final String rescuer;
    private final int[] pools;
    private final String attrs;

    /**
     * Creates a snapshot; used by the runtime and by the JMX framework when it rebuilds one
     * from composite data.
     *
     * @param name the workqueue's name
     * @param flags its flags, comma-separated names in {@link WorkqueueFlag} order, empty if none
     * @param maxActive its current {@code max_active}
     * @param unbound whether it is served by the unbound pools
     * @param ordered whether it is ordered
     * @param nrActive active items (on a worklist or running)
     * @param nrInactive items waiting for {@code max_active}
     * @param started items started
     * @param completed items finished
     * @param cpuTimeNanos CPU time consumed by items (wall time for virtual workers: see {@link WorkqueueStats})
     * @param cpuIntensive items detected as CPU hogs (and virtual workers holding their carrier: see {@link WorkqueueStats})
     * @param cmWakeups concurrency-management wake-ups (and relief workers started: see {@link WorkqueueStats})
     * @param repatriated unbound workers moved back into their pod
     * @param maydays maydays sent to the rescuer
     * @param rescued items run by the rescuer
     * @param rescuer the rescuer thread's name, empty if it has none
     * @param pools for each CPU, the id of the pool serving it; for an unbound workqueue the pool of
     *     each of its pwqs (one per pod, oldest first: pwqs replaced by {@code applyAttrs} stay
     *     until they drain)
     * @param attrs an unbound workqueue's attributes as {@link WorkqueueAttrs#toString()} renders
     *     them ({@code nice=0 cpus=all scope=default strict=0}), empty for a bound one
     */
    @ConstructorParameters({"name", "flags", "maxActive", "unbound", "ordered", "nrActive", "nrInactive",
            "started", "completed", "cpuTimeNanos", "cpuIntensive", "cmWakeups", "repatriated", "maydays",
            "rescued", "rescuer", "pools", "attrs"})
    public WorkqueueInfo(String name, String flags, int maxActive, boolean unbound, boolean ordered,
            int nrActive, int nrInactive, long started, long completed, long cpuTimeNanos, long cpuIntensive,
            long cmWakeups, long repatriated, long maydays, long rescued, String rescuer, int[] pools,
            String attrs) {
        this.name = name;
        this.flags = flags;
        this.maxActive = maxActive;
        this.unbound = unbound;
        this.ordered = ordered;
        this.nrActive = nrActive;
        this.nrInactive = nrInactive;
        this.started = started;
        this.completed = completed;
        this.cpuTimeNanos = cpuTimeNanos;
        this.cpuIntensive = cpuIntensive;
        this.cmWakeups = cmWakeups;
        this.repatriated = repatriated;
        this.maydays = maydays;
        this.rescued = rescued;
        this.rescuer = rescuer;
        this.pools = pools == null ? new int[0] : pools.clone();
        this.attrs = attrs == null ? "" : attrs;
    }

    /**
     * A snapshot without attributes (as before they existed): {@link #getAttrs()} is empty.
     *
     * @see #WorkqueueInfo(String, String, int, boolean, boolean, int, int, long, long, long, long,
     *     long, long, long, long, String, int[], String)
     */
    public WorkqueueInfo(String name, String flags, int maxActive, boolean unbound, boolean ordered,
            int nrActive, int nrInactive, long started, long completed, long cpuTimeNanos, long cpuIntensive,
            long cmWakeups, long repatriated, long maydays, long rescued, String rescuer, int[] pools) {
        this(name, flags, maxActive, unbound, ordered, nrActive, nrInactive, started, completed, cpuTimeNanos,
                cpuIntensive, cmWakeups, repatriated, maydays, rescued, rescuer, pools, "");
    }

    /** @return the workqueue's name */
    public String getName() { return name; }
    /** @return its flags, comma-separated (e.g. {@code "UNBOUND,FREEZABLE"}), empty if none */
    public String getFlags() { return flags; }
    /** @return its current {@code max_active} (per CPU if bound, system-wide if unbound) */
    public int getMaxActive() { return maxActive; }
    /** @return true if the unbound pools serve it */
    public boolean isUnbound() { return unbound; }
    /** @return true for an ordered workqueue */
    public boolean isOrdered() { return ordered; }
    /** @return active items: on a pool's worklist or running */
    public int getNrActive() { return nrActive; }
    /** @return items waiting on inactive lists for {@code max_active} (or the freezer) */
    public int getNrInactive() { return nrInactive; }
    /** @return items started ({@code wq_monitor}: {@code total}) */
    public long getStarted() { return started; }
    /** @return items finished */
    public long getCompleted() { return completed; }
    /** @return CPU time consumed by items, in nanoseconds */
    public long getCpuTimeNanos() { return cpuTimeNanos; }
    /** @return items detected as CPU hogs */
    public long getCpuIntensive() { return cpuIntensive; }
    /** @return concurrency-management wake-ups */
    public long getCmWakeups() { return cmWakeups; }
    /** @return unbound workers moved back into their pod */
    public long getRepatriated() { return repatriated; }
    /** @return maydays sent to the rescuer */
    public long getMaydays() { return maydays; }
    /** @return items run by the rescuer */
    public long getRescued() { return rescued; }
    /** @return the rescuer thread's name ({@code kworker/R-<name>}), empty if it has none */
    public String getRescuer() { return rescuer; }
    /** @return for each CPU the id of the pool serving it; for an unbound workqueue the pool of each linked pwq, one per pod, oldest first (pwqs replaced by applyAttrs stay until they drain) */
    public int[] getPools() { return pools.clone(); }
    /**
     * @return an unbound workqueue's attributes ({@link Workqueue#attrs()}) rendered as
     *     {@code nice=0 cpus=all scope=default strict=0}; empty for a bound workqueue
     */
    public String getAttrs() { return attrs; }

    /** @return the counters as a {@link WorkqueueStats} */
    public WorkqueueStats stats() {
        return new WorkqueueStats(name, started, completed, cpuTimeNanos, cpuIntensive, cmWakeups, repatriated, maydays, rescued);
    }

    @Override
    public String toString() {
        return "WorkqueueInfo[" + name + ", flags=" + flags + ", maxActive=" + maxActive
                + (unbound ? ", unbound" : "") + (ordered ? ", ordered" : "")
                + ", active=" + nrActive + ", inactive=" + nrInactive
                + ", started=" + started + ", completed=" + completed
                + (rescuer.isEmpty() ? "" : ", rescuer=" + rescuer)
                + ", pools=" + Arrays.toString(pools) + (attrs.isEmpty() ? "" : ", attrs=" + attrs) + "]";
    }
}
