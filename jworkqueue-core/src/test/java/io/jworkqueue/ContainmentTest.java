package io.jworkqueue;

import static io.jworkqueue.TestSupport.await;
import static io.jworkqueue.TestSupport.awaitTrue;
import static org.junit.jupiter.api.Assertions.*;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntSupplier;
import java.util.function.Supplier;
import javax.management.ObjectName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Calls into user code other than work functions are contained (issue 10, point 2): a
 * {@code cpuLocator} that throws on the queueing thread or on the timer thread, and a
 * {@code ThreadFactory} that throws any kind of {@code Throwable} (or returns null) when the first
 * worker is created on the caller's thread, by the manager, by the mayday timer's retry, or for
 * a rescuer at alloc. Every test is bounded by a {@link Timeout}, so a regression fails instead
 * of hanging the build.
 */
@Timeout(60)
class ContainmentTest {

    /** What a failing callback throws: the kinds a real one may throw, not only RuntimeException. */
    enum Failure {
        RUNTIME(() -> new IllegalStateException("injected")),
        ASSERTION(() -> new AssertionError("injected")),
        INITIALIZER(() -> new ExceptionInInitializerError("injected")),
        NO_CLASS_DEF(() -> new NoClassDefFoundError("injected")),
        OOM(() -> new OutOfMemoryError("unable to create native thread")),
        STACK_OVERFLOW(() -> new StackOverflowError("injected")),
        RETURNS_NULL(null);

        final Supplier<Throwable> make;

        Failure(Supplier<Throwable> make) {
            this.make = make;
        }

        /** Throws this failure (RETURNS_NULL: returns normally, the caller returns null). */
        void raise() {
            if (make == null) {
                return;
            }
            Throwable t = make.get();
            if (t instanceof Error e) {
                throw e;
            }
            throw (RuntimeException) t;
        }
    }

    /** A locator that throws {@code failure} (or returns garbage for RETURNS_NULL), counting calls. */
    private static IntSupplier failingLocator(Failure failure, AtomicInteger calls) {
        return () -> {
            calls.incrementAndGet();
            failure.raise();
            return Integer.MIN_VALUE; // any int is fine: taken modulo cpus
        };
    }

    /** The runtime MXBean's {@code InternalErrors} attribute. */
    private static long internalErrorsViaJmx(WorkqueueRuntime rt) throws Exception {
        ObjectName on = new ObjectName("io.jworkqueue:type=WorkqueueRuntime,name=" + ObjectName.quote(rt.name()));
        if (!ManagementFactory.getPlatformMBeanServer().isRegistered(on)) {
            on = new ObjectName("io.jworkqueue:type=WorkqueueRuntime,name=" + rt.name());
        }
        return (Long) ManagementFactory.getPlatformMBeanServer().getAttribute(on, "InternalErrors");
    }

    // ------------------------------------------------------------------ cpuLocator

