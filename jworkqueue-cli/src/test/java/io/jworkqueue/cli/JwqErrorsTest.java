package io.jworkqueue.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Bad targets and intervals: each is one {@code jwq:} line on stderr and the exit code given in
 * docs/MONITORING.md, never a stack trace, and never a connection attempt or a table loop.
 */
@Timeout(60)
class JwqErrorsTest {

    /** Asserts exit code {@code code} and a single {@code jwq:} error line mentioning each of {@code parts}. */
    private static void assertOneLineError(int code, JwqTest.Result r, String... parts) {
        assertEquals(code, r.code(), r::toString);
        String[] lines = r.err().strip().split("\\R");
        assertEquals(1, lines.length, () -> "not one line: " + r);
        assertTrue(lines[0].startsWith("jwq: "), r::toString);
        assertFalse(r.err().contains("\tat "), () -> "a stack trace: " + r);
        for (String p : parts) {
            assertTrue(lines[0].contains(p), () -> "does not mention '" + p + "': " + r);
        }
        assertEquals("", r.out(), r::toString);
    }

    @Test
    void monitorAndDump_portOutOfRange_usageErrorInOneLine() {
        assertOneLineError(Jwq.USAGE, JwqTest.jwq("monitor", "127.0.0.1:99999"), "port 99999", "1..65535");
        assertOneLineError(Jwq.USAGE, JwqTest.jwq("monitor", "-i", "0", "localhost:65536"), "port 65536");
        assertOneLineError(Jwq.USAGE, JwqTest.jwq("monitor", "-i", "0", "127.0.0.1:0"), "port 0", "1..65535");
        assertOneLineError(Jwq.USAGE, JwqTest.jwq("dump", "[::1]:70000"), "port 70000");
        String digits = "9".repeat(400);
        JwqTest.Result huge = JwqTest.jwq("dump", "host:" + digits);
        assertOneLineError(Jwq.USAGE, huge, "port 99999");
        assertTrue(huge.err().length() < 300, () -> "the error echoes the whole target: " + huge);
    }

    @Test
    void monitorAndDump_pidTooLargeForALong_usageErrorInOneLine() {
        assertOneLineError(Jwq.USAGE, JwqTest.jwq("monitor", "-i", "0", "99999999999999999999"), "pid 9999");
        assertOneLineError(Jwq.USAGE, JwqTest.jwq("dump", "99999999999999999999"), "pid 9999");
    }

    @Test
    void monitor_intervalBelowTheFloorOrNotFinite_refused() {
        for (String i : new String[] {"1e-9", "0.05", "-0.5", "NaN", "Infinity", "1e300"}) {
            assertOneLineError(Jwq.USAGE, JwqTest.jwq("monitor", "-i", i, "1"), "interval", "0.1..86400");
        }
        assertOneLineError(Jwq.USAGE, JwqTest.jwq("monitor", "-n", "-1", "1"), "count -1");
    }

    @Test
    void demo_intervalBelowTheFloorOrNotFinite_refused() {
        for (String i : new String[] {"1e-9", "0", "-1", "NaN", "Infinity"}) {
            assertOneLineError(Jwq.USAGE, JwqTest.jwq("demo", "--seconds", "1", "-i", i), "interval", "0.1..86400");
        }
    }

    @Test
    void monitorTable_controlCharactersInANameCannotBreakTheRow() {
        WqRow r = new WqRow("rt", "a\nb\u001b[2J\u009bc", false, false, 0, 0, 0, 0, 0, 0, 0, 0);
        String row = MonitorTable.row(r);
        assertTrue(row.startsWith("a?b?[2J?c "), row);
        assertTrue(row.chars().noneMatch(Character::isISOControl), row);
        String json = MonitorTable.json(r, 0);
        assertTrue(json.contains("\"name\": \"a\\nb\\u001b[2J\\u009bc\""), json);
        assertTrue(json.chars().noneMatch(Character::isISOControl), json);
    }
}
