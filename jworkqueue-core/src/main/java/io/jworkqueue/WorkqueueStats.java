package io.jworkqueue;

/**
 * A snapshot of one workqueue's counters, summed over its pool workqueues: the per-pwq
 * statistics of the kernel that {@code tools/workqueue/wq_monitor.py} prints. Each counter only
 * grows; compare two snapshots for rates.
 *
 * @param name the workqueue's name
 * @param started items started ({@code wq_monitor} column {@code total})
 * @param completed items finished, normally or by throwing; {@code started - completed} is
 *     the number in flight ({@code infl})
 * @param cpuTimeNanos CPU time consumed by items, in nanoseconds ({@code CPUtime}). Items run by
 *     virtual workers (the virtual-thread mode, {@code virtualUnboundWorkers}) are charged
 *     <em>wall time</em>, blocked time included: a virtual thread has no CPU clock
 * @param cpuIntensive items detected as CPU hogs ({@code CPUitsv}): on bound workqueues by CPU
 *     time; in the virtual-thread mode also items whose virtual worker was seen holding its
 *     carrier past {@code cpu_intensive_thresh} of wall time while other items waited
 *     (CPU-bound, or blocked while pinned)
 * @param cmWakeups concurrency-management wake-ups: another worker woken because a running one
 *     blocked ({@code CMW/RPR} for bound workqueues); in the virtual-thread mode, the platform
 *     relief workers started because this workqueue's waiting items found no free carrier
 * @param repatriated unbound workers moved back into their pod ({@code CMW/RPR} for unbound)
 * @param maydays maydays sent to the rescuer ({@code mayday}, {@code MEM_RECLAIM} only)
 * @param rescued items run by the rescuer ({@code rescued}, {@code MEM_RECLAIM} only)
 */
public record WorkqueueStats(
        String name,
        long started,
        long completed,
        long cpuTimeNanos,
        long cpuIntensive,
        long cmWakeups,
        long repatriated,
        long maydays,
        long rescued) {

    /** @return items started but not yet finished ({@code infl}) */
    public long inFlight() {
        return started - completed;
    }
}
