package io.jworkqueue;

import static io.jworkqueue.TestSupport.WAIT_S;
import static io.jworkqueue.TestSupport.await;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Names people can read: {@code new Work(description, fn)} in dumps, {@code toString} and the
 * default exception handler's line, and {@code setWorkerDescription} (the kernel's
 * {@code set_worker_desc}) beside the in-flight item. JFR events: {@link JfrSettingsTest}; the
 * lockup report: {@link RuntimeKnobsTest}.
 */
@Timeout(value = 60, unit = SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class DescriptionTest {

    @Test
    void description_givenOrNot_isReturnedAndShownByToString() {
        Work described = new Work("flush user cache", self -> { });
        assertEquals("flush user cache", described.description());
        assertTrue(described.toString().contains("[flush user cache]"), described.toString());
        Work plain = new Work(self -> { });
        assertNull(plain.description());
        assertTrue(plain.toString().contains("DescriptionTest$$Lambda"), plain.toString());
        DelayedWork dw = new DelayedWork("debounce save", self -> { });
        assertEquals("debounce save", dw.description());
        assertEquals("description", assertThrows(NullPointerException.class, () -> new Work(null, self -> { })).getMessage());
        assertEquals("fn", assertThrows(NullPointerException.class, () -> new Work("x", null)).getMessage());
        assertEquals("description", assertThrows(NullPointerException.class,
                () -> new DelayedWork(null, self -> { })).getMessage());
    }

    @Test
    void dump_describedItems_showDescriptionsAndTheWorkerDescription() throws Exception {
        try (WorkqueueRuntime rt = WorkqueueRuntime.builder().cpus(1).build();
             TestSupport.Gates gates = new TestSupport.Gates()) {
            Workqueue wq = rt.allocOrdered("described", Set.of());
            CountDownLatch started = new CountDownLatch(1);
            CountDownLatch release = gates.gate();
            assertTrue(wq.queue(new Work("resize images", self -> {
                WorkqueueRuntime.setWorkerDescription("tenant 42");
                started.countDown();
                assertTrue(release.await(WAIT_S, SECONDS));
            })));
            await(started, "the described item to start");
            for (int i = 0; i < 3; i++) {
                assertTrue(wq.queue(new Work("send mail", self -> { })));
            }
            String d = rt.dump();
            assertTrue(d.contains(":resize images (tenant 42)"), d);
            assertTrue(d.contains("inactive: 3*send mail"), d);
            assertFalse(d.contains("$$Lambda"), d);
            release.countDown();
            wq.flush();

            // The text belongs to the run that set it: the next item on the same worker has none.
            CountDownLatch second = new CountDownLatch(1);
            CountDownLatch release2 = gates.gate();
            assertTrue(wq.queue(new Work("resize images", self -> {
                second.countDown();
                assertTrue(release2.await(WAIT_S, SECONDS));
            })));
            await(second, "the second item to start");
            String d2 = rt.dump();
            assertTrue(d2.contains(":resize images"), d2);
            assertFalse(d2.contains("tenant 42"), d2);
            release2.countDown();
            wq.flush();
        }
    }

    @Test
    void setWorkerDescription_offAWorker_doesNothing_nullRefused() {
        WorkqueueRuntime.setWorkerDescription("not a worker"); // no effect, no failure
        assertEquals("description", assertThrows(NullPointerException.class,
                () -> WorkqueueRuntime.setWorkerDescription(null)).getMessage());
    }

    @Test
    void defaultExceptionHandler_logsTheDescription() throws Exception {
        try (LogCapture log = new LogCapture();
             WorkqueueRuntime rt = WorkqueueRuntime.builder().cpus(1).build()) {
            Work w = new Work("parse upload", self -> {
                throw new IllegalStateException("boom");
            });
            assertTrue(rt.system().queue(w));
            rt.system().flush(); // the handler runs on the worker right after the item, before it completes
            List<String> lines = log.containing("threw");
            assertEquals(1, lines.size(), log.records::toString);
            assertTrue(lines.get(0).startsWith("workqueue 'events': work 'parse upload' of Work@"), lines.get(0));
            assertTrue(lines.get(0).contains("boom"), lines.get(0));
            assertFalse(lines.get(0).contains("$$Lambda"), lines.get(0));
        }
    }

    @Test
    void exceptionHandler_receivesTheDescribedItem() throws Exception {
        AtomicReference<String> seen = new AtomicReference<>();
        CountDownLatch reported = new CountDownLatch(1);
        try (WorkqueueRuntime rt = WorkqueueRuntime.builder().cpus(1).uncaughtExceptionHandler((wq, w, t) -> {
            seen.set(w.description() + " / " + w);
            reported.countDown();
        }).build()) {
            assertTrue(rt.system().queue(new Work("parse upload", self -> {
                throw new IllegalStateException("boom");
            })));
            await(reported, "the failure report");
            assertTrue(seen.get().startsWith("parse upload / Work@"), seen.get());
            assertTrue(seen.get().contains("[parse upload"), seen.get());
        }
    }
}
