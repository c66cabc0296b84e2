package io.jworkqueue;

import static io.jworkqueue.TestSupport.*;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.junit.jupiter.api.Assertions.*;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@code disable_work}, {@code disable_work_sync}, {@code enable_work} (SEMANTICS.md section 4). */
// The engine's waits are uninterruptible, so the default SAME_THREAD timeout cannot end a hang;
// run each test on its own thread so that a hang fails the test instead of the whole build.
@Timeout(value = 30, unit = SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class DisableTest {

    private Helpers helpers;

    @BeforeEach
    void setUp() {
        helpers = new Helpers("disable-test-helper");
    }

    @AfterEach
    void tearDown() throws InterruptedException {
        helpers.close();
    }

    @Test
    void disable_idleItem_incrementsDepthAndReturnsFalse() {
        try (WorkqueueRuntime rt = newRuntime()) {
            Work w = new Work(self -> { });
            assertEquals(0, w.disableDepth());
            assertFalse(w.disable(), "nothing was pending");
            assertEquals(1, w.disableDepth());
            assertFalse(w.disable());
            assertEquals(2, w.disableDepth());
            assertFalse(w.disable());
            assertEquals(3, w.disableDepth());
            assertFalse(w.enable(), "depth 3 -> 2");
            assertEquals(2, w.disableDepth());
            assertFalse(w.enable(), "depth 2 -> 1");
            assertEquals(1, w.disableDepth());
            assertTrue(w.enable(), "depth reached 0");
            assertEquals(0, w.disableDepth());
            assertFalse(w.isPending());
        }
    }

    @Test
    void disable_pendingItem_cancelsItAndReturnsTrue() throws Exception {
        try (WorkqueueRuntime rt = newRuntime()) {
            Workqueue ord = rt.allocOrdered("ord-dis", Set.of());
            AtomicInteger runs = new AtomicInteger();
            Work w = new Work(self -> runs.incrementAndGet());
            Blocker blocker = startBlocker(ord);
            assertTrue(ord.queue(w));
            assertTrue(w.isPending());

            assertTrue(w.disable(), "a pending instance was cancelled");
            assertFalse(w.isPending());
            assertEquals(1, w.disableDepth());
            assertFalse(w.disable(), "second disable: nothing pending anymore");
            assertEquals(2, w.disableDepth());

            blocker.release();
            ord.flush();
            assertEquals(0, runs.get(), "the disabled instance must not run");
            assertFalse(w.enable());
            assertTrue(w.enable());
            assertTrue(ord.queue(w));
            ord.flush();
            assertEquals(1, runs.get());
        }
    }

    @Test
    void disable_delayedItemWithArmedTimer_returnsTrueAndStopsTimer() {
        try (WorkqueueRuntime rt = newRuntime()) {
            AtomicInteger runs = new AtomicInteger();
            DelayedWork d = new DelayedWork(self -> runs.incrementAndGet());
            assertTrue(rt.system().queueDelayed(d, Duration.ofHours(1)));
            assertTrue(d.isTimerArmed());
            assertTrue(d.disable());
            assertFalse(d.isTimerArmed());
            assertFalse(d.isPending());
            assertEquals(1, d.disableDepth());
            assertFalse(d.flush(), "nothing in flight");
            assertEquals(0, runs.get());
            assertTrue(d.enable());
        }
    }

    @Test
    void disabledItem_everyQueueCall_returnsFalseAndNothingRuns() {
        try (WorkqueueRuntime rt = newRuntime()) {
            Workqueue bound = rt.alloc("dis-b", Set.of(), 0);
            Workqueue unbound = rt.alloc("dis-u", Set.of(WorkqueueFlag.UNBOUND), 0);
            AtomicInteger runs = new AtomicInteger();
            Work w = new Work(self -> runs.incrementAndGet());
            DelayedWork d = new DelayedWork(self -> runs.incrementAndGet());
            assertFalse(w.disable());
            assertFalse(d.disable());

            for (Workqueue wq : new Workqueue[] {bound, unbound, rt.system()}) {
                String n = wq.name();
                assertFalse(wq.queue(w), n + ".queue");
                assertFalse(wq.queueOn(0, w), n + ".queueOn(0)");
                assertFalse(wq.queueOn(1, w), n + ".queueOn(1)");
                assertFalse(wq.queue(d), n + ".queue(delayed)");
                assertFalse(wq.queueDelayed(d, Duration.ZERO), n + ".queueDelayed(0)");
                assertFalse(wq.queueDelayed(d, Duration.ofMillis(1)), n + ".queueDelayed(1ms)");
                assertFalse(d.isTimerArmed(), n + ": no timer armed for a disabled item");
                assertFalse(wq.queueDelayedOn(1, d, Duration.ofHours(1)), n + ".queueDelayedOn");
                assertFalse(d.isTimerArmed(), n);
                // modDelayed returns false for an idle item too, so also check it did nothing
                assertFalse(wq.modDelayed(d, Duration.ZERO), n + ".modDelayed(0)");
                assertFalse(d.isPending(), n + ": modDelayed must leave a disabled item alone");
                assertFalse(wq.modDelayed(d, Duration.ofHours(1)), n + ".modDelayed(1h)");
                assertFalse(d.isTimerArmed(), n + ": modDelayed must not arm a disabled item");
                assertFalse(d.isPending(), n);
                assertFalse(wq.modDelayedOn(0, d, Duration.ZERO), n + ".modDelayedOn(0)");
                assertFalse(d.isPending(), n);
                assertFalse(w.isPending(), n);
            }
            assertFalse(rt.schedule(w));
            assertFalse(rt.scheduleOn(1, w));
            assertFalse(rt.scheduleDelayed(d, Duration.ZERO));
            assertFalse(rt.scheduleDelayedOn(0, d, Duration.ofMillis(5)));

            bound.flush();
            unbound.flush();
            rt.system().flush();
            assertFalse(w.flush());
            assertFalse(d.flush());
            assertEquals(0, runs.get(), "nothing may run while disabled");
            assertEquals(1, w.disableDepth());
            assertEquals(1, d.disableDepth(), "refused queue calls do not change the depth");

            assertTrue(w.enable());
            assertTrue(d.enable());
            assertTrue(bound.queue(w));
            assertTrue(unbound.queueDelayed(d, Duration.ZERO));
            bound.flush();
            unbound.flush();
            assertEquals(2, runs.get(), "re-enabled items run again");
        }
    }

    @Test
    void enable_depthReachesZero_returnsTrueOnlyThen() {
        try (WorkqueueRuntime rt = newRuntime()) {
            AtomicInteger runs = new AtomicInteger();
            Work w = new Work(self -> runs.incrementAndGet());
            w.disable();
            w.disable();
            assertFalse(w.enable(), "depth 1 left");
            assertFalse(rt.system().queue(w), "still disabled at depth 1");
            assertTrue(w.enable(), "depth 0");
            assertTrue(rt.system().queue(w));
            rt.system().flush();
            assertEquals(1, runs.get());
        }
    }

    @Test
    void enable_atDepthZero_throwsIllegalState() {
        try (WorkqueueRuntime rt = newRuntime()) {
            Work w = new Work(self -> { });
            assertThrows(IllegalStateException.class, w::enable, "never disabled");
            assertEquals(0, w.disableDepth());
            w.disable();
            assertTrue(w.enable());
            assertThrows(IllegalStateException.class, w::enable, "enabled below 0");
            assertEquals(0, w.disableDepth(), "a failed enable leaves the depth at 0");
            assertFalse(w.isPending(), "a failed enable leaves no PENDING behind");
            assertTrue(rt.system().queue(w), "still queueable after the failed enable");
            rt.system().flush();
        }
    }

    @Test
    void disable_runningItem_returnsFalseWithoutWaitingAndBlocksSelfRequeue() throws Exception {
        try (WorkqueueRuntime rt = newRuntime()) {
            Workqueue wq = rt.alloc("ub-disrun", Set.of(WorkqueueFlag.UNBOUND), 0);
            CountDownLatch started = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            AtomicInteger runs = new AtomicInteger();
            AtomicReference<Boolean> requeued = new AtomicReference<>();
            Work w = new Work(self -> {
                runs.incrementAndGet();
                started.countDown();
                assertTrue(release.await(10, SECONDS));
                requeued.set(wq.queue(self));
            });
            assertTrue(wq.queue(w));
            await(started, "item start");
            try {
                assertFalse(w.disable(), "running only: nothing pending");
                assertTrue(w.isRunning(), "disable (non-sync) does not wait");
                assertEquals(1, w.disableDepth());
            } finally {
                release.countDown();
            }
            wq.flush(); // waits for the running instance, queued before this flush
            assertEquals(Boolean.FALSE, requeued.get(), "self-requeue of a disabled item returns false");
            assertFalse(w.isPending());
            wq.flush();
            assertEquals(1, runs.get());
            assertTrue(w.enable());
        }
    }

    @Test
    void disableSync_runningItem_returnsOnlyAfterItFinishes() throws Exception {
        try (WorkqueueRuntime rt = newRuntime()) {
            Workqueue wq = rt.alloc("ub-dissync", Set.of(WorkqueueFlag.UNBOUND), 0);
            Blocker running = startBlocker(wq);
            Work w = running.work;
            AtomicBoolean finishedWhenReturned = new AtomicBoolean();
            Future<Boolean> f = helpers.startWaiter(() -> {
                boolean r = w.disableSync();
                finishedWhenReturned.set(running.finished.get());
                return r;
            });
            try {
                assertStillBlocked(f, "disableSync while the item still runs");
                assertFalse(running.finished.get());
            } finally {
                running.release();
            }
            assertFalse(f.get(10, SECONDS), "running only: nothing was pending");
            assertTrue(finishedWhenReturned.get(), "disableSync returned before the running instance finished");
            assertFalse(w.isRunning());
            assertEquals(1, w.disableDepth(), "disableSync leaves the item disabled");
            assertFalse(wq.queue(w));
            assertTrue(w.enable());
            assertTrue(wq.queue(w));
            wq.flush();
        }
    }

    @Test
    void disableSync_pendingBehindRunningInstance_returnsTrueAndWaits() throws Exception {
        try (WorkqueueRuntime rt = newRuntime()) {
            Workqueue wq = rt.alloc("b-dissync", Set.of(), 0);
            CountDownLatch started = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            AtomicInteger runs = new AtomicInteger();
            AtomicBoolean firstFinished = new AtomicBoolean();
            Work w = new Work(self -> {
                if (runs.incrementAndGet() == 1) {
                    started.countDown();
                    assertTrue(WorkqueueRuntime.blocking(() -> release.await(10, SECONDS)));
                    firstFinished.set(true);
                }
            });
            assertTrue(wq.queueOn(1, w));
            await(started, "first run");
            assertTrue(wq.queueOn(1, w), "requeue while running");
            AtomicBoolean finishedWhenReturned = new AtomicBoolean();
            Future<Boolean> f = helpers.startWaiter(() -> {
                boolean r = w.disableSync();
                finishedWhenReturned.set(firstFinished.get());
                return r;
            });
            try {
                assertStillBlocked(f, "disableSync while the item still runs");
            } finally {
                release.countDown();
            }
            assertTrue(f.get(10, SECONDS), "the requeued instance was pending");
            assertTrue(finishedWhenReturned.get());
            wq.flush();
            assertEquals(1, runs.get(), "the cancelled instance must not run");
            assertTrue(w.enable());
        }
    }

    @Test
    void disableSync_idleItem_returnsFalseAndDisables() {
        try (WorkqueueRuntime rt = newRuntime()) {
            Work w = new Work(self -> { });
            assertFalse(w.disableSync());
            assertEquals(1, w.disableDepth());
            assertFalse(rt.system().queue(w));
            assertTrue(w.enable());
            assertTrue(rt.system().queue(w));
            rt.system().flush();
        }
    }
}
