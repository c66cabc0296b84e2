package io.jworkqueue;

import static org.junit.jupiter.api.Assertions.*;

import io.jworkqueue.internal.CpuList;
import java.util.BitSet;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The value classes of unbound workqueues: {@link WorkqueueAttrs} and {@link AffinityScope}. */
class WorkqueueAttrsTest {

    @Test
    void builder_defaults_areTheDefaults() {
        WorkqueueAttrs a = WorkqueueAttrs.builder().build();
        assertEquals(0, a.nice());
        assertTrue(a.cpus().isEmpty(), "empty = every CPU");
        assertEquals(AffinityScope.DEFAULT, a.affinityScope());
        assertFalse(a.affinityStrict());
        assertEquals(WorkqueueAttrs.defaults(), a);
        assertEquals("nice=0 cpus=all scope=default strict=0", a.toString());
    }

    @Test
    void builder_setters_areRead() {
        WorkqueueAttrs a = WorkqueueAttrs.builder().nice(-5).cpus(CpuList.parse("0,1,2,3,6"))
                .affinityScope(AffinityScope.NUMA).affinityStrict(true).build();
        assertEquals(-5, a.nice());
        assertEquals(CpuList.parse("0,1,2,3,6"), a.cpus());
        assertEquals(AffinityScope.NUMA, a.affinityScope());
        assertTrue(a.affinityStrict());
        assertEquals("nice=-5 cpus=0-3,6 scope=numa strict=1", a.toString());
    }

    @Test
    void nice_range_boundsAcceptedOthersRefusedWithRange() {
        assertEquals(WorkqueueAttrs.MIN_NICE, WorkqueueAttrs.builder().nice(-20).build().nice());
        assertEquals(WorkqueueAttrs.MAX_NICE, WorkqueueAttrs.builder().nice(19).build().nice());
        for (int bad : new int[] {-21, 20, Integer.MIN_VALUE, Integer.MAX_VALUE}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> WorkqueueAttrs.builder().nice(bad));
            assertEquals("nice " + bad + " is out of range [-20, 19]", e.getMessage());
        }
    }

    @Test
    void nullArguments_refusedNamingTheArgument() {
        assertEquals("cpus", assertThrows(NullPointerException.class, () -> WorkqueueAttrs.builder().cpus(null)).getMessage());
        assertEquals("affinityScope",
                assertThrows(NullPointerException.class, () -> WorkqueueAttrs.builder().affinityScope(null)).getMessage());
    }

    @Test
    void cpus_defensiveCopies_inAndOut() {
        BitSet in = CpuList.parse("1,2");
        WorkqueueAttrs.Builder b = WorkqueueAttrs.builder().cpus(in);
        in.set(3);
        WorkqueueAttrs a = b.build();
        assertEquals(CpuList.parse("1,2"), a.cpus(), "the builder copied the caller's set");
        a.cpus().set(7);
        assertEquals(CpuList.parse("1,2"), a.cpus(), "cpus() returns a copy");
        b.cpus(CpuList.parse("5"));
        assertEquals(CpuList.parse("1,2"), a.cpus(), "the built attributes do not share the builder's set");
        WorkqueueAttrs.Builder again = a.toBuilder();
        again.cpus(CpuList.parse("0")).build();
        assertEquals(CpuList.parse("1,2"), a.cpus(), "toBuilder() copies too");
    }

    @Test
    void equalsAndHashCode_everyFieldCounts() {
        WorkqueueAttrs base = WorkqueueAttrs.builder().nice(3).cpus(CpuList.parse("0,1")).affinityScope(AffinityScope.SMT).build();
        WorkqueueAttrs same = WorkqueueAttrs.builder().affinityScope(AffinityScope.SMT).cpus(CpuList.parse("1,0")).nice(3).build();
        assertEquals(base, same);
        assertEquals(base.hashCode(), same.hashCode());
        assertEquals(base, base);
        List<WorkqueueAttrs> others = List.of(
                base.toBuilder().nice(4).build(),
                base.toBuilder().cpus(CpuList.parse("0")).build(),
                base.toBuilder().cpus(new BitSet()).build(),
                base.toBuilder().affinityScope(AffinityScope.CACHE).build(),
                base.toBuilder().affinityStrict(true).build());
        for (WorkqueueAttrs o : others) {
            assertNotEquals(base, o, o.toString());
            assertNotEquals(o, base, o.toString());
        }
        assertNotEquals(null, base);
        assertNotEquals(base.toString(), base);
    }

    @Test
    void toBuilder_roundTripsAndLeavesTheOriginal() {
        WorkqueueAttrs a = WorkqueueAttrs.builder().nice(-20).cpus(CpuList.parse("2")).affinityScope(AffinityScope.CPU)
                .affinityStrict(true).build();
        assertEquals(a, a.toBuilder().build());
        WorkqueueAttrs b = a.toBuilder().nice(19).affinityStrict(false).build();
        assertEquals("nice=-20 cpus=2 scope=cpu strict=1", a.toString());
        assertEquals("nice=19 cpus=2 scope=cpu strict=0", b.toString());
    }

    @Test
    void affinityScope_sysfsNames_bothWays() {
        String[] names = {"default", "cpu", "smt", "cache", "numa", "system"};
        AffinityScope[] scopes = AffinityScope.values();
        assertEquals(names.length, scopes.length);
        for (int i = 0; i < names.length; i++) {
            assertEquals(names[i], scopes[i].sysfsName());
            assertSame(scopes[i], AffinityScope.ofSysfsName(names[i]));
            assertSame(scopes[i], AffinityScope.ofSysfsName(" " + names[i].toUpperCase(java.util.Locale.ROOT) + "\n"));
        }
    }

    @Test
    void affinityScope_unknownName_refusedNamingValueAndAllowed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> AffinityScope.ofSysfsName("socket"));
        assertEquals("affinity scope 'socket' is not one of default, cpu, smt, cache, numa, system", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> AffinityScope.ofSysfsName(""));
        assertEquals("affinityScope", assertThrows(NullPointerException.class, () -> AffinityScope.ofSysfsName(null)).getMessage());
    }
}
