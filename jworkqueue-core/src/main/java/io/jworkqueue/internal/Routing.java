package io.jworkqueue.internal;

/**
 * Which pwq of a workqueue a queue call goes to: the kernel's per-CPU {@code cpu_pwq} table and,
 * for an unbound workqueue, the pod each CPU belongs to (with lending to an idle neighbour pod).
 * Immutable; a workqueue replaces its routing as a whole when {@code applyAttrs} links new pwqs.
 *
 * @param byCpu one entry per runtime CPU, or a single one when one pwq serves them all
 * @param pods each distinct pwq once
 * @param lend a busy pod's queue calls may go to an idle neighbour (more than one pod, not strict)
 */
record Routing(PoolWorkqueue[] byCpu, PoolWorkqueue[] pods, boolean lend) {

    /** A bound workqueue's routing: one pwq per CPU, no lending. */
    static Routing perCpu(PoolWorkqueue[] perCpu) {
        return new Routing(perCpu, perCpu, false);
    }

    /**
     * {@code apply_wqattrs_prepare}: the pwqs of unbound workqueue {@code wq} for {@code a}, one
     * per pod (pools shared through the runtime's table), not yet linked.
     */
    static Routing unbound(WorkqueueImpl wq, io.jworkqueue.WorkqueueAttrs a, boolean highpri, boolean ordered,
                           int limit, boolean plugged) {
        RuntimeCore runtime = wq.runtime;
        PoolAttrs[] keys = runtime.unbound().resolve(a, highpri, ordered);
        java.util.Map<PoolAttrs, PoolWorkqueue> made = new java.util.LinkedHashMap<>();
        PoolWorkqueue[] byCpu = new PoolWorkqueue[keys.length];
        for (int cpu = 0; cpu < keys.length; cpu++) {
            byCpu[cpu] = made.computeIfAbsent(keys[cpu],
                    k -> new PoolWorkqueue(runtime.unbound().get(k), wq, limit, wq.budget, plugged));
        }
        PoolWorkqueue[] pods = made.values().toArray(new PoolWorkqueue[0]);
        if (pods.length == 1) {
            byCpu = pods;
        }
        return new Routing(byCpu, pods, !ordered && !a.affinityStrict() && pods.length > 1);
    }

    /** The pwq serving {@code cpu} (-1: {@code currentCpu}); for an unbound workqueue, that CPU's pod's. */
    PoolWorkqueue pwqFor(int cpu, RuntimeCore runtime) {
        if (byCpu.length == 1) {
            return byCpu[0];
        }
        return byCpu[cpu >= 0 ? cpu : runtime.currentCpu()];
    }

    /**
     * The pwq a queue call for {@code cpu} (-1: the current CPU) links to: {@link #pwqFor}, or,
     * for an unbound workqueue whose pods are not strict, a neighbour pod's pwq when that CPU's
     * pod is busy (its worklist waits and it cannot start another item) and the neighbour could
     * start the item at once. The look at the pools is a racy read without their locks: a hint.
     */
    PoolWorkqueue pwqForQueue(int cpu, RuntimeCore runtime) {
        if (byCpu.length == 1) {
            return byCpu[0];
        }
        PoolWorkqueue p = byCpu[cpu >= 0 ? cpu : runtime.currentCpu()];
        return lend ? lend(p, pods) : p;
    }

    private static PoolWorkqueue lend(PoolWorkqueue p, PoolWorkqueue[] pods) {
        WorkerPool home = p.pool;
        if (!PoolInbox.hasWaiting(home) || (home.nrIdle > 0 && home.nrRunning < home.target)) {
            return p; // it can start the item itself
        }
        for (PoolWorkqueue q : pods) {
            WorkerPool o = q.pool;
            if (o != home && !PoolInbox.hasWaiting(o) && o.nrRunning < o.target && (o.nrIdle > 0 || o.nrWorkers == 0)) {
                return q;
            }
        }
        return p;
    }
}
