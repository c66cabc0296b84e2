package io.jworkqueue.stress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jworkqueue.Work;
import io.jworkqueue.Workqueue;
import io.jworkqueue.WorkqueueFlag;
import io.jworkqueue.WorkqueueRuntime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.jetbrains.lincheck.Lincheck;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Lincheck model checking ({@link Lincheck#runConcurrentTest}) of the postconditions that involve
 * waiting. Lincheck runs each block many times under its own scheduler, exploring thread
 * interleavings of the test threads and of the runtime's worker threads, and reports the
 * interleaving that breaks an assertion.
 *
 * <p>Each invocation builds a one-CPU runtime, runs the scenario and closes the runtime.
 * {@code -Dlincheck.invocations=N} sets the invocations per test (CI: the default below).
 */
@Timeout(value = 10, unit = java.util.concurrent.TimeUnit.MINUTES)
// Lincheck 3.7 instruments and runs on JDK 25 (agent attached with -XX:+EnableDynamicAgentLoading),
// but reports every scenario as "Concurrent test has hung" after "switch (reason: active lock
// detected)": its model lets a park return at once and treats the runtime's park loops (idle
// workers, the timer wheel, AQS acquire) and long bounded loops (TimerWheel.cancelAll's 448
// buckets at close) as livelocks. So these tests run only with -Dlincheck.enable=true, and
// WaitingPostconditionsTest runs the same scenario bodies as repeated real races in CI.
@EnabledIfSystemProperty(named = "lincheck.enable", matches = "true")
class LincheckWaitingTest {
    static final int INVOCATIONS = Integer.getInteger("lincheck.invocations", 50);

    static WorkqueueRuntime runtime() {
        // No watchdog: its timer thread would be the only thread with a deadline, and Lincheck
        // models a timed park as able to return at once, so it would spin forever under it.
        return WorkqueueRuntime.builder().cpus(1).watchdogThreshold(Duration.ZERO).build();
    }

    static Thread start(Runnable r) {
        Thread t = new Thread(r);
        t.start();
        return t;
    }

    static void join(Thread t) {
        try {
            t.join();
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    /** After cancelSync returns the item is neither pending nor running, even if it requeues itself. */
    @Test
    void cancelSync_selfRequeueingItem_neitherPendingNorRunningAfter() {
        Lincheck.runConcurrentTest(INVOCATIONS, LincheckWaitingTest::cancelSync_selfRequeueingItemScenario);
    }

    static void cancelSync_selfRequeueingItemScenario() {
        {
            try (WorkqueueRuntime rt = runtime()) {
                Workqueue wq = rt.alloc("lc-cancel", EnumSet.of(WorkqueueFlag.UNBOUND), 0);
                AtomicInteger running = new AtomicInteger();
                Work w = new Work(self -> {
                    running.incrementAndGet();
                    wq.queue(self); // keeps requeueing itself until cancelled
                    running.decrementAndGet();
                });
                wq.queue(w);
                Thread canceller = start(() -> {
                    w.cancelSync();
                    assertFalse(w.isPending(), "pending after cancelSync");
                    assertEquals(0, running.get(), "running after cancelSync");
                });
                join(canceller);
            }
        }
    }

    /** After flush() of an item, the instance queued before it has finished. */
    @Test
    void flushItem_afterQueue_instanceFinished() {
        Lincheck.runConcurrentTest(INVOCATIONS, LincheckWaitingTest::flushItem_afterQueueScenario);
    }

    static void flushItem_afterQueueScenario() {
        {
            try (WorkqueueRuntime rt = runtime()) {
                Workqueue wq = rt.alloc("lc-flush", EnumSet.of(WorkqueueFlag.UNBOUND), 0);
                AtomicInteger done = new AtomicInteger();
                Work w = new Work(self -> done.incrementAndGet());
                Thread a = start(() -> {
                    assertTrue(wq.queue(w));
                    w.flush();
                    assertTrue(done.get() >= 1, "flush returned before the queued instance finished");
                });
                Thread b = start(() -> {
                    wq.queue(w);
                    w.flush();
                });
                join(a);
                join(b);
            }
        }
    }

    /** disable / enable nest as a depth: queue calls fail until the last enable. */
    @Test
    void disableEnable_depth_queueRefusedUntilLastEnable() {
        Lincheck.runConcurrentTest(INVOCATIONS, LincheckWaitingTest::disableEnable_depthScenario);
    }

    static void disableEnable_depthScenario() {
        {
            try (WorkqueueRuntime rt = runtime()) {
                Workqueue wq = rt.alloc("lc-disable", EnumSet.of(WorkqueueFlag.UNBOUND), 0);
                Work w = new Work(self -> { });
                Thread a = start(() -> {
                    w.disable();
                    assertFalse(wq.queue(w), "queued while disabled");
                    w.enable();
                });
                Thread b = start(() -> {
                    w.disable();
                    assertFalse(wq.queue(w), "queued while disabled");
                    w.enable();
                });
                join(a);
                join(b);
                assertEquals(0, w.disableDepth());
                assertTrue(wq.queue(w), "not queueable after the last enable");
                w.flush();
            }
        }
    }

    /** An ordered workqueue runs one at a time in queueing order. */
    @Test
    void ordered_concurrentQueuers_fifoPerQueuerAndOneAtATime() {
        Lincheck.runConcurrentTest(INVOCATIONS, LincheckWaitingTest::ordered_concurrentQueuersScenario);
    }

    static void ordered_concurrentQueuersScenario() {
        {
            try (WorkqueueRuntime rt = runtime()) {
                Workqueue wq = rt.allocOrdered("lc-ordered", Set.of());
                List<String> log = java.util.Collections.synchronizedList(new ArrayList<>());
                AtomicInteger running = new AtomicInteger();
                Work[] ws = new Work[4];
                for (int i = 0; i < ws.length; i++) {
                    String name = "w" + i;
                    ws[i] = new Work(self -> {
                        assertEquals(1, running.incrementAndGet(), "two items of an ordered workqueue at once");
                        log.add(name);
                        running.decrementAndGet();
                    });
                }
                Thread a = start(() -> {
                    wq.queue(ws[0]);
                    wq.queue(ws[1]);
                });
                Thread b = start(() -> {
                    wq.queue(ws[2]);
                    wq.queue(ws[3]);
                });
                join(a);
                join(b);
                wq.flush();
                assertEquals(4, log.size());
                assertTrue(log.indexOf("w0") < log.indexOf("w1"), "FIFO broken: " + log);
                assertTrue(log.indexOf("w2") < log.indexOf("w3"), "FIFO broken: " + log);
            }
        }
    }
}