    @ParameterizedTest
    @EnumSource(value = Failure.class, names = {"RUNTIME", "ASSERTION", "STACK_OVERFLOW", "RETURNS_NULL"})
    void queue_locatorThrowsOnCallersThread_itemRunsNothingLeftPending(Failure failure) throws Exception {
        AtomicInteger calls = new AtomicInteger();
        try (WorkqueueRuntime rt = WorkqueueRuntime.builder().cpus(2).name("locator-" + failure)
                .cpuLocator(failingLocator(failure, calls)).build()) {
            Workqueue wq = rt.alloc("bound", Set.of(), 0);
            CountDownLatch ran = new CountDownLatch(1);
            Work w = new Work(self -> ran.countDown());
            assertTrue(wq.queue(w), "queue() must not throw and must queue the item");
            await(ran, "the item queued with a failing locator runs");
            assertTrue(calls.get() >= 1, "the locator was asked");
            wq.flush();
            assertFalse(w.isPending(), "nothing left pending");
            assertFalse(w.cancel(), "cancel() returns (nothing to cancel)");

            CountDownLatch again = new CountDownLatch(1);
            assertTrue(wq.queue(new Work(self -> again.countDown())), "later queue calls work");
            await(again, "a later item runs");
            wq.flush();
            if (failure == Failure.RETURNS_NULL) {
                assertEquals(0, rt.internalErrors(), "a locator returning any int is not a failure");
            } else {
                assertTrue(rt.internalErrors() >= 2, "every failing call is counted: " + rt.internalErrors());
                assertEquals(rt.internalErrors(), internalErrorsViaJmx(rt), "the counter is visible in the MXBean");
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = Failure.class, names = {"RUNTIME", "ASSERTION", "NO_CLASS_DEF"})
    void queueDelayed_locatorThrowsOnTimerThread_itemRunsAndTimerThreadGoesOn(Failure failure) throws Exception {
        AtomicInteger calls = new AtomicInteger();
        List<String> callers = new CopyOnWriteArrayList<>();
        IntSupplier locator = () -> {
            calls.incrementAndGet();
            callers.add(Thread.currentThread().getName());
            if (Thread.currentThread().getName().equals("jworkqueue-timer")) {
                failure.raise();
            }
            return 0;
        };
        try (WorkqueueRuntime rt = WorkqueueRuntime.builder().cpus(2).cpuLocator(locator).build()) {
            Workqueue wq = rt.alloc("bound", Set.of(), 0);
            int n = 3;
            CountDownLatch ran = new CountDownLatch(n);
            DelayedWork[] items = new DelayedWork[n];
            for (int i = 0; i < n; i++) {
                items[i] = new DelayedWork(self -> ran.countDown());
                assertTrue(wq.queueDelayed(items[i], Duration.ofMillis(5 + i)));
            }
            await(ran, "every delayed item runs although the locator throws on the timer thread");
            assertTrue(callers.contains("jworkqueue-timer"), "the locator was called on the timer thread: " + callers);
            wq.flush();
            for (DelayedWork d : items) {
                assertFalse(d.isPending(), "nothing left pending");
                assertFalse(d.cancel(), "cancel() returns");
            }
            assertTrue(rt.internalErrors() >= 1, "the failure is counted");

            // The timer thread is alive: later timers (delayed items, and the idle/mayday/watchdog
            // timers riding the same wheel) still fire.
            CountDownLatch later = new CountDownLatch(1);
            assertTrue(wq.queueDelayed(items[0], Duration.ofMillis(1)), "the same item can be queued again");
            assertTrue(wq.queueDelayed(new DelayedWork(self -> later.countDown()), Duration.ofMillis(2)));
            await(later, "a later timer fires");
            items[0].flush(); // its timer may fire after the other one: wait for its run
            assertFalse(items[0].isPending());
        }
    }

    // ------------------------------------------------------------------ ThreadFactory

    /**
     * Makes daemon platform threads while it has permits, then fails with {@code failure}. The
     * permits let the rescuer (and, for the manager's path, a first worker) be made first.
     */
    static final class FailingFactory implements ThreadFactory {
        final AtomicInteger permits;
        final Failure failure;
        final AtomicInteger refused = new AtomicInteger();
        final List<String> refusedOn = new CopyOnWriteArrayList<>();
        volatile boolean healed;

        FailingFactory(int permits, Failure failure) {
            this.permits = new AtomicInteger(permits);
            this.failure = failure;
        }

        @Override
        public Thread newThread(Runnable r) {
            if (!healed && permits.getAndDecrement() <= 0) {
                refused.incrementAndGet();
                refusedOn.add(Thread.currentThread().getName());
                failure.raise();
                return null;
            }
            return Thread.ofPlatform().daemon(true).unstarted(r);
        }
    }

    private static WorkqueueRuntime runtime(ThreadFactory f) {
        return WorkqueueRuntime.builder().cpus(2).threadFactory(f).createCooldown(Duration.ofMillis(20)).build();
    }

    /** A bound MEM_RECLAIM workqueue with the default max_active. */
    private static Workqueue reclaim(WorkqueueRuntime rt) {
        return rt.alloc("reclaim", java.util.EnumSet.of(WorkqueueFlag.MEM_RECLAIM), 0);
    }

    /** Queues {@code n} items to {@code wq} on CPU 0 and waits until all ran; returns how many ran on the rescuer. */
    private static int queueAndAwait(Workqueue wq, int n) throws Exception {
        CountDownLatch done = new CountDownLatch(n);
        AtomicInteger onRescuer = new AtomicInteger();
        for (int i = 0; i < n; i++) {
            assertTrue(wq.queueOn(0, new Work(self -> {
                if (WorkqueueRuntime.currentIsRescuer()) {
                    onRescuer.incrementAndGet();
                }
                done.countDown();
            })), "queue() neither throws nor refuses");
        }
        assertTrue(done.await(TestSupport.WAIT_S, java.util.concurrent.TimeUnit.SECONDS),
                "MEM_RECLAIM items progress through the rescuer; stats " + wq.stats() + "\n" + wq.runtime().dump());
        wq.flush();
        return onRescuer.get();
    }

    @ParameterizedTest
    @EnumSource(Failure.class)
    void threadFactoryFails_firstWorkerFromCallersThread_memReclaimProgressesThroughRescuer_closeReturns(Failure failure)
            throws Exception {
        FailingFactory f = new FailingFactory(1, failure); // the rescuer only
        WorkqueueRuntime rt = runtime(f);
        try {
            Workqueue reclaim = reclaim(rt);
            int rescued = queueAndAwait(reclaim, 5);
            assertEquals(5, rescued, "no worker could be made: every item ran on the rescuer");
            assertTrue(f.refusedOn.contains(Thread.currentThread().getName()),
                    "the first failed creation was on the caller's thread: " + f.refusedOn);
            assertTrue(f.refusedOn.contains("jworkqueue-timer"),
                    "the mayday timer retried the creation (and survived its failure): " + f.refusedOn);
            assertEquals(0, rt.workerCount());

            f.healed = true; // creation works again: the mayday timer's retry makes the first worker
            CountDownLatch normal = new CountDownLatch(1);
            reclaim.queueOn(0, new Work(self -> normal.countDown()));
            await(normal, "items run once workers can be created");
            awaitTrue(() -> rt.workerCount() >= 1, "a worker was created after the factory recovered");
        } finally {
            rt.close(); // returns: @Timeout fails the test if it hangs
        }
        assertTrue(rt.isClosed());
    }

    @ParameterizedTest
    @EnumSource(value = Failure.class, names = {"ASSERTION", "INITIALIZER", "NO_CLASS_DEF", "OOM", "RETURNS_NULL"})
    void threadFactoryFails_forTheManager_workerSurvivesAndRescuerRuns_closeReturns(Failure failure) throws Exception {
        FailingFactory f = new FailingFactory(2, failure); // the rescuer and the first worker
        WorkqueueRuntime rt = runtime(f);
        try {
            Workqueue reclaim = reclaim(rt);
            // The first worker is made on the caller's thread; woken, it has no idle peer, so it
            // becomes the manager, whose creation fails: it must survive, cool down and retry
            // while the mayday timer calls the rescuer, which runs every item.
            int rescued = queueAndAwait(reclaim, 4);
            assertEquals(4, rescued, "a worker without an idle peer only manages: the rescuer ran everything");
            assertTrue(f.refused.get() >= 1, "a second worker was wanted and refused");
            assertTrue(f.refusedOn.stream().anyMatch(n -> n.startsWith("kworker/0:")),
                    "the manager (a worker of CPU 0) tried: " + f.refusedOn);
            assertEquals(1, rt.workerCount(), "the worker whose manager call failed is alive");

            // That worker is still serving its pool.
            CountDownLatch next = new CountDownLatch(1);
            reclaim.queueOn(0, new Work(self -> next.countDown()));
            await(next, "the surviving worker (or the rescuer) runs the next item");
        } finally {
            f.healed = true;
            rt.close();
        }
        assertTrue(rt.isClosed());
    }

    @ParameterizedTest
    @EnumSource(Failure.class)
    void threadFactoryFails_forRescuerAtAlloc_allocFailsWithIllegalState_runtimeStillUsable(Failure failure) {
        FailingFactory f = new FailingFactory(0, failure);
        try (WorkqueueRuntime rt = runtime(f)) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> rt.create("reclaim"));
            assertTrue(e.getMessage().contains("'reclaim'"), e.getMessage());
            assertFalse(rt.workqueues().stream().anyMatch(w -> w.name().equals("reclaim")),
                    "a failed alloc leaves no workqueue behind");
            f.healed = true;
            Workqueue ok = rt.create("reclaim");
            assertTrue(ok.queue(new Work(self -> {})));
            ok.flush();
        }
    }
}
