package io.jworkqueue.internal;

import static org.junit.jupiter.api.Assertions.*;

import io.jworkqueue.Work;
import java.lang.reflect.Field;
import java.time.Duration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Truth tables of the pool's policy predicates (SEMANTICS.md section 6, {@code kernel/workqueue.c}):
 * {@code need_more_worker}, {@code may_start_working}, {@code keep_working},
 * {@code need_to_create_worker} and {@code too_many_workers}.
 *
 * <p>The pool is built directly on a {@link RuntimeCore} that is never used to run anything: its
 * constructor starts no thread (the timer and the concurrency monitor start on first use), and
 * these tests only set counters and fill the worklist under the pool lock, never kick.
 */
class PoolPredicatesTest {
    private WorkerPool pool;

    @BeforeEach
    void setUp() {
        RuntimeConfig config = new RuntimeConfig(1, r -> Thread.ofPlatform().daemon(true).unstarted(r),
                Duration.ofMillis(10), Duration.ofSeconds(300), Duration.ZERO, Duration.ofSeconds(1),
                (wq, work, t) -> {}, null, false, System::nanoTime);
        RuntimeCore core = new RuntimeCore(null, config);
        pool = new WorkerPool(core, 0, 0, false);
    }

    /** Sets the counters and makes the worklist hold {@code queued} items, under the pool lock. */
    private void state(int queued, int nrRunning, int nrWorkers, int nrIdle) {
        pool.lock.lock();
        try {
            while (!pool.worklist.isEmpty()) {
                WorkList.remove(pool.worklist.first());
            }
            for (int i = 0; i < queued; i++) {
                pool.worklist.addLast(new Work(s -> {}));
            }
            pool.nrRunning = nrRunning;
            pool.nrWorkers = nrWorkers;
            pool.nrIdle = nrIdle;
        } finally {
            pool.lock.unlock();
        }
    }

    private interface Predicate {
        boolean test(WorkerPool p);
    }

    private boolean eval(Predicate p) {
        pool.lock.lock();
        try {
            return p.test(pool);
        } finally {
            pool.lock.unlock();
        }
    }

    // ------------------------------------------------------------------ need_more_worker

    @ParameterizedTest(name = "queued={0} nrRunning={1} -> {2}")
    @CsvSource({
        "0, 0, false",
        "0, 1, false",
        "1, 0, true",
        "3, 0, true",
        "1, 1, false",
        "3, 2, false",
    })
    void needMoreWorker_worklistAndNrRunning_trueOnlyWhenWorkWaitsAndNobodyRuns(int queued, int running, boolean expected) {
        state(queued, running, 4, 2);
        assertEquals(expected, eval(WorkerPool::needMoreWorker));
    }

    // ------------------------------------------------------------------ may_start_working

    @ParameterizedTest(name = "nrIdle={0} -> {1}")
    @CsvSource({
        "0, false",
        "1, true",
        "2, true",
        "7, true",
    })
    void mayStartWorking_idleCount_trueWhenAnotherIdleWorkerExists(int idle, boolean expected) {
        state(1, 0, 8, idle);
        assertEquals(expected, eval(WorkerPool::mayStartWorking));
        state(0, 3, 8, idle); // independent of the worklist and nr_running
        assertEquals(expected, eval(WorkerPool::mayStartWorking));
    }

    // ------------------------------------------------------------------ keep_working

    @ParameterizedTest(name = "queued={0} nrRunning={1} -> {2}")
    @CsvSource({
        "0, 0, false",
        "0, 1, false",
        "1, 0, true",
        "1, 1, true",
        "5, 1, true",
        "1, 2, false",
        "5, 3, false",
    })
    void keepWorking_worklistAndNrRunning_trueWhileWorkWaitsAndAtMostOneRuns(int queued, int running, boolean expected) {
        state(queued, running, 4, 1);
        assertEquals(expected, eval(WorkerPool::keepWorking));
    }

    // ------------------------------------------------------------------ need_to_create_worker

