package io.jworkqueue.internal;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.junit.jupiter.api.Assertions.*;

import io.jworkqueue.DelayedWork;
import io.jworkqueue.Work;
import io.jworkqueue.Workqueue;
import io.jworkqueue.WorkqueueFlag;
import io.jworkqueue.WorkqueueRuntime;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;
import java.util.function.LongSupplier;
import javax.management.ObjectName;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The runtime's own loops survive anything (issue 10, point 3): the timer thread (its loop and
 * each expiry), the concurrency monitor, the rescuer and the worker loop each catch what is
 * thrown, count it in {@code internalErrors} (visible in the MXBean), report it and go on. Faults
 * are injected at the sites of {@link Faults}. Every test is bounded by a {@link Timeout}.
 */
@Timeout(60)
class LoopContainmentTest {
    private static final long WAIT_S = 10;

    @AfterEach
    void clearHook() {
        Faults.hook = null;
    }

    /** Makes {@code site} throw {@code times} times (an Error, which nothing may let through). */
    private static AtomicInteger inject(String site, int times) {
        AtomicInteger thrown = new AtomicInteger();
        Faults.hook = (s, subject) -> {
            if (s.equals(site) && thrown.get() < times && thrown.incrementAndGet() <= times) {
                throw new AssertionError("injected fault at " + site);
            }
        };
        return thrown;
    }

    private static void await(CountDownLatch l, String what) throws InterruptedException {
        assertTrue(l.await(WAIT_S, SECONDS), "timed out waiting for: " + what);
    }

    private static long internalErrorsViaJmx(WorkqueueRuntime rt) throws Exception {
        ObjectName on = new ObjectName("io.jworkqueue:type=WorkqueueRuntime,name=" + rt.name());
        return (Long) ManagementFactory.getPlatformMBeanServer().getAttribute(on, "InternalErrors");
    }

    // ------------------------------------------------------------------ timer

    @Test
    void timerExpiryThrows_itemNotLeftPending_otherTimersOfTheBatchFire_threadGoesOn() throws Exception {
        try (WorkqueueRuntime rt = WorkqueueRuntime.builder().cpus(2).name("loop-containment-expiry").build()) {
            Workqueue wq = rt.alloc("wq", Set.of(), 0);
            AtomicInteger badRuns = new AtomicInteger();
            DelayedWork bad = new DelayedWork(self -> badRuns.incrementAndGet());
            CountDownLatch good = new CountDownLatch(2);
            DelayedWork good1 = new DelayedWork(self -> good.countDown());
            DelayedWork good2 = new DelayedWork(self -> good.countDown());
            Faults.hook = (site, subject) -> {
                if (site.equals("expiry") && subject == bad) {
                    throw new IllegalStateException("injected expiry failure");
                }
            };
            // Same delay, queued back to back: usually one batch; either way all must fire.
            assertTrue(wq.queueDelayedOn(0, good1, Duration.ofMillis(5)));
            assertTrue(wq.queueDelayedOn(0, bad, Duration.ofMillis(5)));
            assertTrue(wq.queueDelayedOn(0, good2, Duration.ofMillis(5)));
            await(good, "the other timers fire although one expiry threw");
            long deadline = System.nanoTime() + SECONDS.toNanos(WAIT_S);
            while (bad.isPending()) {
                assertTrue(System.nanoTime() - deadline < 0, "the failed item is released, not left pending");
                Thread.onSpinWait();
            }
            assertFalse(bad.cancel(), "cancel() returns at once: nothing to cancel");
            assertEquals(0, badRuns.get(), "the failed expiry dropped its item");
            // PENDING is given back before the exception reaches the wheel, which counts it
            while (rt.internalErrors() == 0) {
                assertTrue(System.nanoTime() - deadline < 0, "counted");
                Thread.onSpinWait();
            }
            assertEquals(rt.internalErrors(), internalErrorsViaJmx(rt), "visible in the MXBean");

            Faults.hook = null;
            CountDownLatch later = new CountDownLatch(1);
            DelayedWork again = new DelayedWork(self -> later.countDown());
            assertTrue(wq.queueDelayed(again, Duration.ofMillis(1)), "the timer thread fires later timers");
            assertTrue(wq.queueDelayed(bad, Duration.ofMillis(1)), "the dropped item can be queued again");
            await(later, "a later timer");
            bad.flush(); // fires its timer now if still armed, and waits for the run
            assertEquals(1, badRuns.get());
        }
    }

