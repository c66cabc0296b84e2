package io.jworkqueue.internal;

import java.util.BitSet;

/**
 * Pins the calling thread to a set of runtime CPUs with the operating system, where supported
 * ({@code sched_setaffinity} on Linux through the FFM API, JDK 22+:
 * {@code src/main/java22/io/jworkqueue/internal/CpuAffinity.java}, loaded from
 * {@code META-INF/versions/22} of the multi-release jar). This base version, used on JDK 21 and
 * wherever the versioned class is not loaded, pins nothing. Both versions have exactly these
 * methods; what they share lives in {@link CpuPinning}.
 */
final class CpuAffinity {
    private CpuAffinity() {}

    /** @return whether pinning works here */
    static boolean supported() {
        return false;
    }

    /** @return why pinning is not available (for dumps), or {@code "supported"} */
    static String status() {
        return Runtime.version().feature() >= 22
                ? "the JDK 22 classes of the multi-release jar are not in use (jworkqueue-core was loaded"
                        + " from a directory, not a jar, or jdk.util.jar.enableMultiRelease=false)"
                : "needs JDK 22 or newer (the FFM API); this JVM is Java " + Runtime.version().feature();
    }

    /** @return the OS CPUs this process may run on, ascending; empty where unknown */
    static int[] allowedCpus() {
        return new int[0];
    }

    /** @return the last failure of a pin (for dumps), or null */
    static String lastFailure() {
        return null;
    }

    /**
     * Pins the calling platform thread to the OS CPUs that {@code runtimeCpus} map onto
     * ({@link CpuPinning#osCpus}). Never throws.
     *
     * @return true if the thread is now pinned
     */
    static boolean pinCurrentThread(BitSet runtimeCpus) {
        return false;
    }

    /**
     * Gives the calling platform thread all the CPUs the process may use again, if any thread of
     * this JVM was pinned (a thread inherits the affinity of the thread that started it). Never
     * throws; touches nothing native when nothing was pinned.
     */
    static void unpinInherited() {
    }
}
