package io.jworkqueue;

import static java.util.concurrent.TimeUnit.MILLISECONDS;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.junit.jupiter.api.Assertions.*;

import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Forward progress: mayday and the rescuer of {@code MEM_RECLAIM} workqueues (SEMANTICS.md section 7). */
class RescuerTest {

    /** How a switched-off thread factory fails. */
    enum FailureMode { THROWS_OOME, RETURNS_NULL }

    /**
     * A thread factory that works while {@link #on} is set and otherwise fails the way the JVM
     * does when no native thread can be started (or returns null). Remembers every thread made.
     */
    static final class ToggleFactory implements ThreadFactory {
        final AtomicBoolean on = new AtomicBoolean(true);
        final FailureMode mode;
        final List<Thread> made = new CopyOnWriteArrayList<>();
        final AtomicInteger refused = new AtomicInteger();

        ToggleFactory(FailureMode mode) {
            this.mode = mode;
        }

        @Override
        public Thread newThread(Runnable r) {
            if (!on.get()) {
                refused.incrementAndGet();
                if (mode == FailureMode.THROWS_OOME) {
                    throw new OutOfMemoryError("unable to create native thread: possibly out of memory or process/resource limits reached");
                }
                return null;
            }
            Thread t = Thread.ofPlatform().daemon(true).unstarted(r);
            made.add(t);
            return t;
        }

        Thread named(String name) {
            for (Thread t : made) {
                if (t.getName().equals(name)) {
                    return t;
                }
            }
            return null;
        }
    }

    private static WorkqueueRuntime newRuntime(ThreadFactory f) {
        return WorkqueueRuntime.builder().cpus(2).threadFactory(f).createCooldown(Duration.ofMillis(50)).build();
    }

    @Test
    void alloc_memReclaim_startsRescuerNamedAfterWorkqueue() throws Exception {
        ToggleFactory f = new ToggleFactory(FailureMode.THROWS_OOME);
        try (WorkqueueRuntime rt = newRuntime(f);
                AutoCloseable creationBack = () -> f.on.set(true)) { // before close(), even on failure: it drains
            assertEquals(0, f.made.size(), "a fresh runtime makes no threads through the factory");
            rt.alloc("plain", Set.of(), 0);
            assertEquals(0, f.made.size(), "a workqueue without MEM_RECLAIM gets no rescuer thread");
            rt.create("reclaim");
            rt.alloc("reclaim-ub", EnumSet.of(WorkqueueFlag.UNBOUND, WorkqueueFlag.MEM_RECLAIM), 0);
            assertEquals(2, f.made.size(), "each MEM_RECLAIM workqueue gets exactly one thread at allocation");
            Thread r1 = f.named("kworker/R-reclaim");
            Thread r2 = f.named("kworker/R-reclaim-ub");
            assertNotNull(r1, "rescuer names: " + f.made);
            assertNotNull(r2, "rescuer names: " + f.made);
            assertTrue(r1.isAlive(), "the rescuer is started at allocation, before any pressure");
            assertTrue(r2.isAlive());
            assertEquals(0, rt.workerCount(), "no worker thread was needed yet");
        }
    }

