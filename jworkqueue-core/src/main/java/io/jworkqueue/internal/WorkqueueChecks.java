package io.jworkqueue.internal;

import io.jworkqueue.Work;

/**
 * The argument and state checks of a workqueue's calls and the messages they fail with: each
 * names the workqueue, the value and the allowed range, or the state that forbids the call.
 */
final class WorkqueueChecks {
    private WorkqueueChecks() {}

    /** Fails unless {@code cpu} is one of the runtime's CPUs. */
    static void cpu(WorkqueueImpl wq, int cpu) {
        int n = wq.runtime.cpus();
        if (cpu < 0 || cpu >= n) {
            throw new IllegalArgumentException("workqueue '" + wq.name() + "': cpu " + cpu
                    + " is out of range [0, " + (n - 1) + "]");
        }
    }

    /** Fails unless {@code maxActive} lies in [0, {@code WQ_MAX_ACTIVE}] (0: the default). */
    static void maxActive(String wq, int maxActive) {
        if (maxActive < 0 || maxActive > WorkqueueImpl.MAX_ACTIVE) {
            throw new IllegalArgumentException("workqueue '" + wq + "': maxActive " + maxActive
                    + " is out of range [0, " + WorkqueueImpl.MAX_ACTIVE + "] (0 = default "
                    + WorkqueueImpl.DFL_ACTIVE + ")");
        }
    }

    /** Fails if new attributes name a CPU the runtime does not have. */
    static void attrsCpus(WorkqueueImpl wq, java.util.BitSet cpus) {
        int n = wq.runtime.cpus();
        if (cpus.length() > n) {
            throw new IllegalArgumentException("workqueue '" + wq.name() + "': attrs name CPU " + (cpus.length() - 1)
                    + "; the runtime has CPUs [0, " + (n - 1) + "]");
        }
    }

    /** @return the failure of a call the workqueue's state forbids: "workqueue 'name' {@code what}" */
    static IllegalStateException state(String wq, String what) {
        return new IllegalStateException("workqueue '" + wq + "' " + what);
    }

    /** @return the failure of a queue call the workqueue refuses (destroyed, else draining) */
    static IllegalStateException refusal(String wq, boolean destroyed, Work w) {
        if (destroyed) {
            return state(wq, "is destroyed; cannot queue " + w);
        }
        return state(wq, "is draining; only its own items may queue to it, not " + w);
    }

    /** {@code is_chained_work}: whether the calling thread runs an item of {@code wq}. */
    static boolean isChainedFromCurrent(WorkqueueImpl wq) {
        Worker w = Worker.current();
        return w != null && w.currentPwq != null && w.currentPwq.wq == wq;
    }

    /** Throws if the calling thread runs one of {@code wq}'s items (it would wait for itself). */
    static void notOwnItem(WorkqueueImpl wq, String what) {
        Worker w = Worker.current();
        if (w != null && w.currentPwq != null && w.currentPwq.wq == wq) {
            throw new IllegalStateException(what + " of workqueue '" + wq.name() + "' from its own item "
                    + w.currentWork + " would deadlock");
        }
    }
}