    @Test
    void timerLoopThrows_threadGoesOn() throws Exception {
        try (WorkqueueRuntime rt = WorkqueueRuntime.builder().cpus(2).name("loop-containment-timer").build()) {
            Workqueue wq = rt.alloc("wq", Set.of(), 0);
            AtomicInteger thrown = inject("timer", 3);
            CountDownLatch fired = new CountDownLatch(3);
            for (int i = 1; i <= 3; i++) {
                assertTrue(wq.queueDelayed(new DelayedWork(self -> fired.countDown()), Duration.ofMillis(i)));
            }
            await(fired, "timers fire after the timer loop threw");
            assertEquals(3, thrown.get());
            assertTrue(rt.internalErrors() >= 3, "each failure counted: " + rt.internalErrors());
            assertEquals(rt.internalErrors(), internalErrorsViaJmx(rt));
        }
    }

    @Test
    void timerThreadCannotStart_queueDelayedRefusedAndReleased_nextArmStartsIt() throws Exception {
        try (WorkqueueRuntime rt = WorkqueueRuntime.builder().cpus(2).name("loop-containment-timer-start").build()) {
            Workqueue wq = rt.alloc("wq", Set.of(), 0);
            inject("timer start", 1);
            DelayedWork d = new DelayedWork(self -> {});
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> wq.queueDelayed(d, Duration.ofMillis(1)));
            assertTrue(e.getMessage().contains("'wq'") && e.getMessage().contains("timer thread"), e.getMessage());
            assertFalse(d.isPending(), "a refused item is not left pending");
            assertFalse(d.cancel());
            assertTrue(rt.internalErrors() >= 1, "the failed start is counted");

            CountDownLatch fired = new CountDownLatch(1);
            DelayedWork again = new DelayedWork(self -> fired.countDown());
            assertTrue(wq.queueDelayed(again, Duration.ofMillis(1)), "the next arm starts the thread");
            await(fired, "the delayed item fires");
            again.flush();
        }
    }

    /** The wheel itself, with a manual clock: one failing expiry in a batch of three. */
    @Test
    void fire_callbackThrowsForOneOfABatch_othersFireAndAllLeaveFiring() {
        long start = 1_000_000_000L;
        long[] now = {start};
        String thread = "loop-containment-wheel";
        // The wheel's own thread sees a time before its base, so it never fires anything itself.
        LongSupplier clock = () -> Thread.currentThread().getName().equals(thread) ? start - 1_000_000L : now[0];
        List<DelayedWork> fired = new CopyOnWriteArrayList<>();
        List<Throwable> errors = new CopyOnWriteArrayList<>();
        DelayedWork a = new DelayedWork(self -> {}), b = new DelayedWork(self -> {}), c = new DelayedWork(self -> {});
        TimerWheel wheel = new TimerWheel(clock, w -> {
            fired.add(w);
            if (w == b) {
                throw new StackOverflowError("injected");
            }
        }, thread, errors::add);
        try {
            for (DelayedWork w : new DelayedWork[] {a, b, c}) {
                wheel.arm(w, 3_000_000L);
            }
            now[0] = start + 10_000_000L;
            DelayedWork chain = wheel.advance(wheel.nowTick());
            List<DelayedWork> batch = new ArrayList<>();
            for (DelayedWork w = chain; w != null; w = Node.timerNext(w)) {
                batch.add(w);
            }
            assertEquals(3, batch.size(), "one batch of three");
            wheel.fire(chain);
            assertEquals(3, fired.size(), "every timer of the batch fired: " + fired);
            assertEquals(1, errors.size(), "the failure went to the error sink");
            for (DelayedWork w : batch) {
                assertEquals(TimerWheel.IDLE, Node.timerStateVolatile(w), "no timer stays FIRING");
            }
        } finally {
            wheel.close();
        }
    }

    // ------------------------------------------------------------------ monitor

    @Test
    void monitorThrows_goesOnReplacingBlockedWorkers() throws Exception {
        try (WorkqueueRuntime rt = WorkqueueRuntime.builder().cpus(2).name("loop-containment-monitor").build()) {
            Workqueue wq = rt.alloc("bound", Set.of(), 0);
            AtomicInteger thrown = inject("monitor", 5);
            // The first item waits for the second on the same CPU: only the monitor can start it.
            CountDownLatch second = new CountDownLatch(1);
            CountDownLatch both = new CountDownLatch(2);
            wq.queueOn(0, new Work(self -> {
                assertTrue(second.await(WAIT_S, SECONDS));
                both.countDown();
            }));
            wq.queueOn(0, new Work(self -> {
                second.countDown();
                both.countDown();
            }));
            await(both, "the monitor survived its failures and started the second item\n" + rt.dump());
            assertEquals(5, thrown.get());
            assertTrue(rt.internalErrors() >= 5, "counted: " + rt.internalErrors());
            wq.flush();
        }
    }

    // ------------------------------------------------------------------ rescuer

    @Test
    void rescuerThrows_maydaysResent_itemsStillRescued() throws Exception {
        AtomicInteger permits = new AtomicInteger(1); // the rescuer only: no worker can be made
        try (WorkqueueRuntime rt = WorkqueueRuntime.builder().cpus(2).name("loop-containment-rescuer")
                .createCooldown(Duration.ofMillis(20))
                .threadFactory(r -> permits.getAndDecrement() > 0 ? Thread.ofPlatform().daemon(true).unstarted(r) : null)
                .build()) {
            Workqueue wq = rt.alloc("reclaim", EnumSet.of(WorkqueueFlag.MEM_RECLAIM), 0);
            AtomicInteger thrown = inject("rescuer", 2);
            int n = 4;
            CountDownLatch done = new CountDownLatch(n);
            for (int i = 0; i < n; i++) {
                wq.queueOn(0, new Work(self -> done.countDown()));
            }
            await(done, "the rescuer survived and the mayday timer called it again\n" + rt.dump());
            assertEquals(2, thrown.get());
            assertTrue(rt.internalErrors() >= 2);
            wq.flush();
            permits.set(Integer.MAX_VALUE); // close() drains the system workqueues with workers
        }
    }

    // ------------------------------------------------------------------ worker

    @Test
    void workerLoopThrows_workerStartsOver_itemsRun_closeReturns() throws Exception {
        WorkqueueRuntime rt = WorkqueueRuntime.builder().cpus(2).name("loop-containment-worker").build();
        try {
            Workqueue wq = rt.alloc("wq", Set.of(), 0);
            Workqueue ub = rt.alloc("ub", EnumSet.of(WorkqueueFlag.UNBOUND), 0);
            AtomicInteger thrown = inject("worker", 3);
            int n = 20;
            CountDownLatch done = new CountDownLatch(2 * n);
            for (int i = 0; i < n; i++) {
                wq.queueOn(i % 2, new Work(self -> done.countDown()));
                ub.queue(new Work(self -> done.countDown()));
            }
            await(done, "every item ran although workers' loops threw\n" + rt.dump());
            wq.flush();
            ub.flush();
            assertEquals(3, thrown.get());
            assertTrue(rt.internalErrors() >= 3);
            assertEquals(rt.internalErrors(), internalErrorsViaJmx(rt));
        } finally {
            rt.close();
        }
        assertEquals(0, rt.workerCount(), "every worker, including those that failed, exited");
    }
}
