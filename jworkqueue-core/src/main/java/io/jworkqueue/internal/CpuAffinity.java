package io.jworkqueue.internal;

import java.util.BitSet;

/**
 * Pins the calling thread to a set of runtime CPUs with the operating system, where supported
 * ({@code sched_setaffinity} on Linux through the FFM API, JDK 22+). This base version, used on
 * JDK 21 and where pinning is unavailable, pins nothing.
 */
final class CpuAffinity {
    private CpuAffinity() {}

    /** @return whether pinning works here */
    static boolean supported() {
        return false;
    }

    /** @return why pinning is (not) available, for dumps */
    static String status() {
        return "not supported (needs Linux and JDK 22+)";
    }

    /**
     * Pins the calling thread to the OS CPUs that {@code runtimeCpus} map onto.
     *
     * @return true if the thread is now pinned
     */
    static boolean pinCurrentThread(BitSet runtimeCpus) {
        return false;
    }
}
