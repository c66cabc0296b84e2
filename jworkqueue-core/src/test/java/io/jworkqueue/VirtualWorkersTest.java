package io.jworkqueue;

import static io.jworkqueue.TestSupport.*;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.junit.jupiter.api.Assertions.*;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The virtual-thread mode ({@code virtualUnboundWorkers(true)}, issue 12 point 6): unbound
 * workers are virtual threads, blocking costs no platform thread, and when virtual workers hold
 * every carrier (pinned blockers, CPU hogs) the waiting items still run, on a platform relief
 * worker. The semantics shared with platform workers are in {@link UnboundModesTest}.
 */
@Timeout(60)
class VirtualWorkersTest {

    /**
     * The virtual-thread scheduler's parallelism: how many carriers there are (no compensation
     * happens for the blockers below, so this many of them take every carrier).
     */
    private static int carriers() {
        String p = System.getProperty("jdk.virtualThreadScheduler.parallelism");
        return p != null ? Integer.parseInt(p) : Runtime.getRuntime().availableProcessors();
    }

    /** A thread factory for platform workers that counts the threads it makes. */
    private static final class CountingFactory implements ThreadFactory {
        final AtomicInteger made = new AtomicInteger();

        @Override
        public Thread newThread(Runnable r) {
            made.incrementAndGet();
            return Thread.ofPlatform().daemon(true).unstarted(r);
        }
    }

    private static WorkqueueRuntime virtualRuntime(ThreadFactory factory) {
        return WorkqueueRuntime.builder().cpus(2).virtualUnboundWorkers(true).threadFactory(factory)
                .cpuIntensiveThreshold(Duration.ofMillis(5)).build();
    }

    @Test
    void virtualUnboundWorkers_unboundItemsRunOnNamedVirtualThreads_boundOnPlatform() throws Exception {
        CountingFactory factory = new CountingFactory();
        try (WorkqueueRuntime rt = virtualRuntime(factory)) {
            AtomicReference<Thread> unboundThread = new AtomicReference<>(), boundThread = new AtomicReference<>();
            CountDownLatch unboundRan = new CountDownLatch(1), boundRan = new CountDownLatch(1);
            assertTrue(unbound(rt, "u", 0).queue(new Work(self -> {
                unboundThread.set(Thread.currentThread());
                unboundRan.countDown();
            })));
            await(unboundRan, "the unbound item");
            assertTrue(unboundThread.get().isVirtual(), "unbound worker " + unboundThread.get());
            assertTrue(unboundThread.get().getName().matches("kworker/u\\d+:\\d+"), unboundThread.get().getName());
            assertEquals(0, factory.made.get(), "the thread factory makes platform workers only");
            assertTrue(rt.alloc("b", Set.of(), 0).queueOn(1, new Work(self -> {
                boundThread.set(Thread.currentThread());
                boundRan.countDown();
            })));
            await(boundRan, "the bound item");
            assertFalse(boundThread.get().isVirtual(), "bound worker " + boundThread.get());
            assertTrue(factory.made.get() >= 1, "bound workers come from the thread factory");
        }
    }

    @Test
    void virtualUnboundWorkers_manyBlockingItems_allRunAtOnceWithoutPlatformThreads() throws Exception {
        CountingFactory factory = new CountingFactory();
        int n = 200;
        try (WorkqueueRuntime rt = virtualRuntime(factory); Gates gates = new Gates()) {
            Workqueue wq = unbound(rt, "blockers", 0);
            CountDownLatch allInside = new CountDownLatch(n), gate = gates.gate(), done = new CountDownLatch(n);
            List<Thread> platform = new CopyOnWriteArrayList<>();
            for (int i = 0; i < n; i++) {
                assertTrue(wq.queue(new Work(self -> {
                    if (!Thread.currentThread().isVirtual()) {
                        platform.add(Thread.currentThread());
                    }
                    allInside.countDown();
                    try {
                        assertTrue(gate.await(WAIT_S, SECONDS)); // parks: the virtual worker unmounts
                    } finally {
                        done.countDown();
                    }
                })));
            }
            // All n block at once: max_active is the only limit, no nr_running holds any back.
            await(allInside, "all " + n + " blocking items to be running together");
            gate.countDown();
            await(done, "the blocking items to finish");
            // The only platform threads a virtual pool may add are relief workers, each counted
            // as a cm wake-up; blocking items unmount, so normally there are none at all.
            assertEquals(wq.stats().cmWakeups(), factory.made.get(), "platform threads made vs relief workers");
            for (Thread t : platform) {
                assertTrue(t.getName().endsWith("-relief"), "only relief workers are platform threads: " + t);
            }
        }
    }

