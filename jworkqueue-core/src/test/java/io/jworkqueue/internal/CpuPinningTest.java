package io.jworkqueue.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jworkqueue.WorkqueueRuntime;
import java.util.BitSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The part of CPU pinning that needs no native call (issue 12, point 4): how runtime CPUs map
 * onto the OS CPUs the process may use, the kernel's CPU list format, and the dump line.
 */
@Timeout(60)
class CpuPinningTest {

    static BitSet bits(int... cpus) {
        return CpuPinning.set(cpus);
    }

    @Test
    void osCpus_asManyAllowedAsRuntimeCpus_mapsInOrderOntoTheAllowedOnes() {
        int[] allowed = {2, 3, 6, 7}; // a cpuset that is not 0-based
        assertEquals(bits(2), CpuPinning.osCpus(bits(0), allowed));
        assertEquals(bits(6), CpuPinning.osCpus(bits(2), allowed));
        assertEquals(bits(3, 7), CpuPinning.osCpus(bits(1, 3), allowed));
        assertEquals(bits(2, 3, 6, 7), CpuPinning.osCpus(bits(0, 1, 2, 3), allowed));
    }

    @Test
    void osCpus_moreRuntimeCpusThanAllowed_wrapsAround() {
        int[] allowed = {4, 9};
        assertEquals(bits(4), CpuPinning.osCpus(bits(0), allowed));
        assertEquals(bits(9), CpuPinning.osCpus(bits(1), allowed));
        assertEquals(bits(4), CpuPinning.osCpus(bits(2), allowed));
        assertEquals(bits(9), CpuPinning.osCpus(bits(5), allowed));
        assertEquals(bits(4, 9), CpuPinning.osCpus(bits(0, 1, 2, 3, 4), allowed));
        assertEquals(bits(4), CpuPinning.osCpus(bits(0, 2, 4), allowed));
    }

    @Test
    void osCpus_noAllowedCpusKnown_isEmpty() {
        assertEquals(new BitSet(), CpuPinning.osCpus(bits(0, 1), new int[0]));
    }

    @Test
    void list_cpus_kernelListFormat() {
        assertEquals("", CpuList.format(new BitSet()));
        assertEquals("0", CpuList.format(bits(0)));
        assertEquals("0-1", CpuList.format(bits(0, 1)));
        assertEquals("0-2,5,7-8,63-64", CpuList.format(bits(0, 1, 2, 5, 7, 8, 63, 64)));
        assertEquals("3,5", CpuList.format(bits(3, 5)));
    }

    @Test
    void dump_withoutPinWorkers_saysPinningOff() {
        try (WorkqueueRuntime rt = WorkqueueRuntime.builder().cpus(2).build()) {
            assertTrue(rt.dump().contains("\n  pinning: off\n"), rt.dump());
        }
    }

    @Test
    void dump_withPinWorkers_saysOnWithTheMappedCpusOrWhyNot() {
        try (WorkqueueRuntime rt = WorkqueueRuntime.builder().cpus(2).pinWorkers(true).build()) {
            String d = rt.dump();
            if (CpuAffinity.supported()) {
                int[] allowed = CpuAffinity.allowedCpus();
                String expected = "  pinning: on (cpus " + CpuList.format(CpuPinning.osCpus(bits(0, 1), allowed))
                        + " of the process's " + CpuList.format(bits(allowed)) + ")";
                assertTrue(d.contains(expected), "expected " + expected + " in\n" + d);
            } else {
                assertTrue(d.contains("  pinning: unsupported: " + CpuAffinity.status() + "\n"), d);
            }
        }
    }
}
