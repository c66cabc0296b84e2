package io.jworkqueue;

import static io.jworkqueue.TestSupport.*;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** Non-reentrancy (SEMANTICS.md section 3): an item never runs on two workers at once. */
class ReentrancyTest {

    /** Counts runs and records the highest number of simultaneous runs of one item. */
    private static final class Tracker {
        final AtomicInteger inside = new AtomicInteger();
        final AtomicInteger maxInside = new AtomicInteger();
        final AtomicLong runs = new AtomicLong();

        void enter() {
            int n = inside.incrementAndGet();
            maxInside.accumulateAndGet(n, Math::max);
            runs.incrementAndGet();
        }

        void exit() {
            inside.decrementAndGet();
        }
    }

    // ------------------------------------------------------------------ requeue while running

    @Test
    void queue_whileRunningOnUnbound_runsAgainAfterwardsNeverConcurrently() throws Exception {
        try (WorkqueueRuntime rt = newRuntime(); Gates gates = new Gates()) {
            Workqueue wq = rt.alloc("u", Set.of(WorkqueueFlag.UNBOUND), 0);
            requeueWhileRunning(wq, gates, false);
        }
    }

    @Test
    void queue_whileRunningOnBoundWithBlockingHint_runsAgainAfterwardsNeverConcurrently() throws Exception {
        try (WorkqueueRuntime rt = newRuntime(); Gates gates = new Gates()) {
            Workqueue wq = rt.alloc("b", Set.of(), 0);
            requeueWhileRunning(wq, gates, true);
        }
    }

    private static void requeueWhileRunning(Workqueue wq, Gates gates, boolean hint) throws Exception {
        Tracker t = new Tracker();
        CountDownLatch firstStarted = new CountDownLatch(1);
        CountDownLatch releaseFirst = gates.gate();
        CountDownLatch secondDone = new CountDownLatch(1);
        AtomicReference<String> firstThread = new AtomicReference<>();
        AtomicReference<String> secondThread = new AtomicReference<>();
        AtomicInteger secondStartedBeforeRelease = new AtomicInteger();
        Work w = new Work(self -> {
            t.enter();
            try {
                if (t.runs.get() == 1) {
                    firstThread.set(Thread.currentThread().getName());
                    firstStarted.countDown();
                    if (hint) {
                        WorkqueueRuntime.blocking(() -> releaseFirst.await(10, SECONDS));
                    } else {
                        releaseFirst.await(10, SECONDS);
                    }
                } else {
                    if (releaseFirst.getCount() != 0) {
                        secondStartedBeforeRelease.incrementAndGet();
                    }
                    secondThread.set(Thread.currentThread().getName());
                    secondDone.countDown();
                }
            } finally {
                t.exit();
            }
        });
        assertTrue(wq.queueOn(0, w));
        await(firstStarted, "first run");
        assertTrue(w.isRunning());
        assertTrue(wq.queueOn(0, w), "queue while running must succeed (PENDING was cleared)");
        assertTrue(w.isPending());
        assertFalse(wq.queueOn(1, w), "already pending again");
        // Give an idle worker of the pool every chance to pick the second instance: run another
        // item on the same pool and wait for it.
        CountDownLatch other = new CountDownLatch(1);
        assertTrue(wq.queueOn(0, new Work(self -> other.countDown())));
        await(other, "an unrelated item on the same pool");
        assertEquals(1, t.runs.get(), "second instance must not start while the first runs");
        assertTrue(w.isPending());
        releaseFirst.countDown();
        await(secondDone, "second run");
        w.flush();
        wq.flush();
        assertEquals(2, t.runs.get());
        assertEquals(1, t.maxInside.get(), "ran concurrently with itself");
        assertEquals(0, secondStartedBeforeRelease.get());
        assertEquals(firstThread.get(), secondThread.get(),
                "the second instance runs next on the worker that runs the first (scheduled list)");
    }

    // ------------------------------------------------------------------ hammer

    @Test
    void queueOn_hammerFromFourThreadsOnBound_neverConcurrentAndEveryTrueRuns() throws Exception {
        hammer(Set.of(), false, 0x5EED_0001L);
    }

