package io.jworkqueue.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The wq_monitor.py layout, character for character. */
class MonitorTableTest {

    @Test
    void header_kernelColumns_sameWidthsAsWqMonitor() {
        assertEquals("[rt]                        total  infl  CPUtime CPUitsv CMW/RPR  mayday rescued",
                MonitorTable.header("rt"));
    }

    @Test
    void row_boundWorkqueue_showsCpuIntensiveAndCmWakeupsButNoRescuerColumns() {
        WqRow r = new WqRow("rt", "events", false, false, 1234, 1230, 2_500_000_000L, 7, 42, 0, 0, 0);
        assertEquals("events                       1234     4      2.5       7      42       -       -", MonitorTable.row(r));
    }

    @Test
    void row_unboundMemReclaim_showsRepatriatedMaydayAndRescued() {
        WqRow r = new WqRow("rt", "writeback", true, true, 10, 10, 0, 0, 0, 3, 2, 1);
        assertEquals("writeback                      10     0      0.0       -       3       2       1", MonitorTable.row(r));
    }

    @Test
    void row_longName_keepsTheLast24Characters() {
        WqRow r = new WqRow("rt", "a_very_long_workqueue_name_xyz", false, false, 0, 0, 0, 0, 0, 0, 0, 0);
        assertEquals("ry_long_workqueue_name_xyz".substring(2), MonitorTable.row(r).substring(0, 24));
    }

    @Test
    void json_kernelKeys_cpuTimeInMicroseconds() {
        WqRow r = new WqRow("rt", "q\"1", true, false, 5, 4, 3_000_000, 0, 0, 1, 0, 0);
        assertEquals("{\"timestamp\": 1.500, \"runtime\": \"rt\", \"name\": \"q\\\"1\", \"unbound\": true, \"mem_reclaim\": false, "
                + "\"started\": 5, \"completed\": 4, \"cpu_time\": 3000, \"cpu_intensive\": 0, \"cm_wakeup\": 0, "
                + "\"repatriated\": 1, \"mayday\": 0, \"rescued\": 0}", MonitorTable.json(r, 1.5));
    }
}
