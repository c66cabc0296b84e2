package io.jworkqueue;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.junit.jupiter.api.Assertions.*;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The manager creates workers with the pool lock dropped, as the kernel's manager drops
 * {@code pool->lock} around {@code create_worker}: a thread factory that takes its time holds up
 * neither queue calls nor the pool's other users (docs/DESIGN.md, Running).
 */
class ManagerUnlockedTest {

    /** Blocks inside {@code newThread} while {@link #gated} is set, until {@link #open} is counted down. */
    static final class GatedFactory implements ThreadFactory {
        final AtomicBoolean gated = new AtomicBoolean();
        final CountDownLatch inFactory = new CountDownLatch(1);
        final CountDownLatch open = new CountDownLatch(1);
        volatile boolean returnedWhileGated;

        @Override
        public Thread newThread(Runnable r) {
            if (gated.get()) {
                inFactory.countDown();
                try {
                    open.await(30, SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                returnedWhileGated = true;
            }
            return Thread.ofPlatform().daemon(true).unstarted(r);
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void slowThreadFactory_duringManagement_holdsUpNoQueueCallNorDump() throws Exception {
        GatedFactory f = new GatedFactory();
        try (WorkqueueRuntime rt = WorkqueueRuntime.builder().cpus(1).threadFactory(f)
                .cpuIntensiveThreshold(Duration.ofSeconds(60)).build()) {
            Workqueue wq = rt.alloc("mgr", Set.of(), 0);
            CountDownLatch release = new CountDownLatch(1);
            CountDownLatch firstStarted = new CountDownLatch(1);
            CountDownLatch ran = new CountDownLatch(2);
            try {
                // The first worker runs a blocker; the spare it made before starting stays idle.
                assertTrue(wq.queueOn(0, new Work(self -> {
                    firstStarted.countDown();
                    release.await(30, SECONDS);
                })));
                assertTrue(firstStarted.await(10, SECONDS), "the blocker did not start");
                f.gated.set(true);
                // The monitor sees the blocker asleep and wakes the spare, the last idle worker:
                // it becomes the manager and calls the factory before it runs this item.
                assertTrue(wq.queueOn(0, new Work(self -> ran.countDown())));
                assertTrue(f.inFactory.await(10, SECONDS), "the manager did not call the thread factory");

                // While the factory holds the manager, the pool lock is free.
                CountDownLatch queued = new CountDownLatch(1);
                Thread producer = Thread.ofPlatform().daemon(true).start(() -> {
                    wq.queueOn(0, new Work(self -> ran.countDown()));
                    rt.dump();
                    queued.countDown();
                });
                assertTrue(queued.await(10, SECONDS), "a queue call waited for the thread factory");
                assertFalse(f.returnedWhileGated, "the factory returned before the queue call did");
                producer.join(SECONDS.toMillis(10));
            } finally {
                f.open.countDown();
                release.countDown();
            }
            assertTrue(ran.await(10, SECONDS), "the items behind the blocker did not run");
            wq.flush();
            wq.destroy();
        }
    }
}
