package io.jworkqueue;

import static io.jworkqueue.TestSupport.*;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.junit.jupiter.api.Assertions.*;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.Future;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@code cancel_work} and {@code cancel_work_sync} (SEMANTICS.md section 4). */
// The engine's waits are uninterruptible, so the default SAME_THREAD timeout cannot end a hang;
// run each test on its own thread so that a hang fails the test instead of the whole build.
@Timeout(value = 30, unit = SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class CancelTest {

    private Helpers helpers;

    @BeforeEach
    void setUp() {
        helpers = new Helpers("cancel-test-helper");
    }

    @AfterEach
    void tearDown() throws InterruptedException {
        helpers.close();
    }

    // ------------------------------------------------------------------ cancel()

    @Test
    void cancel_neverQueuedItem_returnsFalse() {
        try (WorkqueueRuntime rt = newRuntime()) {
            Work w = new Work(self -> fail("must not run"));
            assertFalse(w.cancel());
            assertFalse(w.isPending());
            assertEquals(0, w.disableDepth());
            // still queueable afterwards
            AtomicInteger runs = new AtomicInteger();
            Work v = new Work(self -> runs.incrementAndGet());
            assertFalse(v.cancel());
            assertTrue(rt.system().queue(v));
            rt.system().flush();
            assertEquals(1, runs.get());
        }
    }

    @Test
    void cancel_itemThatAlreadyRan_returnsFalse() {
        try (WorkqueueRuntime rt = newRuntime()) {
            AtomicInteger runs = new AtomicInteger();
            Work w = new Work(self -> runs.incrementAndGet());
            assertTrue(rt.system().queue(w));
            rt.system().flush();
            assertEquals(1, runs.get());
            assertFalse(w.cancel(), "idle item that ran before: nothing to cancel");
            assertFalse(w.isPending());
        }
    }

    @Test
    void cancel_itemInactiveBehindBlockerOnOrderedQueue_returnsTrueAndItemNeverRuns() throws Exception {
        try (WorkqueueRuntime rt = newRuntime()) {
            Workqueue ord = rt.allocOrdered("ord-cancel", Set.of());
            AtomicInteger victimRuns = new AtomicInteger();
            AtomicInteger afterRuns = new AtomicInteger();
            Work victim = new Work(self -> victimRuns.incrementAndGet());
            Work after = new Work(self -> afterRuns.incrementAndGet());
            Blocker blocker = startBlocker(ord);
            assertTrue(ord.queue(victim));
            assertTrue(ord.queue(after));
            assertTrue(victim.isPending());
            assertTrue(ord.isCongested(0), "victim should wait on the inactive list");

            assertTrue(victim.cancel(), "a pending instance was cancelled");
            assertFalse(victim.isPending());
            assertFalse(victim.cancel(), "second cancel finds nothing pending");

            blocker.release();
            ord.flush();
            assertEquals(0, victimRuns.get(), "cancelled instance must not run");
            assertEquals(1, afterRuns.get(), "the item behind the cancelled one still runs");
            assertFalse(victim.isPending());
        }
    }

    @Test
    void cancel_itemInactiveBehindMaxActiveOnUnboundQueue_returnsTrue() throws Exception {
        try (WorkqueueRuntime rt = newRuntime()) {
            Workqueue wq = rt.alloc("ub-max1", Set.of(WorkqueueFlag.UNBOUND), 1);
            AtomicInteger runs = new AtomicInteger();
            List<Work> waiting = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                waiting.add(new Work(self -> runs.incrementAndGet()));
            }
            Blocker blocker = startBlocker(wq);
            for (Work w : waiting) {
                assertTrue(wq.queue(w));
            }
            // cancel the middle one and the last one
            assertTrue(waiting.get(2).cancel());
            assertTrue(waiting.get(4).cancel());
            assertFalse(waiting.get(2).isPending());
            assertTrue(waiting.get(3).isPending(), "neighbours stay queued");
            blocker.release();
            wq.flush();
            assertEquals(3, runs.get(), "only the three uncancelled items run");
            for (Work w : waiting) {
                assertFalse(w.isPending());
            }
        }
    }

    @Test
    void cancel_pendingItemWithFlusherWaiting_flusherReturnsAndItemNeverRuns() throws Exception {
        try (WorkqueueRuntime rt = newRuntime()) {
            Workqueue ord = rt.allocOrdered("ord-cancel-fl", Set.of());
            AtomicInteger runs = new AtomicInteger();
            Work victim = new Work(self -> runs.incrementAndGet());
            Blocker blocker = startBlocker(ord);
            try {
                assertTrue(ord.queue(victim));
                Future<Boolean> flusher = helpers.startWaiter(victim::flush);
                assertStillBlocked(flusher, "flush of an item waiting behind a blocker");
                assertTrue(victim.cancel());
                // the barrier linked behind the cancelled item must still release the flusher
                assertTrue(flusher.get(10, SECONDS), "the flusher had to wait");
                assertFalse(victim.isPending());
            } finally {
                blocker.release();
            }
            ord.flush();
            assertEquals(0, runs.get(), "the cancelled item must not run");
        }
    }

    @Test
    void cancel_runningItemRequeued_returnsTrueAndRequeuedInstanceDoesNotRun() throws Exception {
        try (WorkqueueRuntime rt = newRuntime()) {
            Workqueue wq = rt.alloc("ub-req", Set.of(WorkqueueFlag.UNBOUND), 0);
            CountDownLatch started = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            AtomicInteger runs = new AtomicInteger();
            Work w = new Work(self -> {
                if (runs.incrementAndGet() == 1) {
                    started.countDown();
                    assertTrue(release.await(10, SECONDS));
                }
            });
            assertTrue(wq.queue(w));
            await(started, "first run");
            assertTrue(wq.queue(w), "queueing a running item succeeds (PENDING cleared before run)");
            assertTrue(w.isPending());
            assertTrue(w.cancel(), "the requeued instance was pending");
            assertFalse(w.isPending());
            assertTrue(w.isRunning(), "cancel does not touch the running instance");
            release.countDown();
            wq.flush();
            assertEquals(1, runs.get(), "the cancelled second instance must not run");
        }
    }

    @Test
    void cancel_runningOnlyItem_returnsFalseWithoutWaiting() throws Exception {
        try (WorkqueueRuntime rt = newRuntime()) {
            Workqueue wq = rt.alloc("ub-run", Set.of(WorkqueueFlag.UNBOUND), 0);
            Blocker running = startBlocker(wq);
            Work w = running.work;
            try {
                assertFalse(w.cancel(), "running-only: nothing pending");
                // cancel returned although the item is still blocked: it did not wait
                assertFalse(running.finished.get());
                assertTrue(w.isRunning());
                assertFalse(w.isPending());
                assertEquals(0, w.disableDepth());
            } finally {
                running.release();
            }
            wq.flush(); // waits for the running instance, queued before this flush
            assertTrue(running.finished.get());
            assertFalse(w.isRunning());
        }
    }

    @Test
    void cancel_delayedItemWithArmedTimer_returnsTrueAndNeverRuns() {
        try (WorkqueueRuntime rt = newRuntime()) {
            AtomicInteger runs = new AtomicInteger();
            DelayedWork d = new DelayedWork(self -> runs.incrementAndGet());
            assertTrue(rt.system().queueDelayed(d, Duration.ofHours(1)));
            assertTrue(d.isPending());
            assertTrue(d.isTimerArmed());
            assertTrue(d.cancel());
            assertFalse(d.isPending());
            assertFalse(d.isTimerArmed());
            assertFalse(d.cancel());
            // reusable: queue with no delay now runs it
            assertTrue(rt.system().queueDelayed(d, Duration.ZERO));
            rt.system().flush();
            assertEquals(1, runs.get());
        }
    }

    // ------------------------------------------------------------------ cancelSync()

    @Test
    void cancelSync_idleItem_returnsFalse() {
        try (WorkqueueRuntime rt = newRuntime()) {
            Work w = new Work(self -> { });
            assertFalse(w.cancelSync());
            assertEquals(0, w.disableDepth(), "cancelSync re-enables");
            assertTrue(rt.system().queue(w));
            rt.system().flush();
            assertFalse(w.cancelSync());
        }
    }

    @Test
    void cancelSync_pendingItem_returnsTrueAndItemDoesNotRun() throws Exception {
        try (WorkqueueRuntime rt = newRuntime()) {
            Workqueue ord = rt.allocOrdered("ord-csync", Set.of());
            AtomicInteger runs = new AtomicInteger();
            Work w = new Work(self -> runs.incrementAndGet());
            Blocker blocker = startBlocker(ord);
            assertTrue(ord.queue(w));
            assertTrue(w.cancelSync(), "pending instance cancelled");
            assertFalse(w.isPending());
            assertEquals(0, w.disableDepth());
            blocker.release();
            ord.flush();
            assertEquals(0, runs.get());
        }
    }

    /** A self-requeueing item on a bound workqueue, stopped by cancelSync. */
    @Test
    void cancelSync_selfRequeueingItem_itemStopsAndCounterFreezes() throws Exception {
        try (WorkqueueRuntime rt = newRuntime()) {
            Workqueue wq = rt.alloc("selfreq", Set.of(), 0);
            AtomicLong counter = new AtomicLong();
            CountDownLatch warm = new CountDownLatch(200);
            Work w = new Work(self -> {
                counter.incrementAndGet();
                warm.countDown();
                wq.queue(self);
            });
            assertTrue(wq.queue(w));
            await(warm, "200 runs of the self-requeueing item");

            w.cancelSync();

            assertFalse(w.isPending(), "not pending after cancelSync");
            assertFalse(w.isRunning(), "not running after cancelSync");
            assertEquals(0, w.disableDepth());
            long c1 = counter.get();
            wq.flush();
            rt.system().flush();
            assertEquals(c1, counter.get(), "the item ran again after cancelSync returned");
            assertFalse(w.isPending());
        }
    }

    @Test
    void cancelSync_selfRequeueingItemOnUnboundQueue_itemStopsAndCounterFreezes() throws Exception {
        try (WorkqueueRuntime rt = newRuntime()) {
            Workqueue wq = rt.alloc("selfreq-ub", Set.of(WorkqueueFlag.UNBOUND), 0);
            AtomicLong counter = new AtomicLong();
            for (int round = 0; round < 20; round++) {
                CountDownLatch warm = new CountDownLatch(20);
                Work w = new Work(self -> {
                    counter.incrementAndGet();
                    warm.countDown();
                    wq.queue(self);
                });
                assertTrue(wq.queue(w));
                await(warm, "warm-up round " + round);
                w.cancelSync();
                assertFalse(w.isPending(), "round " + round);
                assertFalse(w.isRunning(), "round " + round);
                long c1 = counter.get();
                wq.flush();
                assertEquals(c1, counter.get(), "round " + round + ": item ran after cancelSync");
            }
        }
    }

    @Test
    void cancelSync_fourConcurrentCancellersOnBusySelfRequeueingItem_allReturn() throws Exception {
        long seed = System.nanoTime();
        System.out.println("cancelSync_fourConcurrentCancellers seed=" + seed);
        java.util.Random rnd = new java.util.Random(seed);
        try (WorkqueueRuntime rt = newRuntime()) {
            Workqueue bound = rt.alloc("busy-b", Set.of(), 0);
            Workqueue unbound = rt.alloc("busy-u", Set.of(WorkqueueFlag.UNBOUND), 0);
            final int threads = 4;
            for (int round = 0; round < 30; round++) {
                Workqueue wq = rnd.nextBoolean() ? bound : unbound;
                AtomicLong counter = new AtomicLong();
                CountDownLatch warm = new CountDownLatch(1 + rnd.nextInt(50));
                Work w = new Work(self -> {
                    counter.incrementAndGet();
                    warm.countDown();
                    wq.queue(self);
                });
                assertTrue(wq.queue(w));
                await(warm, "warm-up round " + round);
                CyclicBarrier start = new CyclicBarrier(threads);
                List<Future<Boolean>> fs = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    fs.add(helpers.submit(() -> {
                        start.await(10, SECONDS);
                        return w.cancelSync();
                    }));
                }
                int trues = 0;
                for (Future<Boolean> f : fs) {
                    if (f.get(10, SECONDS)) {
                        trues++;
                    }
                }
                assertTrue(trues <= 1, "round " + round + ": at most one canceller can have found it pending, got " + trues);
                assertFalse(w.isPending(), "round " + round);
                assertFalse(w.isRunning(), "round " + round);
                assertEquals(0, w.disableDepth(), "round " + round + ": all cancellers re-enabled");
                long c1 = counter.get();
                wq.flush();
                assertEquals(c1, counter.get(), "round " + round + ": item ran after all cancelSyncs returned");
            }
        }
    }

    @Test
    void cancelSync_runningItem_returnsOnlyAfterItFinishes() throws Exception {
        try (WorkqueueRuntime rt = newRuntime()) {
            Workqueue wq = rt.alloc("ub-wait", Set.of(WorkqueueFlag.UNBOUND), 0);
            Blocker running = startBlocker(wq);
            Work w = running.work;
            AtomicBoolean finishedWhenReturned = new AtomicBoolean();
            Future<Boolean> f = helpers.startWaiter(() -> {
                boolean r = w.cancelSync();
                finishedWhenReturned.set(running.finished.get());
                return r;
            });
            try {
                assertStillBlocked(f, "cancelSync of a running item");
                assertFalse(running.finished.get());
            } finally {
                running.release();
            }
            assertFalse(f.get(10, SECONDS), "running-only: nothing was pending");
            assertTrue(finishedWhenReturned.get(), "cancelSync returned before the running instance finished");
            assertFalse(w.isRunning());
            assertFalse(w.isPending());
        }
    }

    @Test
    void cancelSync_runningItemOnBoundQueueWithBlockingHint_waitsForIt() throws Exception {
        try (WorkqueueRuntime rt = newRuntime()) {
            Workqueue wq = rt.alloc("b-wait", Set.of(), 0);
            CountDownLatch started = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            AtomicBoolean finished = new AtomicBoolean();
            Work w = new Work(self -> {
                started.countDown();
                assertTrue(WorkqueueRuntime.blocking(() -> release.await(10, SECONDS)));
                finished.set(true);
            });
            assertTrue(wq.queueOn(0, w));
            await(started, "item start");
            AtomicBoolean finishedWhenReturned = new AtomicBoolean();
            Future<?> f = helpers.startWaiter(() -> {
                w.cancelSync();
                finishedWhenReturned.set(finished.get());
                return null;
            });
            try {
                assertStillBlocked(f, "cancelSync of a running item");
            } finally {
                release.countDown();
            }
            f.get(10, SECONDS);
            assertTrue(finishedWhenReturned.get());
        }
    }

    @Test
    void cancelSync_queueCallsDuringWait_returnFalseAndItemQueueableAfterwards() throws Exception {
        try (WorkqueueRuntime rt = newRuntime()) {
            Workqueue wq = rt.alloc("ub-during", Set.of(WorkqueueFlag.UNBOUND), 0);
            Workqueue other = rt.alloc("other", Set.of(), 0);
            CountDownLatch started = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            AtomicInteger runs = new AtomicInteger();
            AtomicReference<Boolean> selfRequeue = new AtomicReference<>();
            Work w = new Work(self -> {
                if (runs.incrementAndGet() == 1) {
                    started.countDown();
                    assertTrue(release.await(10, SECONDS));
                    // the item tries to requeue itself while cancelSync waits for it
                    selfRequeue.set(wq.queue(self));
                }
            });
            assertTrue(wq.queue(w));
            await(started, "item start");
            Future<Boolean> f = helpers.startWaiter(w::cancelSync);
            try {
                awaitTrue(() -> w.disableDepth() > 0, "cancelSync to disable the item");
                assertStillBlocked(f, "cancelSync");
                assertFalse(wq.queue(w), "queue during cancelSync");
                assertFalse(wq.queueOn(1, w), "queueOn during cancelSync");
                assertFalse(other.queue(w), "queue to another workqueue during cancelSync");
                assertFalse(rt.schedule(w), "schedule during cancelSync");
                assertFalse(w.isPending());
            } finally {
                release.countDown();
            }
            assertFalse(f.get(10, SECONDS));
            assertEquals(Boolean.FALSE, selfRequeue.get(), "self-requeue during cancelSync must return false");
            assertFalse(w.isPending());
            assertFalse(w.isRunning());
            assertEquals(0, w.disableDepth());
            wq.flush();
            other.flush();
            assertEquals(1, runs.get(), "nothing queued during cancelSync may run");

            // after cancelSync returns the item is usable again
            assertTrue(wq.queue(w), "item can be queued again after cancelSync");
            wq.flush();
            assertEquals(2, runs.get());
            assertTrue(other.queue(w));
            other.flush();
            assertEquals(3, runs.get());
        }
    }

    /** A runtime closed right after cancelSync returned must still shut down (no lost worker wake-up). */
    @Test
    void cancelSync_thenRuntimeClose_closeReturns() throws Exception {
        for (int i = 0; i < 300; i++) {
            WorkqueueRuntime rt = newRuntime();
            Workqueue wq = rt.alloc("close-after", Set.of(WorkqueueFlag.UNBOUND), 0);
            CountDownLatch warm = new CountDownLatch(5);
            Work w = new Work(self -> {
                warm.countDown();
                wq.queue(self);
            });
            assertTrue(wq.queue(w));
            await(warm, "warm-up, iteration " + i);
            w.cancelSync();
            assertFalse(w.isPending());
            Future<?> closing = helpers.submit(rt::close);
            try {
                closing.get(10, SECONDS);
            } catch (TimeoutException e) {
                fail("iteration " + i + ": WorkqueueRuntime.close() did not return within 10 s after cancelSync");
            }
            assertTrue(rt.isClosed());
            assertEquals(0, rt.workerCount(), "iteration " + i + ": worker threads left after close");
        }
    }

    @Test
    void cancelSync_delayedItemWithArmedTimer_returnsTrueAndStopsTimer() {
        try (WorkqueueRuntime rt = newRuntime()) {
            AtomicInteger runs = new AtomicInteger();
            DelayedWork d = new DelayedWork(self -> runs.incrementAndGet());
            assertTrue(rt.system().queueDelayed(d, Duration.ofHours(1)));
            assertTrue(d.cancelSync());
            assertFalse(d.isPending());
            assertFalse(d.isTimerArmed());
            assertEquals(0, d.disableDepth());
            assertTrue(rt.system().queueDelayed(d, Duration.ofHours(1)));
            // flush fires the armed timer at once and waits for the run. Its return value may be
            // false if a worker finished the item before the barrier was linked (as in the kernel).
            d.flush();
            assertEquals(1, runs.get(), "flush returned before the fired item ran");
            assertFalse(d.isPending());
            assertFalse(d.isTimerArmed());
        }
    }
}
