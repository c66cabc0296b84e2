package io.jworkqueue;

import static io.jworkqueue.TestSupport.WAIT_S;
import static io.jworkqueue.TestSupport.await;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.junit.jupiter.api.Assertions.*;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@link WorkqueueRuntime#shutdown(Duration)}: a graceful close with a deadline. */
@Timeout(value = 60, unit = SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ShutdownTest {
    private final TestSupport.Helpers helpers = new TestSupport.Helpers("shutdown-test");

    @AfterEach
    void stopHelpers() throws InterruptedException {
        helpers.close();
    }

    @Test
    void shutdown_itemsFinishInTime_runsThemAllAndCloses() throws Exception {
        WorkqueueRuntime rt = TestSupport.newRuntime();
        Workqueue wq = rt.alloc("graceful", Set.of(), 0);
        Workqueue other = rt.alloc("other", Set.of(WorkqueueFlag.UNBOUND), 0);
        AtomicInteger ran = new AtomicInteger();
        TestSupport.Blocker b = TestSupport.startBlocker(wq);
        for (int i = 0; i < 20; i++) {
            assertTrue(wq.queue(new Work(self -> ran.incrementAndGet())));
        }
        // An item that queues to another workqueue of the runtime while it shuts down: accepted.
        AtomicInteger chained = new AtomicInteger();
        assertTrue(wq.queue(new Work(self -> other.queue(new Work(s -> chained.incrementAndGet())))));
        Future<Boolean> done = helpers.submit(() -> rt.shutdown(Duration.ofSeconds(WAIT_S * 2)));
        // From outside, new work is refused at once, while the queued items still wait.
        TestSupport.awaitTrue(() -> {
            try {
                other.queue(new Work(self -> { }));
                return false;
            } catch (IllegalStateException refused) {
                return true;
            }
        }, "outside queueing to be refused");
        assertFalse(done.isDone());
        b.release();
        assertTrue(done.get(WAIT_S * 3, SECONDS));
        assertEquals(20, ran.get());
        assertEquals(1, chained.get());
        assertTrue(rt.isClosed());
        assertEquals(0, rt.workerCount());
        assertThrows(IllegalStateException.class, () -> wq.queue(new Work(self -> { })));
        assertTrue(rt.shutdown(Duration.ZERO), "a second call finds it closed");
    }

    @Test
    void shutdown_stuckItem_reportedCancelledInterruptedAndReturnsByTheDeadline() throws Exception {
        // No hog detection: the spinning item below keeps its CPU's pool to itself.
        WorkqueueRuntime rt = WorkqueueRuntime.builder().cpus(2).cpuIntensiveThreshold(Duration.ofSeconds(60)).build();
        CountDownLatch never = new CountDownLatch(1); // the stuck items' gate, opened at the end
        AtomicBoolean stopSpinning = new AtomicBoolean();
        try (LogCapture log = new LogCapture()) {
            Workqueue stuckQ = rt.allocOrdered("stuck_q", Set.of());
            Workqueue slowQ = rt.alloc("slow_q", Set.of(WorkqueueFlag.UNBOUND), 0);
            CountDownLatch started = new CountDownLatch(2);
            AtomicBoolean stubbornFinished = new AtomicBoolean();
            // Ignores interrupts: only the test's gate ends it.
            assertTrue(stuckQ.queue(new Work("stubborn", self -> {
                started.countDown();
                while (true) {
                    try {
                        never.await();
                        break;
                    } catch (InterruptedException ignored) {
                        // keep waiting
                    }
                }
                stubbornFinished.set(true);
            })));
            // Ends when interrupted.
            AtomicBoolean interrupted = new AtomicBoolean();
            assertTrue(slowQ.queue(new Work("polite", self -> {
                started.countDown();
                try {
                    Thread.sleep(SECONDS.toMillis(WAIT_S * 6));
                } catch (InterruptedException e) {
                    interrupted.set(true);
                }
            })));
            await(started, "both items to start");
            // A runnable item holding CPU 0's pool: an item queued behind it waits on the pool's
            // lock-free inbox (taken in by the next lockPool).
            Workqueue boundQ = rt.alloc("bound_q", Set.of(), 0);
            CountDownLatch spinning = new CountDownLatch(1);
            assertTrue(boundQ.queueOn(0, new Work("spinner", self -> {
                spinning.countDown();
                while (!stopSpinning.get()) {
                    Thread.onSpinWait();
                }
            })));
            await(spinning, "the spinner to start");
            AtomicBoolean inboxRan = new AtomicBoolean();
            Work onInbox = new Work("on inbox", self -> inboxRan.set(true));
            assertTrue(boundQ.queueOn(0, onInbox));
            AtomicBoolean behindRan = new AtomicBoolean();
            Work behind = new Work("behind", self -> behindRan.set(true));
            assertTrue(stuckQ.queue(behind));
            Future<Boolean> flusher = helpers.submit(() -> behind.flush()); // waits for an item that will be cancelled

            Duration deadline = Duration.ofMillis(300);
            long t0 = System.nanoTime();
            assertFalse(rt.shutdown(deadline));
            long took = System.nanoTime() - t0;
            assertTrue(took >= deadline.toNanos(), "ran until the deadline");
            // The deadline, one second of grace for the threads, and a generous margin for a busy machine.
            assertTrue(took < deadline.plusSeconds(1 + WAIT_S).toNanos(), "returned after " + took / 1_000_000 + " ms");

            assertTrue(rt.isClosed());
            assertFalse(behind.isPending(), "the item that had not started is cancelled");
            assertFalse(behindRan.get());
            // On a busy machine the spinner can be preempted long enough for the concurrency
            // monitor to take it for blocked and start another worker, which then runs the item
            // behind it (as it should for a blocked worker). Either way it is not left pending.
            boolean inboxCancelled = !inboxRan.get();
            assertFalse(onInbox.isPending(), "the item behind the spinner is run or cancelled, never left pending");
            flusher.get(WAIT_S, SECONDS); // its flusher returned
            TestSupport.awaitTrue(interrupted::get, "the running item to be interrupted");
            assertFalse(stubbornFinished.get());
            List<String> report = log.containing("shutdown deadline of PT0.3S passed");
            assertEquals(1, report.size(), log.records::toString);
            assertTrue(report.get(0).contains("stuck_q"), report.get(0));
            assertTrue(report.get(0).contains(":stubborn"), report.get(0));
            assertTrue(report.get(0).contains("Stack of kworker/"), report.get(0));
            int notStarted = inboxCancelled ? 2 : 1;
            assertFalse(log.containing(notStarted + " item(s) that had not started were cancelled").isEmpty(),
                    log.records::toString);
        } finally {
            stopSpinning.set(true);
            never.countDown();
        }
    }

    @Test
    void shutdown_badCalls_refused() throws Exception {
        assertThrows(IllegalStateException.class, () -> WorkqueueRuntime.global().shutdown(Duration.ZERO));
        try (WorkqueueRuntime rt = TestSupport.newRuntime()) {
            assertEquals("timeout", assertThrows(NullPointerException.class, () -> rt.shutdown(null)).getMessage());
            AtomicBoolean refused = new AtomicBoolean();
            Work w = new Work(self -> {
                try {
                    rt.shutdown(Duration.ZERO);
                } catch (IllegalStateException e) {
                    refused.set(true);
                }
            });
            assertTrue(rt.system().queue(w));
            assertTrue(w.flush(Duration.ofSeconds(WAIT_S)));
            assertTrue(refused.get(), "shutdown from the runtime's own item is refused");
            assertFalse(rt.isClosed());
        }
    }
}
