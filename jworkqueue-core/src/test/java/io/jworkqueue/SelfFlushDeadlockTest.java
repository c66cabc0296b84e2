package io.jworkqueue;

import static io.jworkqueue.TestSupport.WAIT_S;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.junit.jupiter.api.Assertions.*;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * An item of a workqueue whose max_active is 1 holds its only active slot: an item it queues on
 * the same pool workqueue waits on the inactive list until the caller finishes. Flushing that
 * item from the caller would wait for the caller itself, and is refused; what does not deadlock
 * (another CPU's pwq, a larger max_active, the sync cancels) still works.
 */
class SelfFlushDeadlockTest {

    /**
     * Queues an item {@code outer} on {@code wq} that runs {@code inside} (given {@code outer}
     * itself) and returns what it returned or threw; waits for it within WAIT_S.
     */
    private static Object runInside(Workqueue wq, Function<Work, Object> inside) throws Exception {
        CompletableFuture<Object> result = new CompletableFuture<>();
        assertTrue(wq.queue(new Work(self -> {
            try {
                result.complete(inside.apply(self));
            } catch (Throwable t) {
                result.complete(t);
            }
        })));
        return result.get(WAIT_S, SECONDS);
    }

    /** The item queues {@code later} on its own workqueue, then flushes it: refused, {@code later} runs afterwards. */
    private static void assertSelfFlushRefused(Workqueue wq) throws Exception {
        CountDownLatch laterRan = new CountDownLatch(1);
        Work later = new Work(self -> laterRan.countDown());
        Object r = runInside(wq, self -> {
            assertTrue(wq.queue(later));
            assertTrue(later.isPending());
            return later.flush();
        });
        IllegalStateException e = assertInstanceOf(IllegalStateException.class, r, "flush returned " + r);
        assertTrue(e.getMessage().contains("'" + wq.name() + "'"), e.getMessage());
        String id = later.toString().substring(0, later.toString().indexOf('[')); // Work@<hash>
        assertTrue(e.getMessage().contains("flush of " + id), e.getMessage());
        assertTrue(e.getMessage().contains("deadlock"), e.getMessage());
        TestSupport.await(laterRan, "the later item to run once the caller finished");
        wq.flush();
    }

    @Test
    @Timeout(60)
    void ordered_itemFlushesLaterItemOfItsOwnWorkqueue_refused() throws Exception {
        try (WorkqueueRuntime rt = TestSupport.newRuntime()) {
            assertSelfFlushRefused(rt.allocOrdered("sfd_ordered", Set.of()));
        }
    }

    @Test
    @Timeout(60)
    void maxActiveOne_unboundAndBound_itemFlushesLaterItem_refused() throws Exception {
        try (WorkqueueRuntime rt = TestSupport.newRuntime()) {
            assertSelfFlushRefused(TestSupport.unbound(rt, "sfd_unbound1", 1));
            assertSelfFlushRefused(rt.create("sfd_bound1")); // bound, max_active 1 per CPU
            Workqueue lowered = TestSupport.unbound(rt, "sfd_lowered", 4);
            lowered.setMaxActive(1);
            assertSelfFlushRefused(lowered);
        }
    }

    @Test
    @Timeout(60)
    void maxActiveOne_laterItemOnAnotherCpu_flushWaitsAndReturns() throws Exception {
        try (WorkqueueRuntime rt = TestSupport.newRuntime()) {
            Workqueue wq = rt.alloc("sfd_othercpu", Set.of(), 1);
            AtomicBoolean laterRan = new AtomicBoolean();
            Work later = new Work(self -> laterRan.set(true));
            CompletableFuture<Object> result = new CompletableFuture<>();
            assertTrue(wq.queueOn(0, new Work(self -> {
                try {
                    assertTrue(wq.queueOn(1, later)); // CPU 1's pwq: its own slot
                    result.complete(later.flush());
                } catch (Throwable t) {
                    result.complete(t);
                }
            })));
            assertEquals(true, result.get(WAIT_S, SECONDS));
            assertTrue(laterRan.get());
        }
    }

    @Test
    @Timeout(60)
    void maxActiveTwo_laterItemInactiveBehindAnotherActiveItem_flushWaitsForIt() throws Exception {
        try (WorkqueueRuntime rt = TestSupport.newRuntime(); TestSupport.Gates gates = new TestSupport.Gates()) {
            Workqueue wq = TestSupport.unbound(rt, "sfd_two", 2);
            CountDownLatch release = gates.gate();
            CountDownLatch firstStarted = new CountDownLatch(1);
            assertTrue(wq.queue(new Work(self -> {
                firstStarted.countDown();
                assertTrue(release.await(WAIT_S, SECONDS));
            })));
            TestSupport.await(firstStarted, "the first item");
            CountDownLatch laterQueued = new CountDownLatch(1);
            Work later = new Work(self -> {});
            CompletableFuture<Object> result = new CompletableFuture<>();
            java.util.concurrent.atomic.AtomicReference<Thread> flusher = new java.util.concurrent.atomic.AtomicReference<>();
            assertTrue(wq.queue(new Work(self -> {
                try {
                    assertTrue(wq.queue(later));
                    flusher.set(Thread.currentThread());
                    laterQueued.countDown();
                    result.complete(later.flush()); // waits until "first" frees its slot
                } catch (Throwable t) {
                    result.complete(t);
                }
            })));
            TestSupport.await(laterQueued, "the later item to be queued");
            assertTrue(wq.isCongested(0), "the later item should wait on the inactive list");
            // Release the first item only once the flush waits (parked on its barrier): on a busy
            // machine the flusher may be descheduled before it calls flush, and a flush called
            // after the later item ran has nothing to wait for.
            TestSupport.awaitTrue(() -> {
                Object blocker = java.util.concurrent.locks.LockSupport.getBlocker(flusher.get());
                return blocker != null && blocker.getClass().getSimpleName().equals("Barrier");
            }, "the flusher parked on its flush barrier");
            assertFalse(result.isDone(), "flush returned while the later item could not have run: " + result);
            release.countDown();
            assertEquals(true, result.get(WAIT_S, SECONDS));
        }
    }

    @Test
    @Timeout(60)
    void ordered_itemFlushesArmedDelayedItemOfItsOwnWorkqueue_refusedTimerLeftArmed() throws Exception {
        try (WorkqueueRuntime rt = TestSupport.newRuntime()) {
            Workqueue wq = rt.allocOrdered("sfd_delayed", Set.of());
            DelayedWork later = new DelayedWork(self -> {});
            Object r = runInside(wq, self -> {
                assertTrue(wq.queueDelayed(later, Duration.ofHours(1)));
                return later.flush();
            });
            IllegalStateException e = assertInstanceOf(IllegalStateException.class, r, "flush returned " + r);
            assertTrue(e.getMessage().contains("'sfd_delayed'"), e.getMessage());
            assertTrue(later.isTimerArmed(), "a refused flush must not fire the timer");
            assertTrue(later.cancel());
            // and once queued (not armed), the same refusal from the inactive list
            Object r2 = runInside(wq, self -> {
                assertTrue(wq.queueDelayed(later, Duration.ZERO));
                return later.flush();
            });
            assertInstanceOf(IllegalStateException.class, r2, "flush returned " + r2);
            wq.flush();
            assertFalse(later.isPending());
        }
    }

    @Test
    @Timeout(60)
    void ordered_itemCancelsOrDisablesSyncLaterItem_doesNotWaitAndItNeverRuns() throws Exception {
        try (WorkqueueRuntime rt = TestSupport.newRuntime()) {
            Workqueue wq = rt.allocOrdered("sfd_cancel", Set.of());
            AtomicBoolean laterRan = new AtomicBoolean();
            Work later = new Work(self -> laterRan.set(true));
            assertEquals(true, runInside(wq, self -> {
                assertTrue(wq.queue(later));
                return later.cancelSync();
            }));
            assertEquals(true, runInside(wq, self -> {
                assertTrue(wq.queue(later));
                return later.disableSync();
            }));
            wq.flush();
            assertFalse(laterRan.get(), "a cancelled item ran");
            assertTrue(later.enable());
        }
    }
}
