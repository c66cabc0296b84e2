package io.jworkqueue;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.junit.jupiter.api.Assertions.*;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadFactory;
import org.junit.jupiter.api.Test;

/** Idle worker culling: surplus idle workers exit after {@code IDLE_WORKER_TIMEOUT} (SEMANTICS.md section 6). */
class IdleWorkersTest {

    private static final int BURST = 20;

    /** Records every thread it makes, so tests can see which ones exited. */
    static final class RecordingFactory implements ThreadFactory {
        final List<Thread> made = new CopyOnWriteArrayList<>();

        @Override
        public Thread newThread(Runnable r) {
            Thread t = Thread.ofPlatform().daemon(true).unstarted(r);
            made.add(t);
            return t;
        }

        int alive() {
            int n = 0;
            for (Thread t : made) {
                if (t.isAlive()) {
                    n++;
                }
            }
            return n;
        }
    }

    /**
     * Runs {@link #BURST} items that all block at once on an unbound workqueue, so the unbound pool
     * grows to at least that many workers, then releases them and waits until all finished.
     *
     * @return the worker count seen while all items were blocked
     */
    private static int burst(WorkqueueRuntime rt, Workqueue wq) throws Exception {
        CountDownLatch allStarted = new CountDownLatch(BURST);
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch finished = new CountDownLatch(BURST);
        for (int i = 0; i < BURST; i++) {
            assertTrue(wq.queue(new Work(self -> {
                allStarted.countDown();
                try {
                    release.await(30, SECONDS);
                } finally {
                    finished.countDown();
                }
            })));
        }
        int peak;
        try {
            assertTrue(allStarted.await(20, SECONDS), "only " + (BURST - allStarted.getCount()) + " items started\n" + rt.dump());
            peak = rt.workerCount();
        } finally {
            release.countDown();
        }
        assertTrue(finished.await(20, SECONDS));
        assertTrue(peak >= BURST, "all items ran concurrently, each on its own worker: " + peak);
        return peak;
    }

    @Test
    void idleTimeout_afterBurst_surplusWorkersCulledAndPoolStillWorks() throws Exception {
        RecordingFactory f = new RecordingFactory();
        try (WorkqueueRuntime rt = WorkqueueRuntime.builder().cpus(2).threadFactory(f)
                .idleWorkerTimeout(Duration.ofMillis(200)).build()) {
            Workqueue wq = rt.alloc("burst", Set.of(WorkqueueFlag.UNBOUND), 0);
            int peak = burst(rt, wq);

            long deadline = System.nanoTime() + SECONDS.toNanos(5);
            int count = rt.workerCount();
            while (count > 4 && System.nanoTime() < deadline) {
                Thread.sleep(20); // worker counts have no latch: poll with a deadline
                count = rt.workerCount();
            }
            assertTrue(count <= 4, "surplus idle workers were not culled: " + count + " of peak " + peak);
            assertTrue(count >= 2, "the pool keeps at least two idle workers: " + count);
            assertTrue(count < peak);

            // The culled workers' threads actually exit.
            deadline = System.nanoTime() + SECONDS.toNanos(5);
            while (f.alive() != rt.workerCount() && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertEquals(rt.workerCount(), f.alive(), "culled workers' threads must exit");

            // The shrunken pool still runs new items, including another concurrent burst.
            CountDownLatch ran = new CountDownLatch(1);
            assertTrue(wq.queue(new Work(self -> ran.countDown())));
            assertTrue(ran.await(10, SECONDS), "the pool no longer runs items\n" + rt.dump());
            burst(rt, wq);
        }
    }

    @Test
    void longIdleTimeout_afterBurst_workersNotCulledEarly() throws Exception {
        try (WorkqueueRuntime rt = WorkqueueRuntime.builder().cpus(2)
                .idleWorkerTimeout(Duration.ofSeconds(60)).build()) {
            Workqueue wq = rt.alloc("burst", Set.of(WorkqueueFlag.UNBOUND), 0);
            int peak = burst(rt, wq);
            assertTrue(rt.workerCount() >= peak, "no worker is culled right after the burst");
            Thread.sleep(300); // bounded wait asserting absence of culling
            assertTrue(rt.workerCount() >= peak, "no worker is culled before the idle timeout: " + rt.workerCount() + " < " + peak);
        }
    }
}
