package io.jworkqueue.internal;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.junit.jupiter.api.Assertions.*;

import io.jworkqueue.LockupReport;
import io.jworkqueue.Work;
import io.jworkqueue.Workqueue;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The watchdog and the dump against a stepped clock ({@link RuntimeCore#setClock}): a real
 * stall (CPU 0's pool cannot create the worker its waiting item needs), observed at chosen
 * instants instead of over real seconds. The runtime's own watchdog is off (threshold 0, so its
 * timer is never armed); the tests call {@link Watchdog#check} with their threshold.
 */
@Timeout(60)
class WatchdogClockTest {
    private static final long THRESH = SECONDS.toNanos(60);

    private final AtomicBoolean factoryOn = new AtomicBoolean(true);
    private final List<LockupReport> reports = new CopyOnWriteArrayList<>();
    private final CountDownLatch release = new CountDownLatch(1);
    private RuntimeCore core;
    private AtomicLong now;

    @BeforeEach
    void setUp() {
        RuntimeConfig config = new RuntimeConfig(1,
                r -> factoryOn.get() ? Thread.ofPlatform().daemon(true).unstarted(r) : null,
                Duration.ofSeconds(60), Duration.ofSeconds(300), Duration.ZERO, Duration.ofMillis(50),
                (wq, work, t) -> {}, null, false, System::nanoTime);
        core = new RuntimeCore(null, config);
        now = new AtomicLong(core.nanoTime()); // goes on from the wheel's clock, as setClock asks
        core.setClock(now::get);
        core.setLockupHandler(reports::add);
    }

    @AfterEach
    void tearDown() {
        factoryOn.set(true);
        release.countDown();
        core.close();
    }

    private void step(long seconds) {
        now.addAndGet(SECONDS.toNanos(seconds));
    }

    /**
     * A blocker occupies the pool's first worker, worker creation is switched off, and a second
     * item is queued: it waits on the worklist, as no worker can be created to start it. Returns
     * once the pool is seen waiting (that look is the stall's first observation, at the current
     * instant).
     */
    private WorkerPool stall() throws Exception {
        Workqueue wq = core.alloc("wd", Set.of(), 0, false, false);
        CountDownLatch started = new CountDownLatch(1);
        assertTrue(wq.queueOn(0, new Work(self -> {
            started.countDown();
            release.await(30, SECONDS);
        })));
        assertTrue(started.await(10, SECONDS), "the first item did not start");
        factoryOn.set(false);
        assertTrue(wq.queueOn(0, new Work(self -> release.await(30, SECONDS))));
        WorkerPool pool = core.boundPool(0, false);
        long deadline = System.nanoTime() + SECONDS.toNanos(10);
        while (PoolViews.stalledNanos(pool, core.nanoTime()) < 0) {
            assertTrue(System.nanoTime() < deadline, "the second item never waited on the worklist");
            Thread.sleep(10); // polling the pool's state: no latch can express it
        }
        return pool;
    }

    @Test
    void stalledPool_steppedPastThreshold_reportsThenRestartsItsStallClock() throws Exception {
        stall();
        step(59);
        assertTrue(core.watchdog().check(THRESH), "items wait");
        assertEquals(List.of(), reports, "59 s is below the threshold");
        assertTrue(core.dump().contains("hung=59s"), core.dump());

        step(2);
        assertTrue(core.watchdog().check(THRESH));
        assertEquals(1, reports.size());
        LockupReport r = reports.get(0);
        assertEquals(Duration.ofSeconds(61), r.stuck());
        assertEquals("cpus=0 flags=0x0 nice=0", r.poolAttributes());
        assertTrue(r.text().startsWith("workqueue lockup - pool cpus=0 flags=0x0 nice=0 stuck for 61s!\n"), r.text());
        assertTrue(r.text().contains("workqueue wd: flags="), r.text());
        assertTrue(r.text().contains("Stack of kworker/0:"), r.text());
        assertEquals(1, core.lockupsReported());

        step(30); // the report restarted the pool's stall clock
        assertTrue(core.watchdog().check(THRESH));
        assertEquals(1, reports.size());
        step(31);
        assertTrue(core.watchdog().check(THRESH));
        assertEquals(2, reports.size());
        assertEquals(Duration.ofSeconds(61), reports.get(1).stuck());
    }

    @Test
    void zeroThreshold_timerFiresLongAfterStall_noReport() throws Exception {
        stall();
        step(600);
        core.watchdog().fired(); // as the timer would: the watchdog is off
        assertEquals(List.of(), reports);
        assertEquals(0, core.lockupsReported());
        assertTrue(core.dump().contains("hung=600s"), "the stall is real: " + core.dump());
    }

    @Test
    void emptyRuntime_check_findsNothingWaiting() {
        step(600);
        assertFalse(core.watchdog().check(THRESH));
        assertEquals(List.of(), reports);
    }
}
