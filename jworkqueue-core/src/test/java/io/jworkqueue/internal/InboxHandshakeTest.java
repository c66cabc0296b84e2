package io.jworkqueue.internal;

import static org.junit.jupiter.api.Assertions.*;

import io.jworkqueue.Work;
import io.jworkqueue.Workqueue;
import io.jworkqueue.WorkqueueRuntime;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Hammers the hand-shake between a lock-free queue call and a worker that goes idle: producers
 * queue the next item the moment the previous one has run, which is exactly when the worker
 * leaves nr_running and looks at the inbox once more before it parks. A lost item shows as a
 * bounded wait that times out. The jcstress test {@code JcsInboxVsSleeping} checks the same
 * hand-shake against {@code wq_worker_sleeping} exhaustively.
 */
class InboxHandshakeTest {
    private static final int ROUNDS = 50_000;

    @Test
    void noItemIsLeftOnTheInboxWhenTheWorkerGoesIdle() throws Exception {
        try (WorkqueueRuntime rt = WorkqueueRuntime.builder().cpus(2).build()) {
            Workqueue wq = rt.system();
            Thread[] producers = new Thread[2];
            AtomicLong lost = new AtomicLong();
            for (int p = 0; p < producers.length; p++) {
                int cpu = p;
                producers[p] = new Thread(() -> {
                    Semaphore ran = new Semaphore(0);
                    // two items in flight per producer, so pushes meet both a busy and an idling worker
                    Work a = new Work(self -> ran.release());
                    Work b = new Work(self -> ran.release());
                    try {
                        for (int i = 0; i < ROUNDS; i++) {
                            wq.queueOn(cpu, a);
                            wq.queueOn(cpu, b);
                            if (!ran.tryAcquire(2, 10, TimeUnit.SECONDS)) {
                                lost.incrementAndGet();
                                return;
                            }
                        }
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }, "producer-" + p);
                producers[p].start();
            }
            for (Thread t : producers) {
                t.join(TimeUnit.SECONDS.toMillis(120));
                assertFalse(t.isAlive(), t.getName() + " still running");
            }
            assertEquals(0, lost.get(), "an item queued while its worker went idle was never run");
        }
    }
}
