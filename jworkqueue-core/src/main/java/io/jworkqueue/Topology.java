package io.jworkqueue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The CPU topology a runtime groups its CPUs by: for each runtime CPU, its physical core (SMT
 * siblings share one), its last-level-cache group and its NUMA node. {@link #pods(AffinityScope)}
 * turns it into the pods of an {@linkplain AffinityScope affinity scope}. Immutable.
 *
 * <p>A runtime reads it from {@code /sys/devices/system/cpu} on Linux ({@link #detect()}); tests and
 * unusual deployments supply one with {@link WorkqueueRuntime.Builder#topology(Topology)}, built
 * with {@link #model}, {@link #flat} or {@link #read(Path)} of a recorded sysfs tree.
 */
public final class Topology {
    private final int[] core;
    private final int[] llc;
    private final int[] node;

    /** Takes the arrays as they are: ids already numbered in order of first appearance ({@link #dense}). */
    private Topology(int[] core, int[] llc, int[] node) {
        this.core = core;
        this.llc = llc;
        this.node = node;
    }

    /**
     * Renumbers group ids 0, 1, 2, ... in order of first appearance (in place), so that equal
     * groupings are equal topologies and {@link #fit} can mint ids above every existing one.
     * {@link #model} numbers its groups so already; engines built in the model-checking tests
     * (a flat topology per invocation) do not run this.
     */
    private static int[] dense(int[] ids) {
        int[] sorted = ids.clone();
        Arrays.sort(sorted);
        int distinct = 0;
        for (int i = 0; i < sorted.length; i++) {
            if (i == 0 || sorted[i] != sorted[i - 1]) {
                sorted[distinct++] = sorted[i];
            }
        }
        int[] rank = new int[distinct]; // by sorted id: its new id + 1, 0 = not seen yet
        int next = 0;
        for (int i = 0; i < ids.length; i++) {
            int k = Arrays.binarySearch(sorted, 0, distinct, ids[i]);
            if (rank[k] == 0) {
                rank[k] = ++next;
            }
            ids[i] = rank[k] - 1;
        }
        return ids;
    }

    /**
     * Builds a topology from per-CPU group ids (any integers; equal ids mean the same group).
     *
     * @param core the physical core of each CPU
     * @param llc the last-level-cache group of each CPU
     * @param node the NUMA node of each CPU
     * @throws IllegalArgumentException if the arrays are empty or differ in length
     */
    public static Topology of(int[] core, int[] llc, int[] node) {
        Objects.requireNonNull(core, "core");
        Objects.requireNonNull(llc, "llc");
        Objects.requireNonNull(node, "node");
        if (core.length == 0 || core.length != llc.length || core.length != node.length) {
            throw new IllegalArgumentException("topology arrays must be non-empty and of one length, not "
                    + core.length + ", " + llc.length + ", " + node.length);
        }
        return new Topology(dense(core.clone()), dense(llc.clone()), dense(node.clone()));
    }

    /**
     * @param cpus 1..4096
     * @return {@code cpus} CPUs, each its own core, sharing one cache and one node
     */
    public static Topology flat(int cpus) {
        return model(1, cpus, 1);
    }

    /**
     * A modelled machine: {@code nodes} NUMA nodes (one last-level cache each), each with
     * {@code coresPerNode} cores of {@code threadsPerCore} SMT threads; CPUs are numbered node by
     * node, core by core (siblings adjacent).
     *
     * @throws IllegalArgumentException if a count is below 1 or the product above 4096
     */
    public static Topology model(int nodes, int coresPerNode, int threadsPerCore) {
        if (nodes < 1 || coresPerNode < 1 || threadsPerCore < 1
                || (long) nodes * coresPerNode * threadsPerCore > 4096) {
            throw new IllegalArgumentException("topology " + nodes + " nodes x " + coresPerNode + " cores x "
                    + threadsPerCore + " threads: each must be >= 1 and the product <= 4096");
        }
        int n = nodes * coresPerNode * threadsPerCore;
        int[] c = new int[n];
        int[] l = new int[n];
        int[] d = new int[n];
        for (int cpu = 0; cpu < n; cpu++) {
            c[cpu] = cpu / threadsPerCore;
            d[cpu] = cpu / (coresPerNode * threadsPerCore);
            l[cpu] = d[cpu];
        }
        return new Topology(c, l, d);
    }

    /**
     * Reads a Linux sysfs CPU tree ({@code /sys/devices/system/cpu} or a recorded copy). Every
     * online CPU (the {@code online} file, else the {@code cpuN} directories present) becomes a
     * CPU of the topology, renumbered densely in ascending order; per CPU:
     * <ul>
     *   <li>its core from {@code cpuN/topology/thread_siblings_list} (or {@code core_cpus_list});
     *       without it, each CPU is a core of its own;
     *   <li>its last-level cache: among {@code cpuN/cache/indexK/} of type {@code Unified} or
     *       {@code Data}, the highest {@code level}'s {@code shared_cpu_list}; without cache
     *       information, one cache per NUMA node;
     *   <li>its NUMA node from a {@code cpuN/nodeM} entry, else {@code ../node/nodeM/cpulist},
     *       else node 0.
     * </ul>
     * CPU lists use the Linux syntax ({@code 0-3,8-11}, also {@code 0-7:2/4}).
     *
     * @param sysCpuDir the directory holding {@code cpu0/}, {@code cpu1/}, ...
     * @return the topology of the online CPUs
     * @throws NullPointerException if {@code sysCpuDir} is null
     * @throws java.io.UncheckedIOException if the tree cannot be read
     * @throws IllegalArgumentException naming the file and its value if a file holds garbage, or
     *     if the tree has no online CPU
     */
    public static Topology read(Path sysCpuDir) {
        Objects.requireNonNull(sysCpuDir, "sysCpuDir");
        return io.jworkqueue.internal.SysfsTopology.read(sysCpuDir, null);
    }

    /**
     * The topology of this machine: on Linux, {@link #read(Path) read} from
     * {@code /sys/devices/system/cpu} and restricted to the CPUs this process may run on
     * ({@code Cpus_allowed_list} in {@code /proc/self/status}: a container's cpuset, {@code taskset}),
     * renumbered densely in order; elsewhere, or if anything cannot be read,
     * {@link #flat flat}{@code (availableProcessors())}. Never throws.
     *
     * <p>The CPU count can differ from {@link Runtime#availableProcessors()} where a CPU quota or
     * {@code -XX:ActiveProcessorCount} limits the latter; the runtime then {@linkplain #fit fits}
     * the topology to its CPU count.
     *
     * @return the topology
     */
    public static Topology detect() {
        if (!System.getProperty("os.name", "").startsWith("Linux")) {
            return flat(Runtime.getRuntime().availableProcessors());
        }
        return detect(Path.of("/sys/devices/system/cpu"), Path.of("/proc/self/status"));
    }

    /**
     * {@link #detect()} reading the given files (tests feed recorded ones).
     *
     * @param sysCpuDir the sysfs CPU tree
     * @param procStatus a {@code /proc/<pid>/status} file; its {@code Cpus_allowed_list} restricts
     *     the CPUs (every online CPU if it is missing or has no such line)
     */
    static Topology detect(Path sysCpuDir, Path procStatus) {
        try {
            BitSet allowed = null;
            if (Files.isReadable(procStatus)) {
                allowed = io.jworkqueue.internal.SysfsTopology.allowedCpus(procStatus);
            }
            return io.jworkqueue.internal.SysfsTopology.detect(sysCpuDir, allowed);
        } catch (RuntimeException unusable) {
            System.getLogger("io.jworkqueue").log(System.Logger.Level.DEBUG,
                    "cannot read the CPU topology, using a flat one: " + unusable);
            return flat(Runtime.getRuntime().availableProcessors());
        }
    }

    /** @return the number of CPUs */
    public int cpus() {
        return core.length;
    }

    /**
     * A topology for a runtime of {@code cpus} CPUs: this one if it has that many, else runtime
     * CPU {@code i} takes the place of CPU {@code i % cpus()} here.
     */
    public Topology fit(int cpus) {
        if (cpus == core.length) {
            return this;
        }
        int[] c = new int[cpus];
        int[] l = new int[cpus];
        int[] d = new int[cpus];
        for (int i = 0; i < cpus; i++) {
            int j = i % core.length;
            // CPUs past the model's count are distinct cores on the group of their image.
            c[i] = i < core.length ? core[j] : core.length + i;
            l[i] = llc[j];
            d[i] = node[j];
        }
        return new Topology(dense(c), dense(l), dense(d));
    }

    /**
     * The pods of a scope, in order of their lowest CPU.
     *
     * @param scope any scope but {@link AffinityScope#DEFAULT} (the runtime resolves that)
     * @throws IllegalArgumentException for {@link AffinityScope#DEFAULT}
     */
    public List<BitSet> pods(AffinityScope scope) {
        Objects.requireNonNull(scope, "scope");
        int[] key = switch (scope) {
            case CPU -> null;
            case SMT -> core;
            case CACHE -> llc;
            case NUMA -> node;
            case SYSTEM -> new int[core.length];
            case DEFAULT -> throw new IllegalArgumentException("the DEFAULT scope has no pods of its own; resolve it first");
        };
        Map<Integer, BitSet> groups = new LinkedHashMap<>();
        for (int cpu = 0; cpu < core.length; cpu++) {
            groups.computeIfAbsent(key == null ? cpu : key[cpu], k -> new BitSet()).set(cpu);
        }
        return List.copyOf(new ArrayList<>(groups.values()));
    }

    /** @return for each CPU, the index of its pod in {@link #pods(AffinityScope) pods(scope)} */
    public int[] podOfCpu(AffinityScope scope) {
        List<BitSet> pods = pods(scope);
        int[] map = new int[core.length];
        for (int p = 0; p < pods.size(); p++) {
            BitSet b = pods.get(p);
            for (int cpu = b.nextSetBit(0); cpu >= 0; cpu = b.nextSetBit(cpu + 1)) {
                map[cpu] = p;
            }
        }
        return map;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Topology t && Arrays.equals(t.core, core) && Arrays.equals(t.llc, llc)
                && Arrays.equals(t.node, node);
    }

    @Override
    public int hashCode() {
        return Objects.hash(Arrays.hashCode(core), Arrays.hashCode(llc), Arrays.hashCode(node));
    }

    /** For example {@code Topology[4 cpus: smt 0-1|2-3, cache 0-3, numa 0-3]}. */
    @Override
    public String toString() {
        return "Topology[" + cpus() + " cpus: smt " + render(AffinityScope.SMT) + ", cache "
                + render(AffinityScope.CACHE) + ", numa " + render(AffinityScope.NUMA) + "]";
    }

    private String render(AffinityScope scope) {
        return io.jworkqueue.internal.CpuList.formatPods(pods(scope));
    }
}