    @Test
    void virtualUnboundWorkers_surplusIdleWorkersAreCulled_closeEndsEveryWorker() throws Exception {
        int n = 16;
        java.util.Set<Thread> threads = java.util.concurrent.ConcurrentHashMap.newKeySet();
        WorkqueueRuntime rt = WorkqueueRuntime.builder().cpus(2).virtualUnboundWorkers(true)
                .idleWorkerTimeout(Duration.ofMillis(50)).build();
        try (rt; Gates gates = new Gates()) {
            Workqueue wq = unbound(rt, "culled", 0);
            CountDownLatch inside = new CountDownLatch(n), gate = gates.gate(), done = new CountDownLatch(n);
            for (int i = 0; i < n; i++) {
                assertTrue(wq.queue(new Work(self -> {
                    threads.add(Thread.currentThread());
                    inside.countDown();
                    try {
                        assertTrue(gate.await(WAIT_S, SECONDS));
                    } finally {
                        done.countDown();
                    }
                })));
            }
            await(inside, "all items running");
            assertTrue(rt.workerCount() >= n, "one virtual worker per running item: " + rt.workerCount());
            gate.countDown();
            await(done, "all items finished");
            // too_many_workers: with nobody busy, idle workers beyond two are surplus.
            awaitTrue(() -> rt.workerCount() <= 2, "surplus idle virtual workers to be culled");
        }
        assertEquals(0, rt.workerCount());
        awaitTrue(() -> threads.stream().noneMatch(Thread::isAlive), "every virtual worker to end");
    }

    // ------------------------------------------------------------------ carriers held

    /** Released by {@link #virtualUnboundWorkers_pinnedBlockersOnEveryCarrier_furtherItemRunsOnReliefWorker}. */
    private static final CountDownLatch PINNED_RELEASE = new CountDownLatch(1);
    private static final CountDownLatch PINNED_ENTERED = new CountDownLatch(1);

