package io.jworkqueue;

import static io.jworkqueue.TestSupport.WAIT_S;
import static io.jworkqueue.TestSupport.await;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.junit.jupiter.api.Assertions.*;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Timed waits: {@link Workqueue#flush(Duration)} and {@link Work#flush(Duration)}. */
@Timeout(value = 60, unit = SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class TimedWaitTest {
    private static final Duration SHORT = Duration.ofMillis(50);
    private static final Duration LONG = Duration.ofSeconds(WAIT_S);

    @Test
    void workqueueFlush_itemStillRunning_expiresThenSucceeds() throws Exception {
        try (WorkqueueRuntime rt = TestSupport.newRuntime()) {
            Workqueue wq = TestSupport.unbound(rt, "timed", 0);
            assertTrue(wq.flush(Duration.ZERO), "nothing queued: nothing to wait for");
            TestSupport.Blocker b = TestSupport.startBlocker(wq);
            long t0 = System.nanoTime();
            assertFalse(wq.flush(SHORT));
            assertTrue(System.nanoTime() - t0 >= SHORT.toNanos(), "waited the timeout out");
            assertFalse(wq.flush(Duration.ZERO));
            assertFalse(wq.flush(Duration.ofMillis(-5)), "a negative timeout only checks");
            b.release();
            assertTrue(wq.flush(LONG));
            assertTrue(b.finished.get());
        }
    }

    @Test
    void workqueueFlush_moreTimeoutsThanColours_laterFlushesStillWork() throws Exception {
        try (WorkqueueRuntime rt = TestSupport.newRuntime()) {
            Workqueue wq = TestSupport.unbound(rt, "colours", 1);
            TestSupport.Blocker b = TestSupport.startBlocker(wq);
            AtomicInteger ran = new AtomicInteger();
            // 40 timed-out flushers, each with an item queued behind the blocker: more than the
            // 16 flush colours, so every colour is taken and abandoned in turn.
            for (int i = 0; i < 40; i++) {
                assertTrue(wq.queue(new Work(self -> ran.incrementAndGet())));
                assertFalse(wq.flush(Duration.ofMillis(1)), "flush " + i);
            }
            b.release();
            wq.flush(); // untimed: would hang if a timed-out flusher had left its colour stuck
            assertEquals(40, ran.get());
            assertTrue(wq.flush(LONG));
            TestSupport.Blocker b2 = TestSupport.startBlocker(wq);
            assertFalse(wq.flush(SHORT));
            b2.release();
            assertTrue(wq.flush(LONG));
        }
    }

    @Test
    void workqueueFlush_fromOwnItem_refused() throws Exception {
        try (WorkqueueRuntime rt = TestSupport.newRuntime()) {
            Workqueue wq = TestSupport.unbound(rt, "self", 0);
            AtomicReference<Throwable> thrown = new AtomicReference<>();
            assertTrue(wq.queue(new Work(self -> {
                try {
                    wq.flush(SHORT);
                } catch (Throwable t) {
                    thrown.set(t);
                }
            })));
            wq.flush();
            assertInstanceOf(IllegalStateException.class, thrown.get());
            assertTrue(thrown.get().getMessage().contains("'self'"), thrown.get().getMessage());
            assertEquals("timeout", assertThrows(NullPointerException.class, () -> wq.flush(null)).getMessage());
        }
    }

    @Test
    void workFlush_running_expiresThenSucceeds_idleIsTrue() throws Exception {
        try (WorkqueueRuntime rt = TestSupport.newRuntime()) {
            Workqueue wq = TestSupport.unbound(rt, "wflush", 0);
            TestSupport.Blocker b = new TestSupport.Blocker();
            assertTrue(b.work.flush(SHORT), "never queued: nothing to wait for");
            assertTrue(wq.queue(b.work));
            await(b.started, "the item to start");
            assertFalse(b.work.flush(SHORT));
            assertFalse(b.work.flush(SHORT), "a second timed-out barrier is harmless too");
            b.release();
            assertTrue(b.work.flush(LONG));
            assertTrue(b.finished.get());
            assertTrue(b.work.flush(Duration.ZERO), "idle again");
            // The barriers the timed-out waits left behind did no harm: the item runs again.
            CountDownLatch again = new CountDownLatch(1);
            Work w = new Work(self -> again.countDown());
            assertTrue(wq.queue(w));
            await(again, "a new item to run");
            assertTrue(w.flush(LONG));
            wq.flush();
            assertEquals("timeout", assertThrows(NullPointerException.class, () -> w.flush(null)).getMessage());
        }
    }

    @Test
    void workFlush_pendingBehindBusyOrderedQueue_expiresThenSucceeds() throws Exception {
        try (WorkqueueRuntime rt = TestSupport.newRuntime()) {
            Workqueue wq = rt.allocOrdered("ordered", Set.of());
            TestSupport.Blocker b = TestSupport.startBlocker(wq);
            CountDownLatch ran = new CountDownLatch(1);
            Work queued = new Work(self -> ran.countDown());
            assertTrue(wq.queue(queued));
            assertFalse(queued.flush(SHORT));
            assertTrue(queued.isPending());
            b.release();
            assertTrue(queued.flush(LONG));
            assertEquals(0, ran.getCount());
        }
    }

    @Test
    void workFlush_armedDelayedWork_firesTheTimerAndWaits() throws Exception {
        try (WorkqueueRuntime rt = TestSupport.newRuntime()) {
            AtomicInteger ran = new AtomicInteger();
            DelayedWork dw = new DelayedWork("late", self -> ran.incrementAndGet());
            assertTrue(rt.system().queueDelayed(dw, Duration.ofHours(1)));
            assertTrue(dw.flush(LONG));
            assertEquals(1, ran.get());
            assertFalse(dw.isTimerArmed());
        }
    }

    @Test
    void workFlush_fromOwnFunction_refused() throws Exception {
        try (WorkqueueRuntime rt = TestSupport.newRuntime()) {
            AtomicReference<Throwable> thrown = new AtomicReference<>();
            Work w = new Work(self -> {
                try {
                    self.flush(SHORT);
                } catch (Throwable t) {
                    thrown.set(t);
                }
            });
            assertTrue(rt.system().queue(w));
            assertTrue(w.flush(LONG));
            assertInstanceOf(IllegalStateException.class, thrown.get());
        }
    }
}