    @ParameterizedTest
    @EnumSource(FailureMode.class)
    void workerCreationFails_memReclaimItemsRunOnRescuer_plainItemWaitsUntilCreationWorks(FailureMode mode)
            throws Exception {
        ToggleFactory f = new ToggleFactory(mode);
        try (WorkqueueRuntime rt = newRuntime(f);
                AutoCloseable creationBack = () -> f.on.set(true)) { // before close(), even on failure: it drains
            Workqueue reclaim = rt.create("reclaim");
            Workqueue plain = rt.alloc("plain", Set.of(), 0);
            Thread rescuer = f.named("kworker/R-reclaim");
            assertNotNull(rescuer);
            f.on.set(false); // from now on no worker thread can be created; the pools have none

            CountDownLatch plainRan = new CountDownLatch(1);
            AtomicReference<String> plainThread = new AtomicReference<>();
            plain.queueOn(0, new Work(self -> {
                plainThread.set(Thread.currentThread().getName());
                plainRan.countDown();
            }));

            int n = 5;
            CountDownLatch reclaimDone = new CountDownLatch(n);
            AtomicInteger onRescuer = new AtomicInteger();
            List<String> threads = new CopyOnWriteArrayList<>();
            for (int i = 0; i < n; i++) {
                assertTrue(reclaim.queueOn(0, new Work(self -> {
                    if (WorkqueueRuntime.currentIsRescuer()) {
                        onRescuer.incrementAndGet();
                    }
                    threads.add(Thread.currentThread().getName());
                    reclaimDone.countDown();
                })));
            }
            assertTrue(reclaimDone.await(10, SECONDS),
                    "MEM_RECLAIM items must make progress without new workers; ran " + (n - reclaimDone.getCount())
                            + ", stats " + reclaim.stats() + "\n" + rt.dump());
            assertEquals(n, onRescuer.get(), "every item ran with currentIsRescuer() true: " + threads);
            for (String t : threads) {
                assertEquals("kworker/R-reclaim", t);
            }
            WorkqueueStats st = reclaim.stats();
            assertTrue(st.maydays() >= 1, "maydays: " + st);
            assertTrue(st.rescued() >= n, "rescued: " + st);
            assertTrue(f.refused.get() >= 1, "the pool did try to create a worker");
            assertEquals(0, rt.workerCount(), "no worker exists");

            // The plain workqueue's item sits in the same pool with no worker and no rescuer.
            assertFalse(plainRan.await(200, MILLISECONDS), "a plain item cannot run while no worker can be created");
            assertEquals(0, plain.stats().started());
            assertEquals(0, plain.stats().rescued());
            assertEquals(0, plain.stats().maydays(), "a workqueue without rescuer counts no maydays");

            f.on.set(true); // the pool retries on its mayday timer (100 ms)
            assertTrue(plainRan.await(10, SECONDS), "the plain item runs once a worker can be created\n" + rt.dump());
            assertTrue(plainThread.get().startsWith("kworker/0:"), plainThread.get());
            assertTrue(rt.workerCount() >= 1);

            // Now normal workers serve the MEM_RECLAIM workqueue again.
            CountDownLatch normal = new CountDownLatch(1);
            AtomicBoolean wasRescuer = new AtomicBoolean(true);
            reclaim.queueOn(0, new Work(self -> {
                wasRescuer.set(WorkqueueRuntime.currentIsRescuer());
                normal.countDown();
            }));
            assertTrue(normal.await(10, SECONDS));
            assertFalse(wasRescuer.get(), "with workers available the rescuer is not used");
        }
    }

    @Test
    void workerCreationFails_unboundMemReclaim_rescuerRunsItems() throws Exception {
        ToggleFactory f = new ToggleFactory(FailureMode.RETURNS_NULL);
        try (WorkqueueRuntime rt = newRuntime(f);
                AutoCloseable creationBack = () -> f.on.set(true)) { // before close(), even on failure: it drains
            Workqueue reclaim = rt.alloc("ub-reclaim", EnumSet.of(WorkqueueFlag.UNBOUND, WorkqueueFlag.MEM_RECLAIM), 0);
            f.on.set(false);
            int n = 8;
            CountDownLatch done = new CountDownLatch(n);
            AtomicInteger onRescuer = new AtomicInteger();
            for (int i = 0; i < n; i++) {
                reclaim.queue(new Work(self -> {
                    if (WorkqueueRuntime.currentIsRescuer()) {
                        onRescuer.incrementAndGet();
                    }
                    done.countDown();
                }));
            }
            assertTrue(done.await(10, SECONDS), "stats " + reclaim.stats() + "\n" + rt.dump());
            assertEquals(n, onRescuer.get());
            assertTrue(reclaim.stats().rescued() >= n, reclaim.stats().toString());
            assertTrue(reclaim.stats().maydays() >= 1, reclaim.stats().toString());
            f.on.set(true);
        }
    }