    /**
     * A class whose initialiser blocks until released: the virtual thread running it parks in
     * a native frame (the VM calls {@code <clinit>}), so it stays pinned; the others that touch
     * the class wait for the initialisation inside the VM, holding their carriers too. JDK 21
     * to 25 alike (JDK 24 stopped pinning on {@code synchronized}, not on class initialisation).
     */
    private static final class PinnedInit {
        static {
            PINNED_ENTERED.countDown();
            try {
                if (!PINNED_RELEASE.await(WAIT_S, SECONDS)) {
                    throw new AssertionError("pinned blocker never released");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        static void touch() {
        }
    }

    /** The most carrier holders a test queues before it gives up. */
    private static final int MAX_HOLDERS = 32;

    /**
     * Occupies the carriers with items from {@code holder} (each counts {@code holding} up once
     * it runs and keeps its carrier until released) and queues a further item, until that item
     * runs on a platform relief worker: first one holder per carrier of the scheduler's
     * parallelism, then one more each round, since the scheduler may have extra carriers for a
     * while (it compensates for some blocking calls elsewhere in the JVM), and a further item
     * that found a free one ran on a virtual worker. Every further item must run while the
     * holders hold: the workqueue keeps moving. Asserts the statistics of the relief.
     *
     * @return how many holders were queued
     */
    private static int holdCarriersUntilRelieved(Workqueue wq, CountingFactory factory, java.util.function.Supplier<Work> holder,
            AtomicInteger holding, String what) throws InterruptedException {
        int queued = 0;
        for (int target = carriers(); target <= MAX_HOLDERS; target++) {
            while (queued < target) {
                assertTrue(wq.queue(holder.get()));
                queued++;
            }
            int q = queued;
            awaitTrue(() -> holding.get() >= q, q + " " + what + " holding their carriers");
            AtomicReference<Thread> ranOn = new AtomicReference<>();
            CountDownLatch further = new CountDownLatch(1);
            assertTrue(wq.queue(new Work(self -> {
                ranOn.set(Thread.currentThread());
                further.countDown();
            })));
            await(further, "a further item, while " + q + " " + what + " hold their carriers");
            if (ranOn.get().isVirtual()) {
                continue; // a carrier was free after all: hold one more
            }
            assertTrue(ranOn.get().getName().endsWith("-relief"), "ran on " + ranOn.get().getName());
            WorkqueueStats st = wq.stats();
            assertTrue(st.cmWakeups() >= 1, "relief workers counted as cm wake-ups: " + st);
            assertTrue(st.cpuIntensive() >= 1, "carrier holders counted as CPU hogs: " + st);
            assertEquals(st.cmWakeups(), factory.made.get(), "each relief worker is one platform thread");
            return queued;
        }
        return fail("further items kept running on virtual workers beside " + MAX_HOLDERS + " " + what);
    }

    @Test
    void virtualUnboundWorkers_pinnedBlockersOnEveryCarrier_furtherItemRunsOnReliefWorker() throws Exception {
        CountingFactory factory = new CountingFactory();
        try (WorkqueueRuntime rt = virtualRuntime(factory)) {
            Workqueue wq = unbound(rt, "pinned", 0);
            AtomicInteger touching = new AtomicInteger(), blockersDone = new AtomicInteger();
            int n;
            try {
                n = holdCarriersUntilRelieved(wq, factory, () -> new Work(self -> {
                    touching.incrementAndGet();
                    PinnedInit.touch(); // the first parks pinned inside, the others wait for it in the VM
                    blockersDone.incrementAndGet();
                }), touching, "pinned blockers");
                assertEquals(0, PINNED_ENTERED.getCount(), "one blocker is inside the initialiser");
                assertEquals(0, blockersDone.get(), "the blockers are still held");
            } finally {
                PINNED_RELEASE.countDown();
            }
            int blockers = n;
            awaitTrue(() -> blockersDone.get() == blockers, "the blockers to finish once released");
            wq.flush();
            assertEquals(wq.stats().started(), wq.stats().completed());
        }
    }

    @Test
    void virtualUnboundWorkers_cpuHogsOnEveryCarrier_waitingItemStillStarts() throws Exception {
        CountingFactory factory = new CountingFactory();
        try (WorkqueueRuntime rt = virtualRuntime(factory); LogCapture log = new LogCapture()) {
            Workqueue wq = unbound(rt, "hogs", 0);
            AtomicInteger spinning = new AtomicInteger(), hogsDone = new AtomicInteger(), released = new AtomicInteger();
            int n;
            try {
                n = holdCarriersUntilRelieved(wq, factory, () -> new Work("spinner", self -> {
                    spinning.incrementAndGet();
                    long deadline = System.nanoTime() + SECONDS.toNanos(WAIT_S);
                    while (released.get() == 0 && System.nanoTime() - deadline < 0) {
                        Thread.onSpinWait(); // never yields its carrier: no preemption
                    }
                    hogsDone.incrementAndGet();
                }), spinning, "CPU hogs");
                assertEquals(0, hogsDone.get(), "the hogs still spin");
                // Reported like CPU hogs (logged after the monitor lets go of the pool).
                awaitTrue(() -> !log.containing("workqueue 'hogs': spinner held the carrier of its virtual worker").isEmpty(),
                        "the carrier-hog report");
                awaitTrue(() -> !log.containing("platform relief worker").isEmpty(), "the relief report");
            } finally {
                released.set(1);
            }
            int hogs = n;
            awaitTrue(() -> hogsDone.get() == hogs, "the hogs to stop");
            wq.flush();
            assertEquals(wq.stats().started(), wq.stats().completed());
        }
    }

    @Test
    void virtualUnboundWorkers_cpuTime_isChargedWallTime() throws Exception {
        try (WorkqueueRuntime rt = virtualRuntime(new CountingFactory())) {
            Workqueue wq = unbound(rt, "sleeper", 0);
            CountDownLatch done = new CountDownLatch(1);
            long slept = 30_000_000L;
            assertTrue(wq.queue(new Work(self -> {
                long t0 = System.nanoTime();
                while (System.nanoTime() - t0 < slept) {
                    Thread.sleep(5); // unmounted: no CPU at all, yet charged (no CPU clock)
                }
                done.countDown();
            })));
            await(done, "the sleeper");
            wq.flush();
            assertTrue(wq.stats().cpuTimeNanos() >= slept, "wall time charged: " + wq.stats());
        }
    }
}
