package io.jworkqueue.internal;

/**
 * A virtual pool's relief from carrier stalls.
 *
 * <p>In the virtual-thread mode ({@code virtualUnboundWorkers}) the unbound pools are built
 * {@link WorkerPool#virtual}: their workers are virtual threads, which the JDK's scheduler
 * unmounts when they block, so they are never counted in nr_running and max_active is the only
 * limit. A kick that finds no idle worker creates one itself (a virtual thread costs about as
 * much as a queue node): there is no manager round-trip. A virtual worker that keeps its carrier
 * (blocked while pinned, or CPU-bound: there is no preemption) stalls the items behind it; the
 * monitor watches a virtual pool while items wait on its worklist
 * ({@link PoolSampler#sampleVirtual}) and, when none has started for
 * {@code cpu_intensive_thresh}, runs them on a platform <em>relief</em> worker ({@link #relieve})
 * that leaves when the worklist is empty. See docs/DESIGN.md, Virtual-thread mode.
 *
 * <p>Static helpers taking the pool, whose lock (L) the caller holds; the watch's state is the
 * pool's ({@code watched}, {@code stallObserved}, {@code stallSince}, {@code emptySince},
 * {@code nrRelief}).
 */
final class PoolVirtual {
    private PoolVirtual() {}

    /**
     * Items wait on this virtual pool's worklist (L, from {@link WorkerPool#kick()}): have the
     * monitor watch it, once per watch. Watching lingers after the worklist empties
     * ({@link PoolSampler#sampleVirtual}), so a steady stream of items asks the monitor at most
     * once per linger, not once per item.
     */
    static void watch(WorkerPool p) {
        // Asked again if the monitor is not sampling after all (it could not be started).
        if ((!p.watched || !p.runtime.monitor().isActive()) && !p.closing) {
            p.watched = true;
            p.requestWatch();
        }
    }

    /**
     * The body of a platform relief worker of a virtual pool (L): runs the worklist as any
     * worker does, woken virtual workers taking their share as soon as they get a carrier, and
     * leaves the pool when the worklist is empty (or the pool retires it).
     */
    static void relieve(WorkerPool p, Worker w) {
        while ((w.flags & Worker.DIE) == 0 && !p.worklistEmpty()) {
            p.runWorklist(w);
        }
        PoolWorkers.destroyWorker(p, w);
    }
}
