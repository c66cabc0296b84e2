package io.jworkqueue;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link Topology}: modelled machines, the pods of each scope, and reading Linux sysfs CPU trees
 * (the recorded ones under {@code src/test/resources/sysfs}, see its README, and trees built here
 * with pieces missing or broken).
 */
class TopologyTest {

    private static Path recorded(String tree) {
        try {
            return Path.of(TopologyTest.class.getResource("/sysfs/" + tree).toURI());
        } catch (URISyntaxException e) {
            throw new AssertionError(e);
        }
    }

    /** The pods of {@code scope} rendered as CPU lists joined by {@code |}: {@code 0-1|2-3}. */
    private static String pods(Topology t, AffinityScope scope) {
        List<String> l = new ArrayList<>();
        for (BitSet b : t.pods(scope)) {
            l.add(WorkqueueAttrs.cpuList(b));
        }
        return String.join("|", l);
    }

    private static void assertPods(Topology t, String cpu, String smt, String cache, String numa) {
        assertEquals(cpu, pods(t, AffinityScope.CPU), "cpu pods of " + t);
        assertEquals(smt, pods(t, AffinityScope.SMT), "smt pods of " + t);
        assertEquals(cache, pods(t, AffinityScope.CACHE), "cache pods of " + t);
        assertEquals(numa, pods(t, AffinityScope.NUMA), "numa pods of " + t);
        assertEquals("0-" + (t.cpus() - 1), pods(t, AffinityScope.SYSTEM), "system pod of " + t);
    }

    // ------------------------------------------------------------------ modelled topologies

    @Test
    void model_twoSocketsFourCoresTwoThreads_podsPerScope() {
        Topology t = Topology.model(2, 4, 2);
        assertEquals(16, t.cpus());
        assertPods(t, "0|1|2|3|4|5|6|7|8|9|10|11|12|13|14|15",
                "0-1|2-3|4-5|6-7|8-9|10-11|12-13|14-15", "0-7|8-15", "0-7|8-15");
        assertArrayEquals(new int[] {0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1}, t.podOfCpu(AffinityScope.NUMA));
        assertArrayEquals(new int[] {0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7}, t.podOfCpu(AffinityScope.SMT));
        assertArrayEquals(new int[16], t.podOfCpu(AffinityScope.SYSTEM));
        assertEquals("Topology[16 cpus: smt 0-1|2-3|4-5|6-7|8-9|10-11|12-13|14-15, cache 0-7|8-15, numa 0-7|8-15]",
                t.toString());
    }

    @Test
    void flat_eachCpuItsOwnCore_oneCacheOneNode() {
        Topology t = Topology.flat(4);
        assertPods(t, "0|1|2|3", "0|1|2|3", "0-3", "0-3");
        assertEquals("Topology[4 cpus: smt 0|1|2|3, cache 0-3, numa 0-3]", t.toString());
    }

    @Test
    void of_groupIdsAreOnlyNames_equalGroupingsAreEqual() {
        Topology a = Topology.of(new int[] {7, 7, 3, 3}, new int[] {9, 9, 9, 9}, new int[] {-1, -1, -1, -1});
        Topology b = Topology.of(new int[] {0, 0, 1, 1}, new int[] {0, 0, 0, 0}, new int[] {0, 0, 0, 0});
        assertEquals(b, a);
        assertEquals(b.hashCode(), a.hashCode());
        assertEquals(Topology.model(1, 2, 2), a);
        assertNotEquals(Topology.flat(4), a);
        assertPods(a, "0|1|2|3", "0-1|2-3", "0-3", "0-3");
    }

    @Test
    void of_copiesItsArrays() {
        int[] core = {0, 0};
        Topology t = Topology.of(core, new int[2], new int[2]);
        core[1] = 1;
        assertEquals("0-1", pods(t, AffinityScope.SMT));
    }

    @Test
    void fit_moreCpus_extraCpusAreNewCoresOnTheGroupsOfTheirImage() {
        Topology t = Topology.model(2, 1, 2).fit(6); // CPUs 4, 5 take the place of 0, 1
        assertEquals(6, t.cpus());
        assertPods(t, "0|1|2|3|4|5", "0-1|2-3|4|5", "0-1,4-5|2-3", "0-1,4-5|2-3");
        assertSame(t, t.fit(6));
    }

    @Test
    void fit_groupIdsAboveTheCpuCount_extraCoresDoNotJoinExistingOnes() {
        // Sparse ids as a sysfs tree gives them (lowest sibling's OS number): core 8 must not
        // swallow the CPUs added past the model's count.
        Topology t = Topology.of(new int[] {8, 8, 10, 10}, new int[4], new int[4]).fit(6);
        assertEquals("0-1|2-3|4|5", pods(t, AffinityScope.SMT));
    }

