package io.jworkqueue.internal;

import java.util.BitSet;

/**
 * The resolved attributes of an unbound worker pool, the key under which {@link RuntimeCore}
 * shares pools between workqueues (the kernel's {@code unbound_pool_hash} over
 * {@code workqueue_attrs}): every workqueue whose attributes resolve to an equal key for a pod
 * uses the same pool. The bit sets are private copies, never modified.
 *
 * @param nice the nice value of the pool's workers (-20 for a highpri pool)
 * @param highpri whether the pool serves {@code HIGHPRI} workqueues ({@code H} in worker names)
 * @param podCpus the runtime CPUs of the pod (intersected with the workqueue's cpumask); the
 *     pool's concurrency target is their number
 * @param cpumask the workqueue's cpumask (every CPU when it names none)
 * @param strict {@code affinity_strict}: workers stay on the pod's CPUs
 */
record PoolAttrs(int nice, boolean highpri, BitSet podCpus, BitSet cpumask, boolean strict) {
    /** @return the CPUs a worker of this pool may run on: the pod if strict, else the workqueue's cpumask */
    BitSet pinCpus() {
        return strict ? podCpus : cpumask;
    }

    /**
     * The Java thread priority for a nice value. {@link Thread#NORM_PRIORITY} (5) is nice 0; each
     * 4 nice steps below 0 add one up to {@link Thread#MAX_PRIORITY} (nice -17..-20 give 10), each
     * 5 steps above 0 take one down to {@link Thread#MIN_PRIORITY} (nice 16..19 give 1). Java
     * priorities are hints the OS may ignore (Linux does without root), as nice is not.
     */
    static int threadPriority(int nice) {
        if (nice < 0) {
            return Math.min(Thread.MAX_PRIORITY, Thread.NORM_PRIORITY + (-nice + 3) / 4);
        }
        return Math.max(Thread.MIN_PRIORITY, Thread.NORM_PRIORITY - (nice + 4) / 5);
    }
}