    @Test
    void rescuerItem_flushesOwnWorkqueue_throwsIllegalState() throws Exception {
        ToggleFactory f = new ToggleFactory(FailureMode.THROWS_OOME);
        try (WorkqueueRuntime rt = newRuntime(f);
                AutoCloseable creationBack = () -> f.on.set(true)) { // before close(), even on failure: it drains
            Workqueue reclaim = rt.create("reclaim");
            f.on.set(false);
            CountDownLatch done = new CountDownLatch(1);
            AtomicBoolean rescuer = new AtomicBoolean();
            AtomicReference<Throwable> thrown = new AtomicReference<>();
            reclaim.queueOn(1, new Work(self -> {
                rescuer.set(WorkqueueRuntime.currentIsRescuer());
                try {
                    reclaim.flush();
                } catch (Throwable t) {
                    thrown.set(t);
                } finally {
                    done.countDown();
                }
            }));
            assertTrue(done.await(10, SECONDS), "the item was not rescued\n" + rt.dump());
            assertTrue(rescuer.get(), "the item should have run on the rescuer");
            assertInstanceOf(IllegalStateException.class, thrown.get(),
                    "flushing its own workqueue from a rescued item would deadlock");
            f.on.set(true);
        }
    }

    @Test
    void destroy_memReclaimWorkqueue_stopsItsRescuer() throws Exception {
        ToggleFactory f = new ToggleFactory(FailureMode.THROWS_OOME);
        try (WorkqueueRuntime rt = newRuntime(f);
                AutoCloseable creationBack = () -> f.on.set(true)) { // before close(), even on failure: it drains
            Workqueue reclaim = rt.create("reclaim");
            Workqueue other = rt.alloc("other", EnumSet.of(WorkqueueFlag.MEM_RECLAIM), 0);
            Thread rescuer = f.named("kworker/R-reclaim");
            Thread otherRescuer = f.named("kworker/R-other");
            assertNotNull(rescuer);
            CountDownLatch ran = new CountDownLatch(1);
            reclaim.queue(new Work(self -> ran.countDown()));
            assertTrue(ran.await(10, SECONDS));
            reclaim.destroy();
            assertTrue(reclaim.isDestroyed());
            rescuer.join(5_000);
            assertFalse(rescuer.isAlive(), "destroy() must stop the rescuer thread");
            assertTrue(otherRescuer.isAlive(), "another workqueue's rescuer is unaffected");
            other.queue(new Work(self -> {}));
            other.flush();
        }
    }

    @Test
    void close_runtimeWithRescuersAndWorkers_stopsEveryThread() throws Exception {
        Set<Thread> before = Thread.getAllStackTraces().keySet();
        ToggleFactory f = new ToggleFactory(FailureMode.THROWS_OOME);
        WorkqueueRuntime rt = newRuntime(f);
        try {
            Workqueue reclaim = rt.create("reclaim");
            Workqueue ub = rt.alloc("ub", EnumSet.of(WorkqueueFlag.UNBOUND, WorkqueueFlag.MEM_RECLAIM), 0);
            CountDownLatch ran = new CountDownLatch(4);
            for (int cpu = 0; cpu < 2; cpu++) {
                reclaim.queueOn(cpu, new Work(self -> ran.countDown()));
                ub.queueOn(cpu, new Work(self -> ran.countDown()));
            }
            assertTrue(ran.await(10, SECONDS));
            rt.schedule(new Work(self -> {}));
            rt.flushScheduled();
            assertTrue(f.made.size() >= 3, "rescuers and workers were made: " + f.made);
        } finally {
            rt.close();
        }
        assertTrue(rt.isClosed());
        for (Thread t : f.made) {
            t.join(5_000);
            assertFalse(t.isAlive(), "still alive after close(): " + t.getName());
        }
        List<String> leaked = new ArrayList<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            String n = t.getName();
            if (!before.contains(t) && t.isAlive() && (n.startsWith("jworkqueue-") || n.startsWith("kworker/"))) {
                t.join(5_000);
                if (t.isAlive()) {
                    leaked.add(n);
                }
            }
        }
        assertEquals(List.of(), leaked, "runtime threads alive after close()");
    }
}
