package io.jworkqueue;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.junit.jupiter.api.Assertions.*;

import io.jworkqueue.internal.CpuList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The affinity part of {@link WorkqueueRuntime#dump()} (what {@code wq_dump.py} shows as
 * "Affinity Scopes", and {@code jwq dump} as a section of its own) and the attributes in
 * {@link WorkqueueInfo}.
 */
@Timeout(value = 60, unit = SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class AffinityDumpTest {

    /** The dump's lines from "Affinity scopes:" on. */
    private static List<String> affinityLines(WorkqueueRuntime rt) {
        List<String> lines = rt.dump().lines().toList();
        int i = lines.indexOf("Affinity scopes:");
        assertTrue(i > 0, "no affinity part after the busy dump:\n" + rt.dump());
        return lines.subList(i, lines.size());
    }

    @Test
    void dump_showsTopologyDefaultScopePinningAndEachUnboundWorkqueuesAttrs() {
        try (WorkqueueRuntime rt = WorkqueueRuntime.builder().cpus(4).topology(Topology.model(1, 2, 2))
                .defaultAffinityScope(AffinityScope.NUMA).build()) {
            Workqueue u = rt.alloc("dump_u", Set.of(WorkqueueFlag.UNBOUND), 0);
            rt.alloc("dump_bound", Set.of(), 0);
            Workqueue o = rt.allocOrdered("dump_o", Set.of());
            o.applyAttrs(WorkqueueAttrs.builder().nice(-5).cpus(CpuList.parse("1-2")).affinityScope(AffinityScope.SMT)
                    .affinityStrict(true).build());
            assertTrue(rt.dump().startsWith("Showing busy workqueues and worker pools:\n"), "the kernel's part comes first");
            assertEquals(List.of(
                    "Affinity scopes:",
                    "  topology: 4 cpus, smt 0-1|2-3, cache 0-3, numa 0-3",
                    "  default scope: numa",
                    "  pinning: off",
                    "  unbound workqueue events_unbound: nice=0 cpus=all scope=default strict=0",
                    "  unbound workqueue dump_u: nice=0 cpus=all scope=default strict=0",
                    "  unbound workqueue dump_o: nice=-5 cpus=1-2 scope=smt strict=1"), affinityLines(rt));

            u.applyAttrs(WorkqueueAttrs.builder().affinityScope(AffinityScope.CPU).build());
            assertTrue(affinityLines(rt).contains("  unbound workqueue dump_u: nice=0 cpus=all scope=cpu strict=0"),
                    rt.dump());
            u.destroy();
            assertFalse(rt.dump().contains("dump_u"), "a destroyed workqueue is gone from the dump");
        }
    }

    @Test
    void dump_topologyIsTheFittedOne() {
        try (WorkqueueRuntime rt = WorkqueueRuntime.builder().cpus(3).topology(Topology.model(2, 1, 2)).build()) {
            assertEquals("  topology: 3 cpus, smt 0-1|2, cache 0-1|2, numa 0-1|2", affinityLines(rt).get(1));
            assertEquals("  default scope: cache", affinityLines(rt).get(2));
        }
    }

    @Test
    void dump_pinningRequested_saysWhatTheSystemAllows() {
        try (WorkqueueRuntime rt = WorkqueueRuntime.builder().cpus(2).pinWorkers(true).build()) {
            String line = affinityLines(rt).get(3);
            assertTrue(line.startsWith("  pinning: ") && !line.equals("  pinning: off"), line);
        }
    }

    @Test
    void workqueueInfo_attrs_renderedForUnboundEmptyForBound() {
        try (WorkqueueRuntime rt = WorkqueueRuntime.builder().cpus(2).build()) {
            Workqueue u = rt.alloc("info_u", EnumSet.of(WorkqueueFlag.UNBOUND), 0);
            Workqueue b = rt.alloc("info_b", Set.of(), 0);
            WorkqueueAttrs a = WorkqueueAttrs.builder().nice(7).affinityScope(AffinityScope.SYSTEM).build();
            u.applyAttrs(a);
            assertEquals(a.toString(), u.info().getAttrs());
            assertTrue(u.info().toString().endsWith(", attrs=nice=7 cpus=all scope=system strict=0]"), u.info().toString());
            assertEquals("", b.info().getAttrs());
            assertFalse(b.info().toString().contains("attrs="), b.info().toString());
            WorkqueueInfo old = new WorkqueueInfo("x", "", 1, true, false, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, "", new int[0]);
            assertEquals("", old.getAttrs(), "the constructor without attributes leaves them empty");
            assertEquals("", new WorkqueueInfo("x", "", 1, true, false, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, "", null, null)
                    .getAttrs());
        }
    }
}
