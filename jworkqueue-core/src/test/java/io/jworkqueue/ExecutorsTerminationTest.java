package io.jworkqueue;

import static io.jworkqueue.TestSupport.WAIT_S;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.junit.jupiter.api.Assertions.*;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The executor views never leave a caller waiting: expired and huge {@code awaitTermination}
 * timeouts, futures of scheduled tasks whose workqueue goes away, and an owning view that
 * terminates on the cancel of its last delayed task.
 */
class ExecutorsTerminationTest {

    /** Asserts that {@code es.awaitTermination(t, unit)} returns false without waiting, for every unit. */
    private static void assertExpiredTimeoutsReturnAtOnce(ScheduledExecutorService es) {
        assertTimeoutPreemptively(Duration.ofSeconds(WAIT_S), () -> {
            for (TimeUnit unit : TimeUnit.values()) {
                for (long t : new long[] {Long.MIN_VALUE, Long.MIN_VALUE + 1, -1, 0}) {
                    assertFalse(es.awaitTermination(t, unit), t + " " + unit);
                }
            }
        }, "awaitTermination with an expired timeout waited");
    }

    /** Submits a task that waits for {@code release} (at most WAIT_S) and returns once it runs. */
    private static void startBlockingTask(ScheduledExecutorService es, CountDownLatch release) throws InterruptedException {
        CountDownLatch started = new CountDownLatch(1);
        es.execute(() -> {
            started.countDown();
            try {
                release.await(WAIT_S, SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        TestSupport.await(started, "the blocking task to start");
    }

    @Test
    @Timeout(60)
    void awaitTermination_expiredOrNegativeTimeout_returnsAtOnce() throws Exception {
        try (WorkqueueRuntime rt = TestSupport.newRuntime()) {
            ScheduledExecutorService es = rt.alloc("ext_expired", Set.of(), 0).asScheduledExecutorService();
            assertExpiredTimeoutsReturnAtOnce(es); // running
            CountDownLatch release = new CountDownLatch(1);
            startBlockingTask(es, release);
            es.shutdown();
            assertExpiredTimeoutsReturnAtOnce(es); // shut down, not terminated
            release.countDown();
            assertTrue(es.awaitTermination(WAIT_S, SECONDS));
            assertTimeoutPreemptively(Duration.ofSeconds(WAIT_S), () -> {
                for (TimeUnit unit : TimeUnit.values()) {
                    assertTrue(es.awaitTermination(Long.MIN_VALUE, unit), "terminated, " + unit);
                    assertTrue(es.awaitTermination(Long.MAX_VALUE, unit), "terminated, " + unit);
                }
            });
        }
    }

    @Test
    @Timeout(60)
    void awaitTermination_hugeTimeout_waitsUntilTerminated_noOverflow() throws Exception {
        try (WorkqueueRuntime rt = TestSupport.newRuntime();
             TestSupport.Helpers helpers = new TestSupport.Helpers("ext-await")) {
            ScheduledExecutorService es = rt.alloc("ext_huge", Set.of(), 0).asScheduledExecutorService();
            CountDownLatch release = new CountDownLatch(1);
            startBlockingTask(es, release);
            es.shutdown();
            // Long.MAX_VALUE in units where the nanosecond count saturates, and near it in nanos,
            // where a deadline computed as now + timeout would overflow.
            List<Future<Boolean>> waiters = new ArrayList<>();
            for (TimeUnit unit : TimeUnit.values()) {
                waiters.add(helpers.submit(() -> es.awaitTermination(Long.MAX_VALUE, unit)));
            }
            waiters.add(helpers.submit(() -> es.awaitTermination(Long.MAX_VALUE - 1, TimeUnit.NANOSECONDS)));
            waiters.add(helpers.submit(() -> es.awaitTermination(Long.MAX_VALUE / 1000, TimeUnit.MICROSECONDS)));
            for (Future<Boolean> w : waiters) {
                TestSupport.assertStillBlocked(w, "awaitTermination with a huge timeout");
            }
            release.countDown();
            for (Future<Boolean> w : waiters) {
                assertTrue(w.get(WAIT_S, SECONDS), "a huge timeout must wait until terminated");
            }
        }
    }

    /**
     * Long.MAX_VALUE delays and periods in every unit: trigger times computed as now + delay
     * wrap round, and must still be read as far in the future (differences, not comparisons).
     */
    @Test
    @Timeout(60)
    void hugeDelaysAndPeriods_waitPracticallyForever_neverWrapIntoThePast() throws Exception {
        try (WorkqueueRuntime rt = TestSupport.newRuntime()) {
            ScheduledExecutorService es = rt.alloc("ext_hugedelay", Set.of(), 0).asScheduledExecutorService();
            java.util.concurrent.atomic.AtomicInteger rateRuns = new java.util.concurrent.atomic.AtomicInteger();
            java.util.concurrent.atomic.AtomicInteger delayRuns = new java.util.concurrent.atomic.AtomicInteger();
            CountDownLatch ranOnce = new CountDownLatch(2);
            List<ScheduledFuture<?>> fs = new ArrayList<>();
            fs.add(es.scheduleAtFixedRate(() -> {
                rateRuns.incrementAndGet();
                ranOnce.countDown();
            }, 0, Long.MAX_VALUE, TimeUnit.NANOSECONDS));
            fs.add(es.scheduleWithFixedDelay(() -> {
                delayRuns.incrementAndGet();
                ranOnce.countDown();
            }, 0, Long.MAX_VALUE, TimeUnit.DAYS));
            TestSupport.await(ranOnce, "both periodic tasks to run once");
            for (TimeUnit unit : TimeUnit.values()) {
                fs.add(es.schedule(() -> {}, Long.MAX_VALUE, unit));
                fs.add(es.schedule(() -> {}, Long.MAX_VALUE - 1, unit));
            }
            fs.add(es.scheduleAtFixedRate(() -> {}, Long.MAX_VALUE, 1, TimeUnit.SECONDS));
            TestSupport.awaitTrue(() -> fs.get(0).getDelay(TimeUnit.DAYS) > 0 && fs.get(1).getDelay(TimeUnit.DAYS) > 0,
                    "both periodic tasks re-armed far ahead");
            for (ScheduledFuture<?> f : fs) {
                assertFalse(f.isDone(), f.toString());
                assertTrue(f.getDelay(TimeUnit.DAYS) > 365L * 50, "a huge delay wrapped round: " + f.getDelay(TimeUnit.DAYS) + " days");
            }
            // one run each: a period that wrapped into the past would have run them again at once
            assertEquals(1, rateRuns.get());
            assertEquals(1, delayRuns.get());
            es.shutdownNow();
            assertTrue(es.awaitTermination(WAIT_S, SECONDS));
        }
    }

    /** Schedules a one-shot, a fixed-rate and a fixed-delay task, none due for an hour. */
    private static List<ScheduledFuture<?>> scheduleFarAhead(ScheduledExecutorService es) {
        List<ScheduledFuture<?>> fs = new ArrayList<>();
        fs.add(es.schedule(() -> 1, 1, TimeUnit.HOURS));
        fs.add(es.scheduleAtFixedRate(() -> {}, 1, 1, TimeUnit.HOURS));
        fs.add(es.scheduleWithFixedDelay(() -> {}, 1, 1, TimeUnit.HOURS));
        return fs;
    }

    private static void assertCancelled(List<ScheduledFuture<?>> fs) throws Exception {
        for (ScheduledFuture<?> f : fs) {
            try {
                f.get(WAIT_S, SECONDS);
                fail("the future of " + f + " completed normally");
            } catch (CancellationException expected) {
                assertTrue(f.isCancelled());
            } catch (TimeoutException e) {
                fail("the future of a dropped scheduled task never completed: " + f);
            }
        }
    }

    @Test
    @Timeout(60)
    void scheduledFutures_workqueueDestroyed_completeAsCancelled_viewTerminates() throws Exception {
        try (WorkqueueRuntime rt = TestSupport.newRuntime()) {
            Workqueue wq = rt.alloc("ext_destroyed", Set.of(), 0);
            ScheduledExecutorService es = wq.asScheduledExecutorService();
            List<ScheduledFuture<?>> fs = scheduleFarAhead(es);
            // and one that keeps re-arming itself, so the destroy meets it both armed and running
            CountDownLatch ranOnce = new CountDownLatch(1);
            fs.add(es.scheduleAtFixedRate(ranOnce::countDown, 0, 1, TimeUnit.MILLISECONDS));
            TestSupport.await(ranOnce, "the fast periodic task to run");
            wq.destroy();
            assertCancelled(fs);
            es.shutdown();
            assertTrue(es.awaitTermination(WAIT_S, SECONDS), "the view never terminated: " + es);
        }
    }

    @Test
    @Timeout(60)
    void scheduledFutures_runtimeClosed_completeAsCancelled_viewsTerminate() throws Exception {
        WorkqueueRuntime rt = TestSupport.newRuntime();
        ScheduledExecutorService es = rt.alloc("ext_closed", Set.of(), 0).asScheduledExecutorService();
        ScheduledExecutorService owning = WorkqueueExecutors.newOwningScheduledExecutorService(
                rt.alloc("ext_closed_own", Set.of(WorkqueueFlag.UNBOUND), 0));
        List<ScheduledFuture<?>> fs = scheduleFarAhead(es);
        List<ScheduledFuture<?>> owned = scheduleFarAhead(owning);
        es.shutdown();
        owning.shutdown(); // delayed tasks still wait for their timers: not terminated
        assertFalse(owning.isTerminated());
        assertTimeoutPreemptively(Duration.ofSeconds(WAIT_S), rt::close);
        assertCancelled(fs);
        assertCancelled(owned);
        assertTrue(es.awaitTermination(WAIT_S, SECONDS), "the view never terminated: " + es);
        assertTrue(owning.awaitTermination(WAIT_S, SECONDS), "the owning view never terminated: " + owning);
    }

    @Test
    @Timeout(60)
    void owningView_cancelLastDelayedAfterShutdown_disarmsBeforeDestroy() throws Exception {
        try (WorkqueueRuntime rt = TestSupport.newRuntime(); LogCapture log = new LogCapture()) {
            Workqueue wq = rt.alloc("ext_owning", Set.of(), 0);
            ScheduledExecutorService es = WorkqueueExecutors.newOwningScheduledExecutorService(wq);
            ScheduledFuture<?> f = es.schedule(() -> {}, 1, TimeUnit.HOURS);
            es.shutdown();
            assertFalse(es.isTerminated(), "a delayed task still waits");
            assertTrue(f.cancel(false));
            assertTrue(es.awaitTermination(WAIT_S, SECONDS), "the owning view never terminated: " + es);
            assertTrue(wq.isDestroyed());
            assertEquals(List.of(), log.containing("armed delayed work"),
                    "the workqueue was destroyed before the cancelled task's timer was disarmed");
        }
    }
}
