package io.jworkqueue.internal;

import java.util.BitSet;

/**
 * When workers are pinned, and how runtime CPUs map onto the OS CPUs the process may use: the
 * part of CPU pinning that needs no native call (the native part is {@link CpuAffinity}, one
 * version per JDK). Runtime CPU {@code i} is OS CPU {@code allowed[i % allowed.length]}, where
 * {@code allowed} lists the CPUs the process may run on in ascending order
 * ({@code sched_getaffinity}: a container's cpuset or {@code taskset} narrow it); a runtime with
 * more CPUs than that wraps around.
 */
final class CpuPinning {
    private CpuPinning() {}

    /**
     * Called by every worker thread of {@code pool} as it starts, before its first item: with
     * {@code pinWorkers}, a bound worker pins itself to its CPU and an unbound one to the runtime's
     * CPUs; otherwise the worker drops an affinity it may have inherited from a pinned thread.
     * Virtual threads are never pinned (that would pin their carrier). Never throws.
     */
    static void workerStarted(WorkerPool pool) {
        try {
            if (Thread.currentThread().isVirtual()) {
                return;
            }
            if (!pool.runtime.config().pinWorkers()) {
                CpuAffinity.unpinInherited();
                return;
            }
            BitSet cpus;
            if (pool.isUnbound()) {
                cpus = pool.attrs.pinCpus(); // the pod if strict, else the workqueue's cpumask
            } else {
                cpus = new BitSet();
                cpus.set(pool.cpu);
            }
            CpuAffinity.pinCurrentThread(cpus);
        } catch (Throwable t) {
            pool.runtime.internalError("pinning a worker", t); // CpuAffinity contains its own failures
        }
    }

    /**
     * Called by the runtime's other threads (timer, concurrency monitor, rescuers) as they start:
     * they drop an affinity inherited from a pinned worker that started them. Never throws.
     */
    static void internalThreadStarted() {
        try {
            CpuAffinity.unpinInherited();
        } catch (Throwable t) {
            // unpinInherited contains its own failures; this is a CpuAffinity that cannot even be
            // loaded (a LinkageError): the thread keeps the CPUs it inherited and does its work
        }
    }

    /**
     * The OS CPUs that {@code runtimeCpus} map onto.
     *
     * @param allowed the OS CPUs the process may use, ascending; empty: none known, the result is empty
     */
    static BitSet osCpus(BitSet runtimeCpus, int[] allowed) {
        BitSet os = new BitSet();
        if (allowed.length == 0) {
            return os;
        }
        for (int i = runtimeCpus.nextSetBit(0); i >= 0; i = runtimeCpus.nextSetBit(i + 1)) {
            os.set(allowed[i % allowed.length]);
        }
        return os;
    }

    /** @return the ascending CPU numbers as a set */
    static BitSet set(int[] cpus) {
        BitSet s = new BitSet();
        for (int c : cpus) {
            s.set(c);
        }
        return s;
    }

    /**
     * The runtime's pinning, one line for {@code WorkqueueRuntime.dump()}: {@code pinning: off},
     * {@code pinning: unsupported: <why>} or {@code pinning: on (cpus 0-1 of the process's 0-3)}
     * (the OS CPUs the runtime's CPUs map onto, of those the process may use), followed by the
     * last failure of a pin if there was one. Touches nothing native when pinning is off.
     */
    static String dumpLine(RuntimeConfig config) {
        if (!config.pinWorkers()) {
            return "pinning: off";
        }
        if (!CpuAffinity.supported()) {
            return "pinning: unsupported: " + CpuAffinity.status();
        }
        int[] allowed = CpuAffinity.allowedCpus();
        BitSet all = new BitSet();
        all.set(0, config.cpus());
        String line = "pinning: on (cpus " + CpuList.format(osCpus(all, allowed)) + " of the process's " + CpuList.format(set(allowed)) + ")";
        String failure = CpuAffinity.lastFailure();
        return failure == null ? line : line + "; last failure: " + failure;
    }
}