    @Test
    void queueOn_hammerFromFourThreadsOnBoundWithBlockingHint_neverConcurrentAndEveryTrueRuns() throws Exception {
        hammer(Set.of(), true, 0x5EED_0002L);
    }

    @Test
    void queueOn_hammerFromFourThreadsOnUnbound_neverConcurrentAndEveryTrueRuns() throws Exception {
        hammer(Set.of(WorkqueueFlag.UNBOUND), false, 0x5EED_0003L);
    }

    private static void hammer(Set<WorkqueueFlag> flags, boolean hint, long seed) throws Exception {
        System.out.println("hammer " + flags + " hint=" + hint + " seed=" + seed);
        try (WorkqueueRuntime rt = newRuntime()) {
            Workqueue wq = rt.alloc("hammer", flags, 0);
            Tracker t = new Tracker();
            Set<String> threads = java.util.concurrent.ConcurrentHashMap.newKeySet();
            Work w = new Work(self -> {
                t.enter();
                try {
                    threads.add(Thread.currentThread().getName());
                    if (hint) {
                        // Lets another worker of the same bound pool start while this one "blocks".
                        WorkqueueRuntime.blocking(() -> {
                            Thread.yield();
                            return null;
                        });
                    } else {
                        for (int i = 0; i < 200; i++) {
                            Thread.onSpinWait();
                        }
                        Thread.yield(); // widen the window in which an overlapping run would be seen
                    }
                } finally {
                    t.exit();
                }
            });
            int producers = 4;
            // Producers stop once the item has run this often (or after a time cap): spinning
            // producers on a small machine would otherwise starve the workers of CPU.
            long targetRuns = 4000;
            long deadline = System.nanoTime() + SECONDS.toNanos(3);
            CyclicBarrier start = new CyclicBarrier(producers);
            AtomicLong trues = new AtomicLong();
            List<Throwable> errors = new CopyOnWriteArrayList<>();
            List<Thread> ts = new ArrayList<>();
            for (int p = 0; p < producers; p++) {
                Random rnd = new Random(seed + p);
                int pp = p;
                Thread th = new Thread(() -> {
                    try {
                        start.await(10, SECONDS);
                        long mine = 0;
                        for (int i = 0; t.runs.get() < targetRuns; i++) {
                            if ((i & 1023) == 0 && System.nanoTime() > deadline) {
                                break;
                            }
                            // Producers 0,1 mostly target "their" CPU; all switch at random.
                            int cpu = rnd.nextInt(4) == 0 ? rnd.nextInt(2) : pp % 2;
                            if (wq.queueOn(cpu, w)) {
                                mine++;
                            }
                            if ((i & 7) == 0) {
                                Thread.yield();
                            }
                        }
                        trues.addAndGet(mine);
                    } catch (Throwable e) {
                        errors.add(e);
                    }
                }, "producer-" + p);
                th.start();
                ts.add(th);
            }
            for (Thread th : ts) {
                th.join(30_000);
                assertFalse(th.isAlive(), th.getName() + " did not finish");
            }
            assertEquals(List.of(), errors);
            wq.flush();
            assertFalse(w.isPending());
            System.out.println("hammer " + flags + " hint=" + hint + ": trues=" + trues.get() + " runs=" + t.runs.get()
                    + " threads=" + threads);
            assertEquals(1, t.maxInside.get(), "the item ran concurrently with itself");
            assertTrue(trues.get() >= 100, "too few runs to exercise anything: " + trues.get());
            assertEquals(trues.get(), t.runs.get(), "every queue call that returned true must lead to exactly one run");
            WorkqueueStats s = wq.stats();
            assertEquals(trues.get(), s.started(), "stats.started");
            assertEquals(s.started(), s.completed(), "stats.completed");
        }
    }

    // ------------------------------------------------------------------ redirect to the running pool

