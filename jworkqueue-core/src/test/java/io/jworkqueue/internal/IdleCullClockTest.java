package io.jworkqueue.internal;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.junit.jupiter.api.Assertions.*;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Idle-worker culling ({@code idle_cull_fn}, {@link PoolWorkers#cullIdle}) against a stepped
 * clock ({@link RuntimeCore#setClock}): surplus idle workers are retired once idle for the
 * timeout, the one idle longest first, down to the two idle workers a pool keeps, and not a
 * moment before. The tests call the cull as the idle timer would, at chosen instants, instead of
 * waiting out real minutes; the timer may fire as well, and under the pool lock it culls the same.
 */
@Timeout(60)
class IdleCullClockTest {
    private static final long IDLE_TIMEOUT_S = 300;

    private RuntimeCore core;
    private AtomicLong now;
    private WorkerPool pool;

    @BeforeEach
    void setUp() {
        RuntimeConfig config = new RuntimeConfig(1, r -> Thread.ofPlatform().daemon(true).unstarted(r),
                Duration.ofSeconds(60), Duration.ofSeconds(IDLE_TIMEOUT_S), Duration.ZERO, Duration.ofMillis(50),
                (wq, work, t) -> {}, null, false, System::nanoTime);
        core = new RuntimeCore(null, config);
        now = new AtomicLong(core.nanoTime()); // goes on from the wheel's clock, as setClock asks
        core.setClock(now::get);
        pool = core.boundPool(0, false);
    }

    @AfterEach
    void tearDown() {
        core.close();
    }

    private void step(long seconds) {
        now.addAndGet(SECONDS.toNanos(seconds));
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + SECONDS.toNanos(20);
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, what);
            Thread.sleep(5); // polling the workers' state: no latch can express it
        }
    }

    /** Whether {@code w} is parked idle in its worker loop (not on the pool lock), once the pool's lock is free. */
    private boolean parkedIdle(Worker w) {
        pool.lockPool();
        try {
            if ((w.flags & Worker.IDLE) == 0) {
                return false;
            }
        } finally {
            pool.unlockPool();
        }
        return LockSupport.getBlocker(w.thread) == pool;
    }

    /** Creates {@code n} workers on the unused pool and waits until each is parked idle. */
    private List<Worker> idleWorkers(int n) throws InterruptedException {
        pool.lockPool();
        try {
            for (int i = 0; i < n; i++) {
                assertTrue(PoolWorkers.createWorker(pool), "worker " + i + " was not created");
            }
        } finally {
            pool.unlockPool();
        }
        List<Worker> ws = new ArrayList<>(pool.workers);
        assertEquals(n, ws.size());
        for (Worker w : ws) {
            await(() -> parkedIdle(w), w + " never parked idle");
        }
        return ws;
    }

    private int workers() {
        return PoolViews.workerCount(pool);
    }

    private boolean alive(Worker w) {
        pool.lockPool();
        try {
            return pool.workers.contains(w) && (w.flags & Worker.DIE) == 0;
        } finally {
            pool.unlockPool();
        }
    }

    @Test
    void surplusIdleWorkers_culledOnlyOnceIdleForTheTimeout_downToTwo() throws Exception {
        List<Worker> ws = idleWorkers(4);
        pool.lockPool();
        try {
            assertTrue(pool.tooManyWorkers(), "four idle workers and none busy are too many");
        } finally {
            pool.unlockPool();
        }

        step(IDLE_TIMEOUT_S - 1);
        PoolWorkers.cullIdle(pool);
        assertEquals(4, workers(), "idle for one second less than the timeout: nobody is culled");
        long left = core.timers().remainingNanos(pool.idleTimer);
        assertTrue(left > 0 && left <= SECONDS.toNanos(2),
                "the idle timer is re-armed for when the oldest will have been idle long enough: " + left);

        step(2);
        PoolWorkers.cullIdle(pool);
        assertEquals(2, workers(), "culled down to the two idle workers a pool keeps");
        int exited = 0;
        for (Worker w : ws) {
            if (!alive(w)) {
                w.thread.join(SECONDS.toMillis(20));
                assertFalse(w.thread.isAlive(), "a culled worker's thread exits");
                exited++;
            }
        }
        assertEquals(2, exited);
        pool.lockPool();
        try {
            assertFalse(pool.tooManyWorkers());
        } finally {
            pool.unlockPool();
        }
    }

    @Test
    void theWorkersIdleLongestAreCulledFirst() throws Exception {
        List<Worker> ws = idleWorkers(4);
        step(200);
        // One worker wakes (as for an item it found gone) and goes idle again: its idle time
        // restarts now, 200 s after the others'.
        Worker fresh = ws.get(0);
        long restamp = now.get();
        LockSupport.unpark(fresh.thread);
        await(() -> {
            pool.lockPool();
            try {
                return fresh.lastActive == restamp;
            } finally {
                pool.unlockPool();
            }
        }, "the woken worker never went idle again");
        await(() -> parkedIdle(fresh), "the woken worker never parked again");

        step(IDLE_TIMEOUT_S - 200 + 1); // the others: idle for 301 s; the fresh one: 101 s
        PoolWorkers.cullIdle(pool);
        assertEquals(2, workers());
        assertTrue(alive(fresh), "the worker idle for the shortest time stays");
        int kept = 0;
        for (Worker w : ws) {
            kept += alive(w) ? 1 : 0;
        }
        assertEquals(2, kept);
    }
}
