package io.jworkqueue;

import static io.jworkqueue.TestSupport.*;
import static java.util.concurrent.TimeUnit.MILLISECONDS;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.junit.jupiter.api.Assertions.*;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The semantics that unbound workqueues keep whatever their workers are: each test runs with
 * platform unbound workers and in the virtual-thread mode ({@code virtualUnboundWorkers(true)}),
 * and in the latter asserts that the items did run on virtual threads. A focused set (flush,
 * cancelSync, ordered FIFO, max_active, delayed work, the scheduled executor view), not copies of
 * the full suites, which run with platform workers.
 */
@Timeout(60)
class UnboundModesTest {

    private final Helpers helpers = new Helpers("unbound-modes-helper");

    @AfterEach
    void closeHelpers() throws InterruptedException {
        helpers.close();
    }

    private static WorkqueueRuntime runtime(boolean virtual) {
        return WorkqueueRuntime.builder().cpus(2).virtualUnboundWorkers(virtual).build();
    }

    /** Records whether every item it is called from ran on a thread of the expected kind. */
    private static final class Kinds {
        final boolean virtual;
        final List<String> wrong = new CopyOnWriteArrayList<>();

        Kinds(boolean virtual) {
            this.virtual = virtual;
        }

        void check() {
            Thread t = Thread.currentThread();
            if (t.isVirtual() != virtual) {
                wrong.add(t.toString());
            }
        }

        void assertAll() {
            assertEquals(List.of(), wrong, "items on threads that are not " + (virtual ? "virtual" : "platform"));
        }
    }

    @ParameterizedTest(name = "virtual={0}")
    @ValueSource(booleans = {false, true})
    void flush_waitsForEveryItemQueuedBefore(boolean virtual) throws Exception {
        Kinds kinds = new Kinds(virtual);
        try (WorkqueueRuntime rt = runtime(virtual); Gates gates = new Gates()) {
            Workqueue wq = unbound(rt, "flushed", 0);
            CountDownLatch gate = gates.gate();
            AtomicInteger done = new AtomicInteger();
            int n = 20;
            for (int i = 0; i < n; i++) {
                assertTrue(wq.queue(new Work(self -> {
                    kinds.check();
                    assertTrue(gate.await(WAIT_S, SECONDS));
                    done.incrementAndGet();
                })));
            }
            Future<?> flusher = helpers.startWaiter(() -> {
                wq.flush();
                return null;
            });
            assertStillBlocked(flusher, "flush with gated items");
            gate.countDown();
            flusher.get(WAIT_S, SECONDS);
            assertEquals(n, done.get(), "flush returned before every item it waited for");
            kinds.assertAll();
        }
    }

    @ParameterizedTest(name = "virtual={0}")
    @ValueSource(booleans = {false, true})
    void cancelSync_runningItem_waitsForItAndPendingOneNeverRuns(boolean virtual) throws Exception {
        Kinds kinds = new Kinds(virtual);
        try (WorkqueueRuntime rt = runtime(virtual); Gates gates = new Gates()) {
            Workqueue wq = unbound(rt, "cancelled", 0);
            CountDownLatch gate = gates.gate(), started = new CountDownLatch(1);
            AtomicInteger runs = new AtomicInteger();
            AtomicBoolean finished = new AtomicBoolean();
            Work w = new Work(self -> {
                kinds.check();
                runs.incrementAndGet();
                started.countDown();
                assertTrue(gate.await(WAIT_S, SECONDS));
                finished.set(true);
            });
            assertTrue(wq.queue(w));
            await(started, "the item to run");
            assertTrue(wq.queue(w), "queued again while running");
            Future<Boolean> canceller = helpers.startWaiter(w::cancelSync);
            assertStillBlocked(canceller, "cancelSync of a running item");
            gate.countDown();
            assertTrue(canceller.get(WAIT_S, SECONDS), "the pending instance was cancelled");
            assertTrue(finished.get(), "cancelSync returned before the running instance finished");
            wq.flush();
            assertEquals(1, runs.get(), "the cancelled instance ran");
            kinds.assertAll();
        }
    }

