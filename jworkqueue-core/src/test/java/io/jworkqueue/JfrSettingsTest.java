package io.jworkqueue;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.junit.jupiter.api.Assertions.*;

import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import jdk.jfr.Configuration;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * JFR defaults that are safe in production: the JDK's {@code default} and {@code profile}
 * settings record no per-item events (only runs of 20 ms and more), the rare events stay on, and
 * the shipped {@code jworkqueue.jfc} turns everything on.
 */
@Timeout(value = 60, unit = SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class JfrSettingsTest {
    private static final int ITEMS = 200;

    @TempDir
    Path tmp;

    /** Runs {@link #ITEMS} quick described items and one that sleeps 60 ms on workqueue {@code wqName}. */
    private static void runItems(String wqName) throws Exception {
        try (WorkqueueRuntime rt = WorkqueueRuntime.builder().name("jfr-settings-" + wqName).cpus(2).build()) {
            Workqueue wq = rt.alloc(wqName, Set.of(), 0);
            CountDownLatch done = new CountDownLatch(ITEMS);
            for (int i = 0; i < ITEMS; i++) {
                assertTrue(wq.queue(new Work("quick item", self -> done.countDown())));
            }
            assertTrue(done.await(TestSupport.WAIT_S, SECONDS));
            assertTrue(wq.queue(new Work("slow item", self -> Thread.sleep(60))));
            wq.flush();
        }
    }

    private List<RecordedEvent> record(Configuration c, String wqName) throws Exception {
        Path file = tmp.resolve(wqName + ".jfr");
        try (Recording r = new Recording(c)) {
            r.start();
            runItems(wqName);
            r.stop();
            r.dump(file);
        }
        return RecordingFile.readAllEvents(file).stream()
                .filter(e -> e.getEventType().getName().startsWith("io.jworkqueue."))
                .filter(e -> !e.hasField("workqueue") || wqName.equals(e.getString("workqueue")))
                .toList();
    }

    private static long count(List<RecordedEvent> events, String type) {
        return events.stream().filter(e -> e.getEventType().getName().equals(type)).count();
    }

    @ParameterizedTest
    @ValueSource(strings = {"default", "profile"})
    void jdkSettings_perItemEventsOff_onlyLongRunsRecorded(String settings) throws Exception {
        String wqName = "jfr_" + settings;
        List<RecordedEvent> events = record(Configuration.getConfiguration(settings), wqName);
        assertEquals(0, count(events, "io.jworkqueue.QueueWork"), events::toString);
        assertEquals(0, count(events, "io.jworkqueue.ActivateWork"), events::toString);
        List<RecordedEvent> executed = events.stream()
                .filter(e -> e.getEventType().getName().equals("io.jworkqueue.ExecuteWork")).toList();
        // Only runs over the threshold: the slow item, and at most a few quick ones that a loaded
        // machine preempted for 20 ms; never one event per item.
        assertTrue(executed.stream().anyMatch(e -> e.getString("function").equals("slow item")), executed::toString);
        assertTrue(executed.size() < ITEMS / 4, executed::toString);
        for (RecordedEvent e : executed) {
            assertTrue(e.getDuration().compareTo(Duration.ofMillis(20)) >= 0, e::toString);
        }
    }

    @Test
    void jdkDefaultSettings_rareEventsOn_perItemEventsOffOrThresholded() throws Exception {
        Configuration c = Configuration.getConfiguration("default");
        try (Recording r = new Recording(c)) {
            r.start();
            for (jdk.jfr.EventType t : jdk.jfr.FlightRecorder.getFlightRecorder().getEventTypes()) {
                String n = t.getName();
                if (n.equals("io.jworkqueue.Lockup") || n.equals("io.jworkqueue.CpuHog") || n.equals("io.jworkqueue.Mayday")) {
                    assertTrue(t.isEnabled(), n + " is on by default");
                }
                if (n.equals("io.jworkqueue.QueueWork") || n.equals("io.jworkqueue.ActivateWork")) {
                    assertFalse(t.isEnabled(), n + " is off by default");
                }
                if (n.equals("io.jworkqueue.QueueWork")) {
                    assertTrue(t.getSettingDescriptors().stream().anyMatch(s -> s.getName().equals("stackTrace")
                            && s.getDefaultValue().equals("false")), "no stack trace per queue call by default");
                }
                if (n.equals("io.jworkqueue.ExecuteWork")) {
                    assertTrue(t.getSettingDescriptors().stream().anyMatch(s -> s.getName().equals("threshold")
                            && s.getDefaultValue().equals("20 ms")), t.getSettingDescriptors()::toString);
                }
            }
            r.stop();
        }
    }

    @Test
    void shippedJfc_recordsEveryItemWithStackTraces() throws Exception {
        Configuration c;
        try (InputStream in = Work.class.getResourceAsStream("jworkqueue.jfc")) {
            assertNotNull(in, "io/jworkqueue/jworkqueue.jfc is in the jar");
            Reader reader = new InputStreamReader(in, StandardCharsets.UTF_8);
            c = Configuration.create(reader);
        }
        assertEquals("jworkqueue", c.getLabel());
        List<RecordedEvent> events = record(c, "jfr_jfc");
        assertEquals(ITEMS + 1, count(events, "io.jworkqueue.QueueWork"));
        assertEquals(ITEMS + 1, count(events, "io.jworkqueue.ActivateWork"));
        assertEquals(ITEMS + 1, count(events, "io.jworkqueue.ExecuteWork"));
        RecordedEvent q = events.stream().filter(e -> e.getEventType().getName().equals("io.jworkqueue.QueueWork"))
                .findFirst().orElseThrow();
        assertEquals("quick item", q.getString("function"), "the description names the item");
        assertNotNull(q.getStackTrace(), "the jfc records a stack trace per queue call");
        assertTrue(q.getStackTrace().getFrames().stream()
                .anyMatch(f -> f.getMethod().getType().getName().equals(JfrSettingsTest.class.getName())), q::toString);
    }
}