    @Test
    void queueOn_otherCpuWhileRunningOnCpu0_redirectsToRunningPoolAndDoesNotOverlap() throws Exception {
        try (WorkqueueRuntime rt = newRuntime(); Gates gates = new Gates()) {
            Workqueue wq = rt.alloc("b", Set.of(), 0);
            Tracker t = new Tracker();
            CountDownLatch firstStarted = new CountDownLatch(1);
            CountDownLatch releaseFirst = gates.gate();
            CountDownLatch secondDone = new CountDownLatch(1);
            List<String> runThreads = new CopyOnWriteArrayList<>();
            Work w = new Work(self -> {
                t.enter();
                try {
                    runThreads.add(Thread.currentThread().getName());
                    if (t.runs.get() == 1) {
                        firstStarted.countDown();
                        WorkqueueRuntime.blocking(() -> releaseFirst.await(10, SECONDS));
                    } else {
                        secondDone.countDown();
                    }
                } finally {
                    t.exit();
                }
            });
            assertTrue(wq.queueOn(0, w));
            await(firstStarted, "first run on cpu 0");
            assertTrue(wq.queueOn(1, w), "queueOn(1) while running on cpu 0");
            // If the second instance had gone to cpu 1's pool it would be ahead of this marker there.
            CountDownLatch marker = new CountDownLatch(1);
            assertTrue(wq.queueOn(1, new Work(self -> marker.countDown())));
            await(marker, "marker on cpu 1");
            assertEquals(1, t.runs.get(), "second instance started while the first still runs");
            assertTrue(w.isPending());
            releaseFirst.countDown();
            await(secondDone, "second run");
            w.flush();
            assertEquals(2, t.runs.get());
            assertEquals(1, t.maxInside.get());
            assertEquals(2, runThreads.size());
            assertTrue(runThreads.get(1).matches("kworker/0:\\d+"),
                    "the second run must be redirected to the pool still running the item, ran on " + runThreads.get(1));
        }
    }

    @Test
    void queueOn_otherCpuFromOwnFunction_runsAgainOnSamePool() throws Exception {
        try (WorkqueueRuntime rt = newRuntime()) {
            Workqueue wq = rt.alloc("b", Set.of(), 0);
            Tracker t = new Tracker();
            List<String> runThreads = new CopyOnWriteArrayList<>();
            AtomicReference<Boolean> requeued = new AtomicReference<>();
            CountDownLatch secondDone = new CountDownLatch(1);
            Work w = new Work(self -> {
                t.enter();
                try {
                    runThreads.add(Thread.currentThread().getName());
                    if (t.runs.get() == 1) {
                        requeued.set(wq.queueOn(1, self));
                        // Keep running a little so a cpu 1 worker could overlap if it got the item.
                        WorkqueueRuntime.blocking(() -> {
                            Thread.sleep(20);
                            return null;
                        });
                    } else {
                        secondDone.countDown();
                    }
                } finally {
                    t.exit();
                }
            });
            assertTrue(wq.queueOn(0, w));
            await(secondDone, "second run");
            w.flush();
            assertEquals(Boolean.TRUE, requeued.get());
            assertEquals(2, t.runs.get());
            assertEquals(1, t.maxInside.get());
            assertTrue(runThreads.get(1).matches("kworker/0:\\d+"), "second run on " + runThreads.get(1));
        }
    }

    @Test
    void queue_crossCpuPingPong_neverConcurrent() throws Exception {
        // The item alternates between CPUs from inside its own function and from outside at once.
        try (WorkqueueRuntime rt = newRuntime()) {
            Workqueue wq = rt.alloc("b", Set.of(), 0);
            Tracker t = new Tracker();
            int target = 3000;
            CountDownLatch done = new CountDownLatch(1);
            Work w = new Work(self -> {
                t.enter();
                try {
                    long n = t.runs.get();
                    if (n < target) {
                        wq.queueOn((int) (n & 1), self);
                    } else {
                        done.countDown();
                    }
                } finally {
                    t.exit();
                }
            });
            AtomicLong outsideTrues = new AtomicLong();
            Thread outside = new Thread(() -> {
                for (int i = 0; done.getCount() != 0 && i < 200_000; i++) {
                    if (wq.queueOn(i & 1, w)) {
                        outsideTrues.incrementAndGet();
                    }
                    Thread.yield();
                }
            });
            assertTrue(wq.queueOn(0, w));
            outside.start();
            await(done, "self-requeue chain");
            outside.join(10_000);
            assertFalse(outside.isAlive());
            w.flush();
            wq.flush();
            assertEquals(1, t.maxInside.get(), "the item ran concurrently with itself");
            assertTrue(t.runs.get() >= target);
        }
    }
}