    @ParameterizedTest(name = "queued={0} nrRunning={1} nrIdle={2} -> {3}")
    @CsvSource({
        "1, 0, 0, true",
        "1, 0, 1, false",
        "1, 1, 0, false",
        "0, 0, 0, false",
        "0, 1, 0, false",
        "4, 0, 3, false",
    })
    void needToCreateWorker_states_trueOnlyWhenWorkerNeededAndNoneIdle(int queued, int running, int idle, boolean expected) {
        state(queued, running, running + idle, idle);
        assertEquals(expected, eval(WorkerPool::needToCreateWorker));
    }

    @Test
    void needToCreateWorker_everySmallState_equalsNeedMoreWorkerAndNotMayStartWorking() {
        for (int queued = 0; queued <= 2; queued++) {
            for (int running = 0; running <= 3; running++) {
                for (int idle = 0; idle <= 3; idle++) {
                    state(queued, running, running + idle + 1, idle);
                    boolean expected = queued > 0 && running == 0 && idle == 0;
                    assertEquals(expected, eval(WorkerPool::needToCreateWorker),
                            "queued=" + queued + " running=" + running + " idle=" + idle);
                }
            }
        }
    }

    // ------------------------------------------------------------------ too_many_workers

    @ParameterizedTest(name = "nrWorkers={0} nrIdle={1} -> {2}")
    @CsvSource({
        "0, 0, false",   // no workers
        "2, 2, false",   // two idle are always kept
        "10, 2, false",
        "3, 3, true",    // a third idle worker and nobody busy
        "7, 3, true",    // (3-2)*4 = 4 >= 4 busy
        "8, 3, false",   // 4 < 5 busy
        "12, 4, true",   // (4-2)*4 = 8 >= 8 busy
        "13, 4, false",  // 8 < 9 busy
        "5, 5, true",
    })
    void tooManyWorkers_counts_followKernelFormula(int workers, int idle, boolean expected) {
        state(0, 0, workers, idle);
        assertEquals(expected, eval(WorkerPool::tooManyWorkers));
    }

    @Test
    void tooManyWorkers_exhaustiveSmallCounts_matchIdleAboveTwoAndQuarterOfBusy() {
        for (int idle = 0; idle <= 12; idle++) {
            for (int busy = 0; busy <= 50; busy++) {
                state(busy % 2, 0, idle + busy, idle); // the worklist does not matter
                boolean expected = idle > 2 && (idle - 2) * 4 >= busy;
                assertEquals(expected, eval(WorkerPool::tooManyWorkers), "idle=" + idle + " busy=" + busy);
            }
        }
    }

    /**
     * The manager counts as idle. The field is private, so it is set by reflection (tests run on
     * the class path): with two idle workers plus a manager the pool has three "idle" workers.
     */
    @Test
    void tooManyWorkers_managerPresent_countsAsIdle() throws Exception {
        Field manager = WorkerPool.class.getDeclaredField("manager");
        manager.setAccessible(true);
        Worker m = new Worker(pool, 99);

        state(0, 0, 3, 2); // 2 idle + 1 (the would-be manager) busy
        assertFalse(eval(WorkerPool::tooManyWorkers));
        manager.set(pool, m); // 3 idle (manager included), 0 busy
        try {
            assertTrue(eval(WorkerPool::tooManyWorkers));
            state(0, 0, 7, 2); // idle 3 (manager), busy 4: 4 >= 4
            assertTrue(eval(WorkerPool::tooManyWorkers));
            state(0, 0, 8, 2); // idle 3, busy 5
            assertFalse(eval(WorkerPool::tooManyWorkers));
        } finally {
            manager.set(pool, null);
        }
        state(0, 0, 7, 2); // without the manager: only 2 idle
        assertFalse(eval(WorkerPool::tooManyWorkers));
    }

    @Test
    void predicates_emptyFreshPool_nothingNeeded() {
        assertFalse(eval(WorkerPool::needMoreWorker));
        assertFalse(eval(WorkerPool::mayStartWorking));
        assertFalse(eval(WorkerPool::keepWorking));
        assertFalse(eval(WorkerPool::needToCreateWorker));
        assertFalse(eval(WorkerPool::tooManyWorkers));
        assertTrue(eval(p -> p.worklist.isEmpty()));
    }
}
