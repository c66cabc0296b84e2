package io.jworkqueue.internal;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;

/**
 * The runtime's unbound worker pools: the kernel's {@code unbound_pool_hash}, one pool per
 * distinct resolved attributes ({@link PoolAttrs}: nice, pod, cpumask, strict, highpri), shared
 * by every workqueue whose pods resolve to them and refcounted by their pwqs, and
 * {@code wq_calc_pod_cpumask}, which resolves a workqueue's attributes to those keys.
 */
final class UnboundPools {
    private final RuntimeCore runtime; // I
    /** Guarded by itself, a leaf lock ({@code poolTable:} in the runtime's terms). */
    private final java.util.Map<PoolAttrs, WorkerPool> table = new java.util.HashMap<>();
    /** table: the id of the next unbound pool (ids are not reused). */
    private int nextPoolId;
    /** The live unbound pools, by id (replaced under table). */
    private volatile WorkerPool[] live = new WorkerPool[0];
    /** table: threads of retired unbound pools that may still be exiting, for close to wait for. */
    private final List<Thread> exiting = new ArrayList<>();

    /** @param firstId the id of the first unbound pool (after the bound ones) */
    UnboundPools(RuntimeCore runtime, int firstId) {
        this.runtime = runtime;
        this.nextPoolId = firstId;
    }

    /** @return the live unbound pools, by id (the array itself: do not modify) */
    WorkerPool[] live() {
        return live;
    }

    /** @return the threads of retired pools that may still be exiting, handed over once (for close) */
    List<Thread> takeExiting() {
        synchronized (table) {
            List<Thread> l = new ArrayList<>(exiting);
            exiting.clear();
            return l;
        }
    }

    /**
     * {@code wq_calc_pod_cpumask} for every CPU: the resolved pool attributes of the pod that
     * serves it. The pods are the topology's for the scope ({@link io.jworkqueue.AffinityScope#DEFAULT}:
     * the runtime's default), each intersected with the workqueue's cpumask; a pod left empty
     * falls back to the whole cpumask, as in the kernel. An ordered workqueue has one pool over
     * its cpumask (the kernel's {@code dfl_pwq}). CPUs of one pod share one (equal) key.
     */
    PoolAttrs[] resolve(io.jworkqueue.WorkqueueAttrs a, boolean highpri, boolean ordered) {
        int cpus = runtime.cpus();
        BitSet mask = a.cpus();
        if (mask.isEmpty()) {
            mask.set(0, cpus);
        }
        int nice = highpri ? io.jworkqueue.WorkqueueAttrs.MIN_NICE : a.nice();
        PoolAttrs[] out = new PoolAttrs[cpus];
        if (ordered) {
            java.util.Arrays.fill(out, new PoolAttrs(nice, highpri, mask, mask, a.affinityStrict()));
            return out;
        }
        io.jworkqueue.AffinityScope scope = a.affinityScope() == io.jworkqueue.AffinityScope.DEFAULT
                ? runtime.config().defaultScope() : a.affinityScope();
        List<BitSet> pods = runtime.config().topology().pods(scope);
        int[] podOf = runtime.config().topology().podOfCpu(scope);
        PoolAttrs[] perPod = new PoolAttrs[pods.size()];
        for (int cpu = 0; cpu < cpus; cpu++) {
            int p = podOf[cpu];
            if (perPod[p] == null) {
                BitSet pod = (BitSet) pods.get(p).clone();
                pod.and(mask);
                perPod[p] = new PoolAttrs(nice, highpri, pod.isEmpty() ? mask : pod, mask, a.affinityStrict());
            }
            out[cpu] = perPod[p];
        }
        return out;
    }

    /** {@code get_unbound_pool}: the pool for {@code attrs}, made if none exists; the caller holds a reference. */
    WorkerPool get(PoolAttrs attrs) {
        synchronized (table) {
            WorkerPool p = table.get(attrs);
            if (p == null) {
                p = WorkerPool.unbound(runtime, nextPoolId++, attrs);
                table.put(attrs, p);
                publish();
            }
            p.refs++;
            return p;
        }
    }

    /**
     * {@code put_unbound_pool}: drops a reference; the last one retires the pool at once (its
     * idle workers exit now, a busy one when its item returns; see DESIGN.md, Unbound pools).
     * Only the pool's own lock may be held by the caller.
     */
    void put(WorkerPool pool) {
        synchronized (table) {
            if (--pool.refs > 0) {
                return;
            }
            table.remove(pool.attrs);
            publish();
        }
        List<Thread> threads = PoolShutdown.retire(pool);
        synchronized (table) {
            exiting.removeIf(t -> !t.isAlive());
            exiting.addAll(threads);
        }
    }

    private void publish() { // table held
        WorkerPool[] a = table.values().toArray(new WorkerPool[0]);
        java.util.Arrays.sort(a, java.util.Comparator.comparingInt(p -> p.id));
        live = a;
    }
}
