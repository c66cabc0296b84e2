package io.jworkqueue.micrometer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jworkqueue.Work;
import io.jworkqueue.Workqueue;
import io.jworkqueue.WorkqueueRuntime;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class QueueWaitProbeTest {

    /** Polls a condition the code under test offers no wait for, up to a generous bound. */
    static void awaitCondition(String what, BooleanSupplier c) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!c.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "timed out waiting for " + what);
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
        }
    }

    @Test
    @Timeout(120)
    void probe_behindABlockedItem_recordsTheWaitAsExecutorIdle() throws Exception {
        try (WorkqueueRuntime rt = WorkqueueRuntime.builder().name("probe").cpus(2).build()) {
            Workqueue wq = rt.allocOrdered("probe_wq", Set.of());
            CountDownLatch release = new CountDownLatch(1);
            CountDownLatch blocking = new CountDownLatch(1);
            wq.queue(new Work(self -> {
                blocking.countDown();
                release.await();
            }));
            assertTrue(blocking.await(60, TimeUnit.SECONDS));
            SimpleMeterRegistry reg = new SimpleMeterRegistry();
            try (QueueWaitProbe probe = QueueWaitProbe.start(wq, Duration.ofMillis(10), Tags.of("app", "t"))) {
                probe.bindTo(reg);
                Timer idle = reg.find("executor.idle").tags("name", "probe_wq", "runtime", "probe", "app", "t").timer();
                assertNotNull(idle, reg.getMetersAsString());
                // The probe is queued behind the blocked item (ordered: on the inactive list).
                awaitCondition("the probe queued", () -> wq.info().getNrInactive() == 1);
                long held = System.nanoTime();
                while (System.nanoTime() - held < TimeUnit.MILLISECONDS.toNanos(50)) {
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5)); // holding the item: the wait the probe must see
                }
                assertEquals(0, idle.count(), "no sample while the probe waits");
                release.countDown();
                awaitCondition("a sample", () -> idle.count() >= 1);
                assertTrue(idle.max(TimeUnit.MILLISECONDS) >= 50, "the sample covers the blocked time: " + idle.max(TimeUnit.MILLISECONDS));
                // Later probes find the workqueue free: more samples follow.
                awaitCondition("more samples", () -> idle.count() >= 3);
                assertTrue(probe.isRunning());
                probe.close();
                assertFalse(probe.isRunning());
                long after = idle.count();
                wq.flush();
                rt.flushScheduled();
                assertEquals(after, idle.count(), "no sample after close");
            }
        }
    }

    @Test
    @Timeout(120)
    void workqueueDestroyed_probeStopsByItself() {
        try (WorkqueueRuntime rt = WorkqueueRuntime.builder().name("probe-destroy").cpus(2).build()) {
            Workqueue wq = rt.alloc("probe_gone", Set.of(), 0);
            QueueWaitProbe probe = QueueWaitProbe.start(wq, Duration.ofMillis(10), Tags.empty());
            wq.destroy();
            awaitCondition("the probe to stop", () -> !probe.isRunning());
            probe.close(); // still fine after it stopped, and twice
            probe.close();
        }
    }

    @Test
    void badPeriod_namesTheWorkqueueTheValueAndTheRange() {
        try (WorkqueueRuntime rt = WorkqueueRuntime.builder().name("probe-bad").cpus(1).build()) {
            Workqueue wq = rt.alloc("probe_bad", Set.of(), 0);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> QueueWaitProbe.start(wq, Duration.ofMillis(1), Tags.empty()));
            assertTrue(e.getMessage().contains("probe_bad") && e.getMessage().contains("PT0.001S")
                    && e.getMessage().contains("PT0.01S..PT1H"), e.getMessage());
            NullPointerException npe = assertThrows(NullPointerException.class, () -> QueueWaitProbe.start(wq, null, Tags.empty()));
            assertEquals("period", npe.getMessage());
        }
    }
}
