package io.jworkqueue;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The {@code jworkqueue.*} system properties that configure {@link WorkqueueRuntime#global()}. */
@Timeout(value = 120, unit = SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class GlobalPropertiesTest {

    private static WorkqueueRuntime.Builder parse(Map<String, String> props) {
        return WorkqueueRuntime.fromProperties(props::get);
    }

    @Test
    void parseDuration_isoUnitsAndPlainMillis() {
        assertEquals(Duration.ofSeconds(30), WorkqueueRuntime.parseDuration("PT30S"));
        assertEquals(Duration.ofMillis(1500), WorkqueueRuntime.parseDuration("pt1.5s"));
        assertEquals(Duration.ofMillis(250), WorkqueueRuntime.parseDuration("250"));
        assertEquals(Duration.ofNanos(7), WorkqueueRuntime.parseDuration("7ns"));
        assertEquals(Duration.ofNanos(7_000), WorkqueueRuntime.parseDuration("7us"));
        assertEquals(Duration.ofMillis(10), WorkqueueRuntime.parseDuration("10ms"));
        assertEquals(Duration.ofSeconds(30), WorkqueueRuntime.parseDuration("30s"));
        assertEquals(Duration.ofSeconds(30), WorkqueueRuntime.parseDuration("30 s"));
        assertEquals(Duration.ofMinutes(5), WorkqueueRuntime.parseDuration("5m"));
        assertEquals(Duration.ofHours(2), WorkqueueRuntime.parseDuration("2h"));
        assertEquals(Duration.ofDays(1), WorkqueueRuntime.parseDuration("1d"));
        assertEquals(Duration.ZERO, WorkqueueRuntime.parseDuration("0"));
        assertThrows(IllegalArgumentException.class, () -> WorkqueueRuntime.parseDuration("10 parsecs"));
        assertThrows(RuntimeException.class, () -> WorkqueueRuntime.parseDuration("s"));
        assertThrows(RuntimeException.class, () -> WorkqueueRuntime.parseDuration("PT"));
    }

    @Test
    void fromProperties_goodValues_configureTheBuilder() {
        try (WorkqueueRuntime rt = parse(Map.of(
                "jworkqueue.cpus", " 3 ",
                "jworkqueue.cpuIntensiveThreshold", "5ms",
                "jworkqueue.watchdogThreshold", "PT45S",
                "jworkqueue.idleWorkerTimeout", "60s",
                "jworkqueue.createCooldown", "200",
                "jworkqueue.powerEfficient", "TRUE")).build()) {
            assertEquals(3, rt.cpus());
            assertEquals(Duration.ofMillis(5), rt.cpuIntensiveThreshold());
            assertEquals(Duration.ofSeconds(45), rt.watchdogThreshold());
            assertTrue(rt.powerEfficient());
        }
        try (WorkqueueRuntime rt = parse(Map.of("jworkqueue.watchdogThreshold", "0")).build()) {
            assertEquals(Duration.ZERO, rt.watchdogThreshold(), "0 turns the watchdog off");
            assertFalse(rt.powerEfficient());
        }
    }

    @Test
    void fromProperties_badValues_failNamingPropertyValueAndRange() {
        record Bad(String property, String value, String allowed) {}
        List<Bad> bad = List.of(
                new Bad("jworkqueue.cpus", "0", "[1, 4096]"),
                new Bad("jworkqueue.cpus", "many", "an integer 1..4096"),
                new Bad("jworkqueue.cpus", "5000", "[1, 4096]"),
                new Bad("jworkqueue.cpuIntensiveThreshold", "0ms", "a positive duration"),
                new Bad("jworkqueue.cpuIntensiveThreshold", "fast", "a positive duration"),
                new Bad("jworkqueue.watchdogThreshold", "-1s", "a duration >= 0"),
                new Bad("jworkqueue.watchdogThreshold", "10 parsecs", "unknown unit 'parsecs'"),
                new Bad("jworkqueue.idleWorkerTimeout", "PT0S", "a positive duration"),
                new Bad("jworkqueue.createCooldown", "-5", "a positive duration"),
                new Bad("jworkqueue.powerEfficient", "yes", "true or false"));
        for (Bad b : bad) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> parse(Map.of(b.property(), b.value())), b::toString);
            String m = e.getMessage();
            assertTrue(m.startsWith("system property " + b.property() + "=\"" + b.value() + "\" is invalid"), m);
            assertTrue(m.contains(b.allowed()), b + ": " + m);
        }
    }

    @Test
    void fromProperties_unboundOptions_configureTheBuilder() {
        var cfg = parse(Map.of(
                "jworkqueue.affinityScope", " NUMA ",
                "jworkqueue.virtualUnboundWorkers", "true",
                "jworkqueue.pinWorkers", "True")).config();
        assertEquals(AffinityScope.NUMA, cfg.defaultScope());
        assertTrue(cfg.virtualUnbound());
        assertTrue(cfg.pinWorkers());
        for (AffinityScope s : List.of(AffinityScope.CPU, AffinityScope.SMT, AffinityScope.CACHE, AffinityScope.SYSTEM)) {
            assertEquals(s, parse(Map.of("jworkqueue.affinityScope", s.sysfsName())).config().defaultScope());
        }
        var defaults = parse(Map.of()).config();
        assertEquals(AffinityScope.CACHE, defaults.defaultScope());
        assertFalse(defaults.virtualUnbound());
        assertFalse(defaults.pinWorkers());
        var off = parse(Map.of("jworkqueue.virtualUnboundWorkers", "false", "jworkqueue.pinWorkers", "FALSE")).config();
        assertFalse(off.virtualUnbound());
        assertFalse(off.pinWorkers());
    }

    @Test
    void fromProperties_badUnboundOptions_failNamingPropertyValueAndRange() {
        record Bad(String property, String value, String allowed, String why) {}
        List<Bad> bad = List.of(
                new Bad("jworkqueue.affinityScope", "default", "one of cpu, smt, cache, numa, system", "not default"),
                new Bad("jworkqueue.affinityScope", "socket", "one of cpu, smt, cache, numa, system", "'socket'"),
                new Bad("jworkqueue.affinityScope", "", "one of cpu, smt, cache, numa, system", "''"),
                new Bad("jworkqueue.virtualUnboundWorkers", "yes", "true or false", "not a boolean"),
                new Bad("jworkqueue.pinWorkers", "1", "true or false", "not a boolean"));
        for (Bad b : bad) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> parse(Map.of(b.property(), b.value())), b::toString);
            String m = e.getMessage();
            assertTrue(m.startsWith("system property " + b.property() + "=\"" + b.value() + "\" is invalid"), m);
            assertTrue(m.endsWith("allowed: " + b.allowed()), b + ": " + m);
            assertTrue(m.contains(b.why()), b + ": " + m);
        }
    }

    /** Runs in a child JVM: prints what global() gives with the properties it was started with. */
    public static final class Child {
        public static void main(String[] args) {
            try {
                WorkqueueRuntime.global();
                System.out.println("started");
            } catch (IllegalStateException e) {
                System.out.println("refused: " + e.getMessage());
                // Not poisoned: the same call fails again, and works once the property is fixed.
                try {
                    WorkqueueRuntime.global();
                    System.out.println("unexpected: started");
                } catch (IllegalStateException again) {
                    System.out.println("refused again");
                }
                System.setProperty("jworkqueue.cpus", "2");
            }
            WorkqueueRuntime g = WorkqueueRuntime.global();
            System.out.println("cpus=" + g.cpus() + " watchdog=" + g.watchdogThreshold()
                    + " cpuIntensive=" + g.cpuIntensiveThreshold() + " powerEfficient=" + g.powerEfficient());
        }
    }

    private static List<String> runChild(String... props) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.addAll(List.of(props));
        cmd.add(Child.class.getName());
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        assertTrue(p.waitFor(60, SECONDS), "the child JVM did not finish");
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), out);
        return out.lines().toList();
    }

    @Test
    void global_childJvm_goodPropertiesApplied() throws Exception {
        List<String> out = runChild("-Djworkqueue.cpus=3", "-Djworkqueue.watchdogThreshold=10s",
                "-Djworkqueue.cpuIntensiveThreshold=PT0.02S", "-Djworkqueue.powerEfficient=true");
        assertEquals(List.of("started", "cpus=3 watchdog=PT10S cpuIntensive=PT0.02S powerEfficient=true"), out);
    }

    @Test
    void global_childJvm_badPropertyRefusedEveryCallUntilFixed() throws Exception {
        List<String> out = runChild("-Djworkqueue.cpus=0");
        assertEquals(3, out.size(), out::toString);
        assertTrue(out.get(0).startsWith("refused: cannot start the global workqueue runtime: "
                + "system property jworkqueue.cpus=\"0\" is invalid"), out.get(0));
        assertTrue(out.get(0).contains("[1, 4096]"), out.get(0));
        assertEquals("refused again", out.get(1));
        assertTrue(out.get(2).startsWith("cpus=2 "), out.get(2));
    }
}
