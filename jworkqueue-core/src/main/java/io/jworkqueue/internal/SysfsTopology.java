package io.jworkqueue.internal;

import io.jworkqueue.Topology;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.BitSet;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Reads a CPU topology from a Linux sysfs CPU tree ({@code /sys/devices/system/cpu}, or a
 * recorded copy of it): the backend of {@code Topology.read} and {@code Topology.detect}.
 *
 * <p>What is read, per online CPU {@code N} (the {@code online} file, else the {@code cpuN}
 * directories present):
 * <ul>
 *   <li>its core: {@code cpuN/topology/thread_siblings_list}, else {@code core_cpus_list}; without
 *       either, the CPU is a core of its own;
 *   <li>its last-level cache: of {@code cpuN/cache/indexK/} with {@code type} {@code Unified} or
 *       {@code Data}, the one of highest {@code level}, its {@code shared_cpu_list}; without cache
 *       information, one cache per NUMA node;
 *   <li>its NUMA node: a {@code cpuN/nodeM} entry, else the {@code ../node/nodeM/cpulist} naming
 *       it, else node 0.
 * </ul>
 * Groups are identified by their lowest member's OS CPU number, so they survive the restriction
 * to a subset of CPUs; the CPUs kept are renumbered densely in ascending order. A file that is
 * present but holds garbage is refused ({@link IllegalArgumentException} naming the file and the
 * value), as is a tree with no online CPU.
 */
public final class SysfsTopology {
    private static final Pattern CPU_DIR = Pattern.compile("cpu[0-9]{1,5}");
    private static final Pattern NODE_DIR = Pattern.compile("node[0-9]{1,5}");
    private static final Pattern CACHE_INDEX = Pattern.compile("index[0-9]{1,5}");

    private SysfsTopology() {}

    /**
     * Reads the tree at {@code sysCpuDir}, keeping only the online CPUs in {@code allowed}.
     *
     * @param sysCpuDir the directory holding {@code cpu0/}, {@code cpu1/}, ...
     * @param allowed the OS CPUs to keep (the process's affinity), null for every online CPU
     * @return the topology of the CPUs kept, renumbered densely in order
     * @throws UncheckedIOException if a file that is there cannot be read, or the directory cannot be listed
     * @throws IllegalArgumentException naming the file and the value if a file holds garbage, or
     *     if no CPU is left
     */
    public static Topology read(Path sysCpuDir, BitSet allowed) {
        return readCpus(sysCpuDir, usable(sysCpuDir, allowed));
    }

    /**
     * {@link #read}, reusing the last result while the tree and its usable CPUs (online and
     * allowed) are the same: every runtime build detects the topology, and a large machine has
     * thousands of these files. A CPU brought on- or offline, or a changed affinity, reads the
     * tree again.
     *
     * @throws UncheckedIOException as {@link #read}
     * @throws IllegalArgumentException as {@link #read}
     */
    public static Topology detect(Path sysCpuDir, BitSet allowed) {
        BitSet cpus = usable(sysCpuDir, allowed);
        Detected d = lastDetected;
        if (d != null && d.dir().equals(sysCpuDir) && d.cpus().equals(cpus)) {
            return d.topology();
        }
        Topology t = readCpus(sysCpuDir, cpus);
        lastDetected = new Detected(sysCpuDir, cpus, t);
        return t;
    }

    /** What {@link #detect} read last. */
    private record Detected(Path dir, BitSet cpus, Topology topology) {}

    /** Racy by design: two threads detecting at once both read the tree, and one result stays. */
    private static volatile Detected lastDetected;

    /** @return the online CPUs in {@code allowed} (all online ones if null); never empty */
    private static BitSet usable(Path sysCpuDir, BitSet allowed) {
        BitSet online = online(sysCpuDir);
        BitSet cpus = (BitSet) online.clone();
        if (allowed != null) {
            cpus.and(allowed);
        }
        if (cpus.isEmpty()) {
            throw new IllegalArgumentException(sysCpuDir + ": no CPU to use (online " + CpuList.format(online)
                    + (allowed == null ? "" : ", allowed " + CpuList.format(allowed)) + ")");
        }
        return cpus;
    }

    private static Topology readCpus(Path sysCpuDir, BitSet cpus) {
        int n = cpus.cardinality();
        int[] core = new int[n];
        int[] llc = new int[n];
        int[] node = new int[n];
        Map<Integer, Integer> nodeOfCpu = null; // from ../node/nodeM/cpulist, read at most once
        int i = 0;
        for (int cpu = cpus.nextSetBit(0); cpu >= 0; cpu = cpus.nextSetBit(cpu + 1), i++) {
            Path dir = sysCpuDir.resolve("cpu" + cpu);
            core[i] = core(dir, cpu);
            Integer nd = nodeEntry(dir);
            if (nd == null) {
                if (nodeOfCpu == null) {
                    nodeOfCpu = nodeLists(sysCpuDir.resolveSibling("node"));
                }
                nd = nodeOfCpu.getOrDefault(cpu, 0);
            }
            node[i] = nd;
            int cache = lastLevelCache(dir);
            // Without cache information, one cache per node: negative ids never meet a CPU number.
            llc[i] = cache >= 0 ? cache : -1 - nd;
        }
        return Topology.of(core, llc, node);
    }

