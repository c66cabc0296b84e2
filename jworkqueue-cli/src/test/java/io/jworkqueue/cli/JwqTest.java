package io.jworkqueue.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jworkqueue.Work;
import io.jworkqueue.Workqueue;
import io.jworkqueue.WorkqueueRuntime;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/**
 * The tool against real targets: a child JVM running {@link ChildWorkload} (one child for the
 * class, attached to by pid through the Attach API), a child JVM without jworkqueue, a process
 * that is not a JVM, a pid that does not exist and a refused connection.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(120)
class JwqTest {
    private ChildJvm child;

    record Result(int code, String out, String err) {
        @Override
        public String toString() {
            return "exit " + code + "\n--- out\n" + out + "--- err\n" + err;
        }
    }

    static Result jwq(String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        int code = Jwq.execute(new PrintWriter(out, true), new PrintWriter(err, true), args);
        return new Result(code, out.toString(), err.toString());
    }

    @BeforeAll
    void startChild() throws Exception {
        child = ChildJvm.java(ChildWorkload.class);
    }

    @AfterAll
    void stopChild() throws Exception {
        if (child != null) {
            child.close();
        }
    }

    private static long total(String table, String wq) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(wq) + "\\s+(\\d+)\\s").matcher(table);
        assertTrue(m.find(), "no row for " + wq + " in\n" + table);
        return Long.parseLong(m.group(1));
    }

    // ------------------------------------------------------------------ monitor

    @Test
    void monitor_onceTwice_totalsOfTheChildWorkloadIncrease() throws Exception {
        Result first = jwq("monitor", "-i", "0", Long.toString(child.pid()), "^child_");
        assertEquals(0, first.code(), first::toString);
        assertTrue(first.out().contains("[child]"), first::toString);
        assertTrue(Pattern.compile("(?m)^\\[child\\]\\s+total\\s+infl\\s+CPUtime\\s+CPUitsv\\s+CMW/RPR\\s+mayday\\s+rescued$")
                .matcher(first.out()).find(), first::toString);
        assertTrue(!first.out().contains("events"), "the regex selects child_* only\n" + first);
        long before = total(first.out(), "child_bound");
        Thread.sleep(300);
        Result second = jwq("monitor", "-i", "0", Long.toString(child.pid()), "child_bound", "child_unbound");
        assertEquals(0, second.code(), second::toString);
        long after = total(second.out(), "child_bound");
        assertTrue(after > before, "total did not grow: " + before + " then " + after);
        assertTrue(!second.out().contains("child_reclaim"), second::toString);
    }

    @Test
    void monitor_rows_showDashWhereAColumnDoesNotApply() {
        Result r = jwq("monitor", "-i", "0", Long.toString(child.pid()), "^child_");
        assertEquals(0, r.code(), r::toString);
        // bound, not MEM_RECLAIM: CPUitsv and CMW figures, mayday and rescued '-'
        assertTrue(Pattern.compile("(?m)^child_bound\\s+\\d+\\s+\\d+\\s+\\d+\\.\\d\\s+\\d+\\s+\\d+\\s+-\\s+-$").matcher(r.out()).find(), r::toString);
        // unbound: CPUitsv '-', CMW/RPR repatriated
        assertTrue(Pattern.compile("(?m)^child_unbound\\s+\\d+\\s+\\d+\\s+\\d+\\.\\d\\s+-\\s+\\d+\\s+-\\s+-$").matcher(r.out()).find(), r::toString);
        // MEM_RECLAIM: mayday and rescued figures
        assertTrue(Pattern.compile("(?m)^child_reclaim\\s+\\d+\\s+\\d+\\s+\\d+\\.\\d\\s+\\d+\\s+\\d+\\s+\\d+\\s+\\d+$").matcher(r.out()).find(), r::toString);
    }

    @Test
    void monitor_jsonTwoSamples_kernelKeysAndGrowingStarted() {
        Result r = jwq("monitor", "-j", "-i", "0.3", "-n", "2", Long.toString(child.pid()), "^child_bound$");
        assertEquals(0, r.code(), r::toString);
        List<String> lines = r.out().lines().filter(l -> !l.isBlank()).toList();
        assertEquals(2, lines.size(), r::toString);
        long[] started = new long[2];
        for (int i = 0; i < 2; i++) {
            String l = lines.get(i);
            for (String key : List.of("timestamp", "runtime", "name", "unbound", "mem_reclaim", "started", "completed",
                    "cpu_time", "cpu_intensive", "cm_wakeup", "repatriated", "mayday", "rescued")) {
                assertTrue(l.contains("\"" + key + "\": "), key + " missing in " + l);
            }
            assertTrue(l.startsWith("{") && l.endsWith("}"), l);
            assertTrue(l.contains("\"runtime\": \"child\"") && l.contains("\"name\": \"child_bound\"") && l.contains("\"unbound\": false"), l);
            Matcher m = Pattern.compile("\"started\": (\\d+)").matcher(l);
            assertTrue(m.find(), l);
            started[i] = Long.parseLong(m.group(1));
        }
        assertTrue(started[1] > started[0], "started did not grow: " + started[0] + " then " + started[1]);
    }

    // ------------------------------------------------------------------ dump

    @Test
    void dump_child_printsPoolsCpuMapRescuersAndBusyDump() {
        Result r = jwq("dump", Long.toString(child.pid()));
        assertEquals(0, r.code(), r::toString);
        String out = r.out();
        for (String section : List.of("Runtime child:", "Affinity Scopes", "Worker Pools", "Workqueue CPU -> pool",
                "Workqueue -> rescuer", "Unbound workqueue -> nr_active/max_active", "Busy workqueues and worker pools")) {
            assertTrue(out.contains(section), section + " missing\n" + r);
        }
        assertTrue(out.indexOf("Affinity Scopes") < out.indexOf("Worker Pools"), out);
        assertTrue(Pattern.compile("(?m)^topology: \\d+ cpus, smt \\S+, cache \\S+, numa \\S+$").matcher(out).find(), out);
        assertTrue(out.contains("\ndefault scope: cache\n"), out);
        assertTrue(out.contains("\npinning: off\n"), out);
        assertTrue(out.contains("\nunbound workqueue child_unbound: nice=0 cpus=all scope=default strict=0\n"), out);
        assertFalse(out.contains("Affinity scopes:"), "the dump's affinity part is shown as its own section\n" + out);
        assertTrue(Pattern.compile("(?m)^pool\\[\\d+\\] ref=\\s*\\d+ nice=\\s*-?\\d+ idle/workers=\\s*\\d+/\\s*\\d+ cpu=\\s*0").matcher(out).find(), out);
        assertTrue(Pattern.compile("(?m)^pool\\[\\d+\\] .*cpus=unbound").matcher(out).find(), out);
        assertTrue(Pattern.compile("(?m)^child_bound\\s+percpu(\\s+\\d+)+$").matcher(out).find(), out);
        assertTrue(Pattern.compile("(?m)^child_unbound\\s+unbound(\\s+\\d+)+$").matcher(out).find(), out);
        assertTrue(Pattern.compile("(?m)^child_reclaim\\s+kworker/R-child_reclaim$").matcher(out).find(), out);
        assertTrue(Pattern.compile("(?m)^child_unbound\\s+\\d+/\\s*4\\s+\\d+$").matcher(out).find(), out);
    }

    // ------------------------------------------------------------------ this JVM

    @Test
    void monitor_ownPid_readsThePlatformMBeanServer() {
        try (WorkqueueRuntime rt = WorkqueueRuntime.builder().name("cli-self").cpus(1).build()) {
            Workqueue wq = rt.alloc("self_wq", Set.of(), 0);
            wq.queue(new Work(self -> { }));
            wq.flush();
            Result r = jwq("monitor", "-i", "0", Long.toString(ProcessHandle.current().pid()), "^self_wq$");
            assertEquals(0, r.code(), r::toString);
            assertEquals(1, total(r.out(), "self_wq"), r::toString);
        }
    }

    // ------------------------------------------------------------------ errors

    @Test
    void monitor_processThatIsNotAJvm_exits2() throws Exception {
        try (ChildJvm sleep = ChildJvm.command("sleep", "60")) {
            Result r = jwq("monitor", "-i", "0", Long.toString(sleep.pid()));
            assertEquals(Jwq.CONNECT, r.code(), r::toString);
            assertTrue(r.err().contains("cannot attach to pid " + sleep.pid()), r::toString);
            assertTrue(sleep.process.isAlive(), "attaching must not kill a process that is not a JVM");
        }
    }

    @Test
    void dump_pidThatDoesNotExist_exits2() {
        Result r = jwq("dump", Integer.toString(Integer.MAX_VALUE));
        assertEquals(Jwq.CONNECT, r.code(), r::toString);
        assertTrue(r.err().contains("no process with pid " + Integer.MAX_VALUE), r::toString);
    }

    @Test
    void monitor_jvmWithoutJworkqueue_exits3() throws Exception {
        try (ChildJvm plain = ChildJvm.java(PlainChild.class)) {
            Result r = jwq("monitor", "-i", "0", Long.toString(plain.pid()));
            assertEquals(Jwq.NO_JWORKQUEUE, r.code(), r::toString);
            assertTrue(r.err().contains("no jworkqueue runtime"), r::toString);
            Result d = jwq("dump", Long.toString(plain.pid()));
            assertEquals(Jwq.NO_JWORKQUEUE, d.code(), d::toString);
        }
    }

    @Test
    void monitor_refusedConnection_exits2() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Result r = jwq("monitor", "-i", "0", "127.0.0.1:" + port);
        assertEquals(Jwq.CONNECT, r.code(), r::toString);
        assertTrue(r.err().contains("cannot connect to service:jmx:rmi:///jndi/rmi://127.0.0.1:" + port + "/jmxrmi"), r::toString);
    }

    @Test
    void commandLine_usageErrors_exit1() {
        assertEquals(Jwq.USAGE, jwq().code());
        assertEquals(Jwq.USAGE, jwq("monitor").code());
        assertEquals(Jwq.USAGE, jwq("frobnicate").code());
        assertEquals(Jwq.USAGE, jwq("monitor", "-i", "-1", "1").code());
        assertEquals(Jwq.USAGE, jwq("monitor", "-i", "0", "1", "(").code());
        assertEquals(Jwq.USAGE, jwq("dump", "not a target").code());
        assertEquals(Jwq.USAGE, jwq("demo", "--seconds", "0").code());
        assertEquals(Jwq.OK, jwq("--help").code());
        assertEquals(Jwq.OK, jwq("monitor", "--help").code());
    }
}
