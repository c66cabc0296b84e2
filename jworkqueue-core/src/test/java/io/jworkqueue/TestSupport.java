package io.jworkqueue;

import static java.util.concurrent.TimeUnit.MILLISECONDS;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * The harness shared by the tests of this package: runtimes, bounded waits, gate latches and
 * helper threads. Every wait here is bounded ({@link #WAIT_S}) and fails the test on timeout, so
 * that a lost wake-up shows as a failure and not as a hung build.
 */
final class TestSupport {

    /** How long any wait for something that should happen may take, in seconds. */
    static final long WAIT_S = 10;

    private TestSupport() {
    }

    // ------------------------------------------------------------------ runtimes and workqueues

    /** The runtime most tests use: two CPUs, everything else default. Close it (try-with-resources). */
    static WorkqueueRuntime newRuntime() {
        return WorkqueueRuntime.builder().cpus(2).build();
    }

    /** An unbound workqueue named {@code name} with the given max_active (0: the default). */
    static Workqueue unbound(WorkqueueRuntime rt, String name, int maxActive) {
        return rt.alloc(name, Set.of(WorkqueueFlag.UNBOUND), maxActive);
    }

    // ------------------------------------------------------------------ bounded waits

    /** Waits up to {@link #WAIT_S} for {@code latch} to reach zero; fails naming {@code what} otherwise. */
    static void await(CountDownLatch latch, String what) throws InterruptedException {
        assertTrue(latch.await(WAIT_S, SECONDS), "timed out waiting for: " + what);
    }

    /**
     * Waits, spinning, until {@code cond} holds: for a condition another thread makes true. Bounded
     * by {@link #WAIT_S}; fails naming {@code what} on timeout.
     */
    static void awaitTrue(BooleanSupplier cond, String what) {
        long deadline = System.nanoTime() + SECONDS.toNanos(WAIT_S);
        while (!cond.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                fail("timed out waiting for: " + what);
            }
            Thread.onSpinWait();
            Thread.yield();
        }
    }

    /** Asserts that {@code f} has not completed within 100 ms: the call it runs still waits. */
    static void assertStillBlocked(Future<?> f, String what) throws Exception {
        try {
            f.get(100, MILLISECONDS);
            fail(what + " returned while it should still wait");
        } catch (TimeoutException expected) {
            // still waiting, as it should
        }
    }

    // ------------------------------------------------------------------ bookkeeping

    /**
     * How long a flush or a close that should finish at once may take, in seconds. It stays
     * short of the time a mutation test allows a test beyond its normal run (PIT: 8 s), so that
     * an engine that lost count fails the test with the counts instead of hanging it.
     */
    static final long SETTLE_S = 5;

    /** The workqueue's bookkeeping as the public snapshot shows it, for failure messages. */
    static String books(Workqueue wq) {
        WorkqueueInfo i = wq.info();
        return "'" + wq.name() + "' nrActive=" + i.getNrActive() + " nrInactive=" + i.getNrInactive()
                + " started=" + i.getStarted() + " completed=" + i.getCompleted() + " maxActive=" + i.getMaxActive();
    }

    /**
     * Asserts nr_active (items on a worklist or running) and the number of items waiting for
     * max_active, summed over the workqueue's pools. The snapshot moves queued items off the
     * inboxes first, so right after a queue call returns the counts are exact. On a mismatch the
     * runtime is stopped at once before the test fails, so its close cannot hang on the broken
     * counts.
     */
    static void assertBooks(Workqueue wq, int nrActive, int nrInactive, String when) {
        WorkqueueInfo i = wq.info();
        if (i.getNrActive() != nrActive || i.getNrInactive() != nrInactive) {
            failStopping(wq, when + ": expected nrActive=" + nrActive + " nrInactive=" + nrInactive + ", got " + books(wq));
        }
    }

    /** Asserts that nothing of {@code wq} is active, waiting or in flight (as {@link #assertBooks}). */
    static void assertIdle(Workqueue wq, String when) {
        WorkqueueInfo i = wq.info();
        if (i.getNrActive() != 0 || i.getNrInactive() != 0 || i.getStarted() != i.getCompleted()) {
            failStopping(wq, when + ": expected nothing active, waiting or in flight, got " + books(wq));
        }
    }

    /**
     * Flushes {@code wq}, failing with its counts if that takes more than {@link #SETTLE_S}, and
     * then asserts it is idle ({@link #assertIdle}). For tests that flush only to wait for their
     * items; flush semantics are FlushTest's.
     */
    static void flushIdle(Workqueue wq) {
        if (!wq.flush(Duration.ofSeconds(SETTLE_S))) {
            failStopping(wq, "flush did not return within " + SETTLE_S + " s: " + books(wq));
        }
        assertIdle(wq, "after the flush");
    }

    /**
     * The result of {@code f}, a waiting call on {@code wq} (a flush) that should return within
     * {@link #SETTLE_S}; fails with {@code wq}'s counts otherwise.
     */
    static <T> T settle(Future<T> f, Workqueue wq, String what) throws Exception {
        try {
            return f.get(SETTLE_S, SECONDS);
        } catch (TimeoutException e) {
            failStopping(wq, what + " did not return within " + SETTLE_S + " s: " + books(wq));
            throw e; // not reached
        }
    }

    /** Stops {@code wq}'s runtime at once (nothing left to hang its close), then fails with {@code message}. */
    private static void failStopping(Workqueue wq, String message) {
        wq.runtime().shutdown(Duration.ZERO);
        fail(message);
    }

    /** A resource whose close throws nothing checked. */
    interface Closer extends AutoCloseable {
        @Override
        void close();
    }

    /**
     * Closes {@code rt} with a deadline of {@link #SETTLE_S} ({@link WorkqueueRuntime#shutdown})
     * and fails if it did not drain in time. Declare it right after the runtime in the
     * try-with-resources, so it closes first: a test that lost an item then ends in seconds
     * rather than waiting in {@code close()} for ever.
     */
    static Closer closeWithin(WorkqueueRuntime rt) {
        return () -> assertTrue(rt.shutdown(Duration.ofSeconds(SETTLE_S)),
                () -> "the runtime did not drain within " + SETTLE_S + " s");
    }

    // ------------------------------------------------------------------ gates

    /**
     * Gate latches that are opened when a test ends, pass or fail, before its runtime closes. Open
     * it in the same try-with-resources as the runtime, after it, so it closes first.
     */
    static final class Gates implements AutoCloseable {
        private final List<CountDownLatch> all = new CopyOnWriteArrayList<>();

        /** A new closed gate (a latch of count 1) that {@link #close()} will open. */
        CountDownLatch gate() {
            CountDownLatch l = new CountDownLatch(1);
            all.add(l);
            return l;
        }

        @Override
        public void close() {
            all.forEach(CountDownLatch::countDown);
        }
    }

    // ------------------------------------------------------------------ a blocking item

    /**
     * An item that, once it runs, counts down {@link #started} and then holds its worker until
     * {@link #release()} (for at most {@link #WAIT_S}); after that it sets {@link #finished}. It
     * waits without the blocking hint, so on a bound pool it keeps its CPU busy.
     */
    static final class Blocker {
        final CountDownLatch started = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        final AtomicBoolean finished = new AtomicBoolean();
        final Work work = new Work(self -> {
            started.countDown();
            assertTrue(release.await(WAIT_S, SECONDS));
            finished.set(true);
        });

        /** Lets the item finish. */
        void release() {
            release.countDown();
        }
    }

    /** Queues a new {@link Blocker} on {@code wq} and returns once it runs. */
    static Blocker startBlocker(Workqueue wq) throws InterruptedException {
        Blocker b = new Blocker();
        assertTrue(wq.queue(b.work));
        await(b.started, "the blocking item to start");
        return b;
    }

    // ------------------------------------------------------------------ helper threads

    /**
     * Daemon helper threads named {@code name}, for calls that block (flush, cancelSync, ...) and
     * that a test must watch from outside. Close it in an {@code @AfterEach}.
     */
    static final class Helpers implements AutoCloseable {
        private final ExecutorService exec;

        Helpers(String name) {
            exec = Executors.newCachedThreadPool(r -> {
                Thread t = new Thread(r, name);
                t.setDaemon(true);
                return t;
            });
        }

        /** Runs {@code c} on a helper thread. */
        <T> Future<T> submit(Callable<T> c) {
            return exec.submit(c);
        }

        /** Runs {@code r} on a helper thread. */
        Future<?> submit(Runnable r) {
            return exec.submit(r);
        }

        /**
         * Starts {@code c} on a helper thread and returns once that thread is parked inside the
         * library's wait (a flush barrier or a flush condition), or has already returned.
         */
        <T> Future<T> startWaiter(Callable<T> c) {
            AtomicReference<Thread> th = new AtomicReference<>();
            Future<T> f = exec.submit(() -> {
                th.set(Thread.currentThread());
                return c.call();
            });
            awaitTrue(() -> {
                if (f.isDone()) {
                    return true;
                }
                Thread t = th.get();
                if (t == null) {
                    return false;
                }
                Thread.State s = t.getState();
                Object b = LockSupport.getBlocker(t);
                return (s == Thread.State.WAITING || s == Thread.State.TIMED_WAITING) && b != null
                        && (b.getClass().getSimpleName().equals("Barrier") || b.getClass().getName().contains("ConditionObject"));
            }, "the helper thread to block in the library's wait");
            return f;
        }

        /** Interrupts the helper threads and asserts that they end within {@link #WAIT_S}. */
        @Override
        public void close() throws InterruptedException {
            exec.shutdownNow();
            assertTrue(exec.awaitTermination(WAIT_S, SECONDS), "helper threads did not end");
        }
    }
}
