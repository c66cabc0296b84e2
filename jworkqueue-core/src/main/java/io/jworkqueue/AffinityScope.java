package io.jworkqueue;

/**
 * The affinity scope of an unbound workqueue (Linux 6.5+): how the runtime's CPUs are grouped
 * into <em>pods</em>, each served by its own unbound worker pools. An item queued on an unbound
 * workqueue goes to a pool of the issuing CPU's pod, so it tends to run near the data the
 * issuer just touched. See SEMANTICS.md §11.
 */
public enum AffinityScope {
    /** The runtime's default scope ({@link WorkqueueRuntime.Builder#defaultAffinityScope}, itself {@link #CACHE} unless set). */
    DEFAULT,
    /** One pod per CPU. */
    CPU,
    /** One pod per physical core (its SMT siblings). */
    SMT,
    /** One pod per last-level-cache group (the kernel's default). */
    CACHE,
    /** One pod per NUMA node. */
    NUMA,
    /** One pod for all CPUs (the pre-6.5 behaviour). */
    SYSTEM;

    /** The name the kernel's sysfs file {@code affinity_scope} uses ({@code default}, {@code cpu}, ...). */
    public String sysfsName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    /**
     * Parses a sysfs name (case-insensitive).
     *
     * @throws NullPointerException if {@code name} is null
     * @throws IllegalArgumentException naming the value and the allowed ones
     */
    public static AffinityScope ofSysfsName(String name) {
        java.util.Objects.requireNonNull(name, "affinityScope");
        for (AffinityScope s : values()) {
            if (s.sysfsName().equalsIgnoreCase(name.strip())) {
                return s;
            }
        }
        throw new IllegalArgumentException("affinity scope '" + name
                + "' is not one of default, cpu, smt, cache, numa, system");
    }
}