    @ParameterizedTest(name = "virtual={0}")
    @ValueSource(booleans = {false, true})
    void allocOrdered_itemsRunOneAtATimeInQueueingOrder(boolean virtual) throws Exception {
        Kinds kinds = new Kinds(virtual);
        try (WorkqueueRuntime rt = runtime(virtual)) {
            Workqueue wq = rt.allocOrdered("fifo", Set.of());
            int n = 200;
            List<Integer> order = new CopyOnWriteArrayList<>();
            AtomicInteger inside = new AtomicInteger(), maxInside = new AtomicInteger();
            for (int i = 0; i < n; i++) {
                int k = i;
                assertTrue(wq.queue(new Work(self -> {
                    kinds.check();
                    maxInside.accumulateAndGet(inside.incrementAndGet(), Math::max);
                    if (k % 10 == 0) {
                        Thread.sleep(1); // blocks: a virtual worker unmounts, another could start
                    }
                    order.add(k);
                    inside.decrementAndGet();
                })));
            }
            wq.flush();
            List<Integer> expected = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                expected.add(i);
            }
            assertEquals(expected, order, "FIFO");
            assertEquals(1, maxInside.get(), "at most one item at a time");
            kinds.assertAll();
        }
    }

    @ParameterizedTest(name = "virtual={0}")
    @ValueSource(booleans = {false, true})
    void maxActive_unboundWorkqueue_exactlyThatManyRunAtOnce(boolean virtual) throws Exception {
        Kinds kinds = new Kinds(virtual);
        try (WorkqueueRuntime rt = runtime(virtual); Gates gates = new Gates()) {
            int limit = 3, n = 12;
            Workqueue wq = unbound(rt, "limited", limit);
            CountDownLatch gate = gates.gate(), firstWave = new CountDownLatch(limit), all = new CountDownLatch(n);
            AtomicInteger inside = new AtomicInteger(), maxInside = new AtomicInteger(), started = new AtomicInteger();
            for (int i = 0; i < n; i++) {
                assertTrue(wq.queue(new Work(self -> {
                    kinds.check();
                    maxInside.accumulateAndGet(inside.incrementAndGet(), Math::max);
                    started.incrementAndGet();
                    firstWave.countDown();
                    try {
                        assertTrue(gate.await(WAIT_S, SECONDS)); // blocks (a virtual worker unmounts)
                    } finally {
                        inside.decrementAndGet();
                        all.countDown();
                    }
                })));
            }
            await(firstWave, limit + " items running");
            // An unlimited item on the same pool runs: anything that could start has had its chance.
            CountDownLatch probe = new CountDownLatch(1);
            assertTrue(unbound(rt, "probe", 0).queue(new Work(self -> probe.countDown())));
            await(probe, "the probe item");
            assertEquals(limit, started.get(), "items started while " + limit + " were blocked");
            gate.countDown();
            await(all, "every item");
            assertEquals(limit, maxInside.get(), "max_active is exact");
            kinds.assertAll();
        }
    }

    @ParameterizedTest(name = "virtual={0}")
    @ValueSource(booleans = {false, true})
    void queueDelayed_runsAfterItsDelayAndCancelStopsAnother(boolean virtual) throws Exception {
        Kinds kinds = new Kinds(virtual);
        try (WorkqueueRuntime rt = runtime(virtual)) {
            Workqueue wq = unbound(rt, "delayed", 0);
            CountDownLatch ran = new CountDownLatch(1);
            AtomicBoolean cancelledRan = new AtomicBoolean();
            long delay = 30;
            long queuedAt = System.nanoTime();
            AtomicInteger elapsedMs = new AtomicInteger(-1);
            DelayedWork d = new DelayedWork(self -> {
                kinds.check();
                elapsedMs.set((int) MILLISECONDS.convert(System.nanoTime() - queuedAt, java.util.concurrent.TimeUnit.NANOSECONDS));
                ran.countDown();
            });
            DelayedWork cancelled = new DelayedWork(self -> cancelledRan.set(true));
            assertTrue(wq.queueDelayed(d, Duration.ofMillis(delay)));
            assertTrue(wq.queueDelayed(cancelled, Duration.ofSeconds(WAIT_S)));
            assertTrue(d.isTimerArmed() || d.isPending());
            await(ran, "the delayed item");
            assertTrue(elapsedMs.get() >= delay, "ran after " + elapsedMs.get() + " ms, before its delay");
            assertTrue(cancelled.cancelSync(), "the armed item was cancelled");
            wq.flush();
            assertFalse(cancelledRan.get());
            kinds.assertAll();
        }
    }

    @ParameterizedTest(name = "virtual={0}")
    @ValueSource(booleans = {false, true})
    void newScheduledExecutorService_submitScheduleAndShutdown(boolean virtual) throws Exception {
        Kinds kinds = new Kinds(virtual);
        try (WorkqueueRuntime rt = runtime(virtual)) {
            Workqueue wq = unbound(rt, "executor", 0);
            ScheduledExecutorService ex = WorkqueueExecutors.newScheduledExecutorService(wq);
            Future<String> f = ex.submit(() -> {
                kinds.check();
                return "done";
            });
            ScheduledFuture<Integer> s = ex.schedule(() -> {
                kinds.check();
                return 42;
            }, 20, MILLISECONDS);
            CountDownLatch ticks = new CountDownLatch(3);
            ScheduledFuture<?> periodic = ex.scheduleAtFixedRate(() -> {
                kinds.check();
                ticks.countDown();
            }, 0, 5, MILLISECONDS);
            assertEquals("done", f.get(WAIT_S, SECONDS));
            assertEquals(42, s.get(WAIT_S, SECONDS));
            await(ticks, "three periodic runs");
            assertTrue(periodic.cancel(false));
            ex.shutdown();
            assertTrue(ex.awaitTermination(WAIT_S, SECONDS), "the executor view terminated");
            kinds.assertAll();
        }
    }
}