    @Test
    void fit_fewerCpus_keepsTheFirst() {
        Topology t = Topology.model(2, 2, 2).fit(4);
        assertPods(t, "0|1|2|3", "0-1|2-3", "0-3", "0-3");
    }

    @Test
    void badArguments_refusedWithTheValues() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Topology.model(0, 1, 1));
        assertTrue(e.getMessage().contains("0 nodes x 1 cores x 1 threads"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Topology.model(64, 64, 2));
        assertTrue(e.getMessage().contains("<= 4096"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Topology.flat(0));
        e = assertThrows(IllegalArgumentException.class, () -> Topology.of(new int[2], new int[2], new int[3]));
        assertTrue(e.getMessage().contains("2, 2, 3"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Topology.of(new int[0], new int[0], new int[0]));
        assertEquals("core", assertThrows(NullPointerException.class, () -> Topology.of(null, new int[1], new int[1])).getMessage());
        assertEquals("llc", assertThrows(NullPointerException.class, () -> Topology.of(new int[1], null, new int[1])).getMessage());
        assertEquals("node", assertThrows(NullPointerException.class, () -> Topology.of(new int[1], new int[1], null)).getMessage());
        assertEquals("scope", assertThrows(NullPointerException.class, () -> Topology.flat(1).pods(null)).getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Topology.flat(2).pods(AffinityScope.DEFAULT));
        assertTrue(e.getMessage().contains("DEFAULT"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Topology.flat(2).podOfCpu(AffinityScope.DEFAULT));
        assertEquals("sysCpuDir", assertThrows(NullPointerException.class, () -> Topology.read(null)).getMessage());
    }

    // ------------------------------------------------------------------ recorded sysfs trees

    @Test
    void read_smtBox_siblingsPairedAcrossTheNumbering() {
        Topology t = Topology.read(recorded("smt4/cpu"));
        assertEquals(4, t.cpus());
        assertPods(t, "0|1|2|3", "0,2|1,3", "0-3", "0-3");
        assertEquals("Topology[4 cpus: smt 0,2|1,3, cache 0-3, numa 0-3]", t.toString());
    }

    @Test
    void read_multiLlcBox_highestCacheLevelGroups() {
        Topology t = Topology.read(recorded("multillc8/cpu"));
        assertEquals(8, t.cpus());
        assertPods(t, "0|1|2|3|4|5|6|7", "0|1|2|3|4|5|6|7", "0-3|4-7", "0-7");
    }

    @Test
    void read_twoNodeNuma_nodesFromTheNodeTree() {
        Topology t = Topology.read(recorded("numa2/cpu"));
        assertEquals(Topology.model(2, 2, 2), t);
        assertPods(t, "0|1|2|3|4|5|6|7", "0-1|2-3|4-5|6-7", "0-3|4-7", "0-3|4-7");
    }

    @Test
    void read_containerHost_isTheWholeHost() {
        Topology t = Topology.read(recorded("container16/cpu"));
        assertEquals(16, t.cpus());
        assertPods(t, "0|1|2|3|4|5|6|7|8|9|10|11|12|13|14|15",
                "0,8|1,9|2,10|3,11|4,12|5,13|6,14|7,15", "0-3|4-7|8-11|12-15", "0-15");
    }

    @Test
    void detect_containerCpuset_restrictedAndRenumberedDensely() {
        Path tree = recorded("container16");
        Topology t = Topology.detect(tree.resolve("cpu"), tree.resolve("proc-self-status"));
        // OS CPUs 2-5 become runtime CPUs 0-3; their siblings (10-13) are not allowed; caches 0-3 and 4-7.
        assertEquals(4, t.cpus());
        assertPods(t, "0|1|2|3", "0|1|2|3", "0-1|2-3", "0-3");
        assertEquals(Topology.of(new int[] {0, 1, 2, 3}, new int[] {0, 0, 1, 1}, new int[4]), t);
    }

    @Test
    void detect_sameUsableCpus_reusesTheReading_changedOnesReadAgain(@TempDir Path tmp) throws IOException {
        Path tree = recorded("container16");
        Path status = tree.resolve("proc-self-status");
        Topology first = Topology.detect(tree.resolve("cpu"), status);
        assertSame(first, Topology.detect(tree.resolve("cpu"), status), "the same tree and CPUs: read once");
        Path wider = Files.writeString(tmp.resolve("status"), "Cpus_allowed_list:\t2-7\n");
        Topology six = Topology.detect(tree.resolve("cpu"), wider);
        assertEquals(6, six.cpus(), "a changed affinity reads the tree again");
        assertEquals("0-1|2-5", pods(six, AffinityScope.CACHE));
        Path cpu = tree(tmp.resolve("cpu"), Map.of("online", "0-1"));
        assertEquals(2, Topology.detect(cpu, tmp.resolve("none")).cpus());
        Files.writeString(cpu.resolve("online"), "0-2\n");
        assertEquals(3, Topology.detect(cpu, tmp.resolve("none")).cpus(), "a CPU brought online reads it again");
    }

    @Test
    void detect_statusWithoutAllowedList_everyOnlineCpu(@TempDir Path tmp) throws IOException {
        Path status = Files.writeString(tmp.resolve("status"), "Name:\tjava\nThreads:\t3\n");
        assertEquals(Topology.read(recorded("smt4/cpu")), Topology.detect(recorded("smt4/cpu"), status));
        assertEquals(Topology.read(recorded("smt4/cpu")), Topology.detect(recorded("smt4/cpu"), tmp.resolve("missing")));
    }

    @Test
    void detect_unusableTree_fallsBackToFlatAvailableProcessors(@TempDir Path tmp) throws IOException {
        Topology flat = Topology.flat(Runtime.getRuntime().availableProcessors());
        Path status = recorded("container16/proc-self-status");
        assertEquals(flat, Topology.detect(tmp.resolve("no-such-dir"), status), "missing tree");
        Path garbage = Files.createDirectories(tmp.resolve("garbage"));
        Files.writeString(garbage.resolve("online"), "all of them\n");
        assertEquals(flat, Topology.detect(garbage, status), "garbage online file");
        Path badStatus = Files.writeString(tmp.resolve("status"), "Cpus_allowed_list:\tsome\n");
        assertEquals(flat, Topology.detect(recorded("smt4/cpu"), badStatus), "garbage Cpus_allowed_list");
        Path other = Files.writeString(tmp.resolve("status2"), "Cpus_allowed_list:\t100-101\n");
        assertEquals(flat, Topology.detect(recorded("smt4/cpu"), other), "no allowed CPU is online");
    }

    @Test
    void detect_thisMachine_oneCpuPerAvailableProcessor() throws IOException {
        int available = Runtime.getRuntime().availableProcessors();
        Topology t = Topology.detect();
        assertTrue(t.cpus() >= 1);
        Path status = Path.of("/proc/self/status");
        Assumptions.assumeTrue(System.getProperty("os.name").startsWith("Linux") && Files.isReadable(status),
                "not Linux: detect() is flat(availableProcessors)");
        int allowed = 0;
        for (String line : Files.readAllLines(status)) {
            if (line.startsWith("Cpus_allowed_list:")) {
                allowed = io.jworkqueue.internal.CpuList.parse(line.substring(line.indexOf(':') + 1)).cardinality();
            }
        }
        Assumptions.assumeTrue(allowed == available, "a CPU quota or -XX:ActiveProcessorCount makes availableProcessors ("
                + available + ") differ from the CPUs this process may run on (" + allowed + ")");
        assertEquals(available, t.cpus(), t.toString());
        // On Linux this is the sysfs reading, not the fallback: the same as reading the tree directly.
        assertEquals(Topology.detect(Path.of("/sys/devices/system/cpu"), status), t);
    }

    // ------------------------------------------------------------------ missing and broken pieces

    /** Writes {@code files} (path relative to {@code root} -> content) and returns {@code root}. */
    private static Path tree(Path root, Map<String, String> files) throws IOException {
        for (Map.Entry<String, String> f : files.entrySet()) {
            Path p = root.resolve(f.getKey());
            Files.createDirectories(p.getParent());
            Files.writeString(p, f.getValue() + "\n");
        }
        return root;
    }

    @Test
    void read_onlyTheOnlineFile_flat(@TempDir Path tmp) throws IOException {
        Path cpu = tree(tmp.resolve("cpu"), Map.of("online", "0-3"));
        assertEquals(Topology.flat(4), Topology.read(cpu));
    }

    @Test
    void read_noCacheInformation_oneCachePerNode(@TempDir Path tmp) throws IOException {
        Path cpu = tree(tmp.resolve("cpu"), Map.of(
                "online", "0-3",
                "cpu0/node0/cpulist", "0-1", "cpu1/node0/cpulist", "0-1",
                "cpu2/node1/cpulist", "2-3", "cpu3/node1/cpulist", "2-3",
                "cpu0/topology/thread_siblings_list", "0-1", "cpu1/topology/thread_siblings_list", "0-1"));
        Topology t = Topology.read(cpu);
        // cpu2 and cpu3 have no topology directory: each is a core of its own.
        assertPods(t, "0|1|2|3", "0-1|2|3", "0-1|2-3", "0-1|2-3");
    }

    @Test
    void read_offlineCpusAndGaps_onlineOnesRenumbered(@TempDir Path tmp) throws IOException {
        Path cpu = tree(tmp.resolve("cpu"), Map.of(
                "online", "0,4-5,8",
                "cpu4/topology/thread_siblings_list", "4-5",
                "cpu5/topology/thread_siblings_list", "4-5",
                "cpu8/cache/index3/level", "3", "cpu8/cache/index3/type", "Unified",
                "cpu8/cache/index3/shared_cpu_list", "8"));
        Topology t = Topology.read(cpu);
        assertEquals(4, t.cpus());
        // CPU 8 has its own L3; the others have no cache information, so share their node's.
        assertPods(t, "0|1|2|3", "0|1-2|3", "0-2|3", "0-3");
    }

    @Test
    void read_noOnlineFile_cpuDirectoriesPresent(@TempDir Path tmp) throws IOException {
        Path cpu = tree(tmp.resolve("cpu"), Map.of(
                "cpu0/topology/core_cpus_list", "0", "cpu2/topology/core_cpus_list", "2",
                "cpufreq/policy0", "x", "cpuidle/state", "x"));
        assertEquals(Topology.flat(2), Topology.read(cpu));
    }

    @Test
    void read_cacheIndexWithoutLevelOrList_ignored(@TempDir Path tmp) throws IOException {
        Path cpu = tree(tmp.resolve("cpu"), Map.of(
                "online", "0-1",
                "cpu0/cache/index0/type", "Unified", "cpu0/cache/index0/level", "3",
                "cpu1/cache/index0/type", "Unified", "cpu1/cache/index0/shared_cpu_list", "1"));
        assertEquals("0-1", pods(Topology.read(cpu), AffinityScope.CACHE));
    }

    @Test
    void read_garbage_refusedNamingTheFileAndValue(@TempDir Path tmp) throws IOException {
        record Bad(String file, String value) {}
        List<Bad> bad = List.of(
                new Bad("online", "0-3 please"),
                new Bad("online", "3-0"),
                new Bad("cpu0/topology/thread_siblings_list", "zero"),
                new Bad("cpu0/topology/core_cpus_list", "0-"),
                new Bad("cpu0/cache/index3/level", "L3"),
                new Bad("cpu0/cache/index3/type", "Victim"),
                new Bad("cpu0/cache/index3/shared_cpu_list", "0;1"));
        int n = 0;
        for (Bad b : bad) {
            Path cpu = tmp.resolve("t" + n++).resolve("cpu");
            java.util.HashMap<String, String> files = new java.util.HashMap<>(Map.of(
                    "online", "0-1",
                    "cpu0/cache/index3/level", "3", "cpu0/cache/index3/type", "Unified",
                    "cpu0/cache/index3/shared_cpu_list", "0-1"));
            files.put(b.file(), b.value());
            tree(cpu, files);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Topology.read(cpu), b::toString);
            assertTrue(e.getMessage().contains(cpu.resolve(b.file()).toString()), b + ": " + e.getMessage());
            assertTrue(e.getMessage().contains("'" + b.value() + "'"), b + ": " + e.getMessage());
        }
    }

    @Test
    void read_garbageNodeList_refusedNamingTheFile(@TempDir Path tmp) throws IOException {
        Path cpu = tree(tmp.resolve("cpu"), Map.of("online", "0-1"));
        tree(tmp.resolve("node"), Map.of("node0/cpulist", "0-1x"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Topology.read(cpu));
        assertTrue(e.getMessage().contains(tmp.resolve("node/node0/cpulist").toString()), e.getMessage());
    }

    @Test
    void read_noCpu_refused(@TempDir Path tmp) throws IOException {
        Path empty = tree(tmp.resolve("cpu"), Map.of("online", ""));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Topology.read(empty));
        assertTrue(e.getMessage().contains("no CPU"), e.getMessage());
        UncheckedIOException io = assertThrows(UncheckedIOException.class, () -> Topology.read(tmp.resolve("nothing")));
        assertTrue(io.getMessage().contains(tmp.resolve("nothing").toString()), io.getMessage());
    }
}