    /**
     * Parses the {@code Cpus_allowed_list} line of a {@code /proc/<pid>/status} file.
     *
     * @return the CPUs, or null if the file has no such line
     * @throws UncheckedIOException if the file cannot be read
     * @throws IllegalArgumentException naming the file and the value if the list is garbage
     */
    public static BitSet allowedCpus(Path procStatus) {
        for (String line : readAll(procStatus).split("\n")) {
            if (line.startsWith("Cpus_allowed_list:")) {
                String v = line.substring("Cpus_allowed_list:".length());
                return cpuList(procStatus, v);
            }
        }
        return null;
    }

    private static BitSet online(Path sysCpuDir) {
        Path f = sysCpuDir.resolve("online");
        String text = readIfExists(f);
        if (text != null) {
            return cpuList(f, text);
        }
        BitSet present = new BitSet();
        for (Path p : list(sysCpuDir, CPU_DIR)) {
            if (Files.isDirectory(p)) {
                present.set(number(p, "cpu"));
            }
        }
        return present;
    }

    /** @return the lowest CPU sharing the core of {@code cpu}, or {@code cpu} itself without the files */
    private static int core(Path dir, int cpu) {
        Path topo = dir.resolve("topology");
        for (String name : new String[] {"thread_siblings_list", "core_cpus_list"}) {
            Path f = topo.resolve(name);
            String text = readIfExists(f);
            if (text != null) {
                BitSet s = cpuList(f, text);
                return s.isEmpty() ? cpu : s.nextSetBit(0);
            }
        }
        return cpu;
    }

    /** @return the node of a {@code cpuN/nodeM} entry, null if there is none */
    private static Integer nodeEntry(Path dir) {
        if (!Files.isDirectory(dir)) {
            return null;
        }
        for (Path p : list(dir, NODE_DIR)) {
            return number(p, "node");
        }
        return null;
    }

    /** @return OS CPU to node, from {@code node/nodeM/cpulist}; empty where there is no such tree */
    private static Map<Integer, Integer> nodeLists(Path nodeDir) {
        Map<Integer, Integer> map = new HashMap<>();
        if (nodeDir == null || !Files.isDirectory(nodeDir)) {
            return map;
        }
        for (Path p : list(nodeDir, NODE_DIR)) {
            Path f = p.resolve("cpulist");
            String text = readIfExists(f);
            if (text == null) {
                continue;
            }
            int nd = number(p, "node");
            BitSet s = cpuList(f, text);
            for (int c = s.nextSetBit(0); c >= 0; c = s.nextSetBit(c + 1)) {
                map.putIfAbsent(c, nd);
            }
        }
        return map;
    }

    /** @return the lowest CPU sharing the last-level cache, or -1 without cache information */
    private static int lastLevelCache(Path dir) {
        Path cache = dir.resolve("cache");
        if (!Files.isDirectory(cache)) {
            return -1;
        }
        int bestLevel = -1;
        int best = -1;
        for (Path index : list(cache, CACHE_INDEX)) {
            Path typeFile = index.resolve("type");
            String type = readIfExists(typeFile);
            if (type != null && type.strip().equalsIgnoreCase("Instruction")) {
                continue;
            }
            if (type != null && !type.strip().equalsIgnoreCase("Unified") && !type.strip().equalsIgnoreCase("Data")) {
                throw garbage(typeFile, type, "not Data, Instruction or Unified");
            }
            Path levelFile = index.resolve("level");
            String levelText = readIfExists(levelFile);
            Path sharedFile = index.resolve("shared_cpu_list");
            String shared = readIfExists(sharedFile);
            if (levelText == null || shared == null) {
                continue;
            }
            int level;
            try {
                level = Integer.parseInt(levelText.strip());
            } catch (NumberFormatException e) {
                throw garbage(levelFile, levelText, "not a cache level");
            }
            BitSet s = cpuList(sharedFile, shared);
            if (level > bestLevel && !s.isEmpty()) {
                bestLevel = level;
                best = s.nextSetBit(0);
            }
        }
        return best;
    }

    private static BitSet cpuList(Path file, String text) {
        try {
            return CpuList.parse(text);
        } catch (IllegalArgumentException e) {
            throw garbage(file, text, e.getMessage());
        }
    }

    private static IllegalArgumentException garbage(Path file, String value, String why) {
        String v = value.strip();
        return new IllegalArgumentException(file + ": cannot use '" + (v.length() > 60 ? v.substring(0, 60) + "..." : v)
                + "': " + why);
    }

    private static int number(Path p, String prefix) {
        return Integer.parseInt(p.getFileName().toString().substring(prefix.length()));
    }

    private static Iterable<Path> list(Path dir, Pattern names) {
        java.util.List<Path> out = new java.util.ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir,
                p -> names.matcher(p.getFileName().toString()).matches())) {
            for (Path p : ds) {
                out.add(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir, e);
        }
        out.sort(null);
        return out;
    }

    private static String readIfExists(Path f) {
        try {
            return Files.readString(f, StandardCharsets.ISO_8859_1);
        } catch (NoSuchFileException gone) {
            return null;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + f, e);
        }
    }

    private static String readAll(Path f) {
        try {
            return Files.readString(f, StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + f, e);
        }
    }
}
