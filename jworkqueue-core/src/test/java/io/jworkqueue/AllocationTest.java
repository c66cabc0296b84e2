package io.jworkqueue;

import static org.junit.jupiter.api.Assertions.*;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadFactory;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Keeps the hot paths allocation-free without timing anything (issue #5): bytes allocated, as
 * counted by HotSpot's per-thread allocation counter
 * ({@code com.sun.management.ThreadMXBean#getThreadAllocatedBytes}), around loops of
 * {@value #OPS} operations after a warm-up of the same size. The JMH counterpart is
 * {@code -prof gc} on {@code FanOutBenchmark} and {@code TimersBenchmark}.
 *
 * <p>{@code com.sun.management} lives in {@code jdk.management}, which the {@code io.jworkqueue}
 * module does not read (and need not: only this test uses it), so the two methods are looked up
 * reflectively once, as method handles that return a plain {@code long}.
 */
class AllocationTest {
    static final int OPS = 100_000;
    /** Fixed slack per measured loop: a late JIT event or a TLAB refill record, never per-op cost. */
    static final long SLACK_BYTES = 4096;

    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
    private static MethodHandle currentThreadAllocatedBytes; // (ThreadMXBean) -> long
    private static MethodHandle threadAllocatedBytes; // (ThreadMXBean, long) -> long

    @BeforeAll
    static void lookUpCounters() throws Exception {
        Class<?> sunBean;
        try {
            sunBean = Class.forName("com.sun.management.ThreadMXBean");
        } catch (ClassNotFoundException e) {
            Assumptions.abort("com.sun.management.ThreadMXBean is not available on this JVM");
            return;
        }
        Assumptions.assumeTrue(sunBean.isInstance(THREADS), "the platform ThreadMXBean has no allocation counter");
        MethodHandles.Lookup lookup = MethodHandles.publicLookup();
        currentThreadAllocatedBytes = lookup
                .findVirtual(sunBean, "getCurrentThreadAllocatedBytes", MethodType.methodType(long.class))
                .asType(MethodType.methodType(long.class, ThreadMXBean.class));
        threadAllocatedBytes = lookup
                .findVirtual(sunBean, "getThreadAllocatedBytes", MethodType.methodType(long.class, long.class))
                .asType(MethodType.methodType(long.class, ThreadMXBean.class, long.class));
        Assumptions.assumeTrue(allocatedHere() >= 0, "thread allocation measurement is disabled");
    }

    static long allocatedHere() {
        try {
            return (long) currentThreadAllocatedBytes.invokeExact(THREADS);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    static long allocatedBy(Thread t) {
        try {
            return (long) threadAllocatedBytes.invokeExact(THREADS, t.threadId());
        } catch (Throwable e) {
            throw new AssertionError(e);
        }
    }

    /** Bytes the calling thread allocates in {@code body}, run once to warm up and once measured. */
    static long measureHere(Runnable body) {
        body.run();
        body.run();
        long before = allocatedHere();
        body.run();
        return allocatedHere() - before;
    }

    @Test
    void queue_alreadyPending_allocatesNothing() {
        try (WorkqueueRuntime rt = WorkqueueRuntime.builder().cpus(2).build()) {
            Workqueue wq = rt.alloc("alloc-pending", Set.of(WorkqueueFlag.FREEZABLE), 0);
            Work w = new Work(self -> { });
            rt.freeze(); // the item stays pending: it is queued but never starts
            assertTrue(wq.queue(w));
            long bytes = measureHere(() -> {
                for (int i = 0; i < OPS; i++) {
                    if (wq.queue(w)) {
                        throw new AssertionError("queued twice");
                    }
                }
            });
            System.out.printf("queue of a pending item: %d bytes over %d calls%n", bytes, OPS);
            assertTrue(bytes <= SLACK_BYTES, bytes + " bytes allocated by " + OPS + " queue calls of a pending item");
            assertTrue(w.cancel());
            rt.thaw();
        }
    }

    @Test
    void queueDelayed_thenCancel_allocatesNothing() {
        try (WorkqueueRuntime rt = WorkqueueRuntime.builder().cpus(2).build()) {
            Workqueue wq = rt.system();
            DelayedWork[] items = new DelayedWork[64];
            Duration[] delays = new Duration[items.length];
            for (int i = 0; i < items.length; i++) {
                items[i] = new DelayedWork(self -> fail("must not fire"));
                delays[i] = Duration.ofSeconds(30 + 7L * i); // several wheel levels
            }
            long bytes = measureHere(() -> {
                for (int i = 0; i < OPS; i++) {
                    DelayedWork d = items[i & 63];
                    if (!wq.queueDelayed(d, delays[i & 63]) || !d.cancel()) {
                        throw new AssertionError("arm or cancel failed");
                    }
                }
            });
            System.out.printf("arm + cancel of a DelayedWork: %d bytes over %d pairs%n", bytes, OPS);
            assertTrue(bytes <= SLACK_BYTES, bytes + " bytes allocated by " + OPS + " arm + cancel pairs");
        }
    }

    @Test
    void modDelayed_steadyState_allocatesNothing() {
        try (WorkqueueRuntime rt = WorkqueueRuntime.builder().cpus(2).build()) {
            Workqueue wq = rt.system();
            DelayedWork[] keys = new DelayedWork[16];
            for (int i = 0; i < keys.length; i++) {
                keys[i] = new DelayedWork(self -> { });
            }
            Duration delay = Duration.ofSeconds(60);
            long bytes = measureHere(() -> {
                for (int i = 0; i < OPS; i++) {
                    wq.modDelayed(keys[i & 15], delay);
                }
            });
            System.out.printf("modDelayed re-arm: %d bytes over %d calls%n", bytes, OPS);
            for (DelayedWork k : keys) {
                k.cancel();
            }
            assertTrue(bytes <= SLACK_BYTES, bytes + " bytes allocated by " + OPS + " modDelayed calls");
        }
    }

    /**
     * Queue + execute, one item at a time on one bound pool, counting both the queueing thread
     * and every worker thread the runtime created (through a recording thread factory).
     */
    @Test
    void queueAndExecute_boundWorkqueue_steadyState_allocatesNothing() {
        List<Thread> created = new CopyOnWriteArrayList<>();
        ThreadFactory factory = r -> {
            Thread t = new Thread(r);
            t.setDaemon(true);
            created.add(t);
            return t;
        };
        try (WorkqueueRuntime rt = WorkqueueRuntime.builder().cpus(1).threadFactory(factory).build()) {
            Workqueue wq = rt.system();
            int[] ran = new int[1];
            Counter counter = new Counter();
            Work w = new Work(self -> counter.runs++);
            Runnable loop = () -> {
                for (int i = 0; i < OPS / 10; i++) { // a round trip each: fewer, still plenty
                    long target = counter.runs + 1;
                    if (!wq.queue(w)) {
                        throw new AssertionError("item still pending");
                    }
                    while (counter.runs < target) {
                        Thread.onSpinWait();
                    }
                    ran[0]++;
                }
            };
            loop.run();
            loop.run();
            // A worker created while measuring would escape the count (its allocations before the
            // snapshot are unknown). The pool creates one only when it believes a worker blocked:
            // on a loaded machine the concurrency monitor can take a preempted worker for a
            // sleeping one. Then measure again; only a run without a new worker counts.
            for (int attempt = 1; ; attempt++) {
                List<Thread> workers = List.copyOf(created);
                long[] before = new long[workers.size()];
                for (int i = 0; i < before.length; i++) {
                    before[i] = allocatedBy(workers.get(i));
                }
                long hereBefore = allocatedHere();
                loop.run();
                long here = allocatedHere() - hereBefore;
                long there = 0;
                for (int i = 0; i < before.length; i++) {
                    long after = allocatedBy(workers.get(i));
                    if (after >= 0 && before[i] >= 0) {
                        there += after - before[i];
                    }
                }
                System.out.printf("queue + execute (attempt %d): queueing thread %d bytes, %d worker threads %d bytes,"
                        + " over %d items%n", attempt, here, workers.size(), there, OPS / 10);
                if (!List.copyOf(created).equals(workers)) {
                    assertTrue(attempt < 5, "a worker thread was created in each of 5 measurements: " + created);
                    continue;
                }
                assertTrue(here <= SLACK_BYTES, here + " bytes allocated by the queueing thread for " + OPS / 10 + " items");
                assertTrue(there <= SLACK_BYTES, there + " bytes allocated by the workers for " + OPS / 10 + " items");
                break;
            }
        }
    }

    static final class Counter {
        volatile long runs;
    }
}
