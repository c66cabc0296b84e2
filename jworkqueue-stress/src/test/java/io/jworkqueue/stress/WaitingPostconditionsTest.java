package io.jworkqueue.stress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jworkqueue.Work;
import io.jworkqueue.Workqueue;
import io.jworkqueue.WorkqueueFlag;
import io.jworkqueue.WorkqueueRuntime;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Timeout;

/**
 * The postconditions of {@link LincheckModelTest} on the real runtime: its own worker threads,
 * timer and concurrency monitor, and real races between the test's threads, many times over
 * (each repetition builds a fresh one-CPU runtime, so interleavings vary). Not exhaustive; the
 * model checker explores the interleavings of the same code systematically, and jcstress and the
 * torture test cover the rest.
 */
@Timeout(value = 60, unit = java.util.concurrent.TimeUnit.SECONDS)
class WaitingPostconditionsTest {
    static final int N = 50;

    static WorkqueueRuntime runtime() {
        return WorkqueueRuntime.builder().cpus(1).watchdogThreshold(Duration.ZERO).build();
    }

    /** After cancelSync returns the item is neither pending nor running, even if it requeues itself. */
    @RepeatedTest(N)
    void cancelSync_selfRequeueingItem_neitherPendingNorRunningAfter() {
        try (WorkqueueRuntime rt = runtime()) {
            Workqueue wq = rt.alloc("wp-cancel", EnumSet.of(WorkqueueFlag.UNBOUND), 0);
            AtomicInteger running = new AtomicInteger();
            AtomicInteger runs = new AtomicInteger();
            Work w = new Work(self -> {
                running.incrementAndGet();
                runs.incrementAndGet();
                wq.queue(self); // keeps requeueing itself until cancelled
                running.decrementAndGet();
            });
            wq.queue(w);
            ScenarioThread canceller = ScenarioThread.start(() -> {
                w.cancelSync();
                assertFalse(w.isPending(), "pending after cancelSync");
                assertEquals(0, running.get(), "running after cancelSync");
                int after = runs.get();
                wq.flush();
                assertEquals(after, runs.get(), "ran again after cancelSync");
            });
            canceller.join();
        }
    }

    /** After flush() of an item, the instance queued before it has finished. */
    @RepeatedTest(N)
    void flushItem_afterQueue_instanceFinished() {
        try (WorkqueueRuntime rt = runtime()) {
            Workqueue wq = rt.alloc("wp-flush", EnumSet.of(WorkqueueFlag.UNBOUND), 0);
            AtomicInteger done = new AtomicInteger();
            Work w = new Work(self -> done.incrementAndGet());
            Runnable queueAndFlush = () -> {
                int before = done.get();
                if (wq.queue(w)) {
                    w.flush();
                    assertTrue(done.get() > before, "flush returned before the queued instance finished");
                }
            };
            ScenarioThread a = ScenarioThread.start(queueAndFlush);
            ScenarioThread b = ScenarioThread.start(queueAndFlush);
            a.join();
            b.join();
            assertTrue(done.get() >= 1);
        }
    }

    /** disable / enable nest as a depth: queue calls fail until the last enable. */
    @RepeatedTest(N)
    void disableEnable_depth_queueRefusedUntilLastEnable() {
        try (WorkqueueRuntime rt = runtime()) {
            Workqueue wq = rt.alloc("wp-disable", EnumSet.of(WorkqueueFlag.UNBOUND), 0);
            AtomicInteger runs = new AtomicInteger();
            Work w = new Work(self -> runs.incrementAndGet());
            Runnable disableQueueEnable = () -> {
                w.disable();
                assertFalse(wq.queue(w), "queued while disabled");
                w.enable();
            };
            ScenarioThread a = ScenarioThread.start(disableQueueEnable);
            ScenarioThread b = ScenarioThread.start(disableQueueEnable);
            a.join();
            b.join();
            assertEquals(0, w.disableDepth());
            assertTrue(wq.queue(w), "not queueable after the last enable");
            w.flush();
            assertEquals(1, runs.get());
        }
    }

    /** An ordered workqueue runs one at a time in queueing order. */
    @RepeatedTest(N)
    void ordered_concurrentQueuers_fifoPerQueuerAndOneAtATime() {
        try (WorkqueueRuntime rt = runtime()) {
            Workqueue wq = rt.allocOrdered("wp-ordered", Set.of());
            OrderedProbe probe = new OrderedProbe();
            Work[] ws = probe.items;
            ScenarioThread a = ScenarioThread.start(() -> {
                assertTrue(wq.queue(ws[0]));
                assertTrue(wq.queue(ws[1]));
            });
            ScenarioThread b = ScenarioThread.start(() -> {
                assertTrue(wq.queue(ws[2]));
                assertTrue(wq.queue(ws[3]));
            });
            a.join();
            b.join();
            wq.flush();
            probe.check();
        }
    }
}
