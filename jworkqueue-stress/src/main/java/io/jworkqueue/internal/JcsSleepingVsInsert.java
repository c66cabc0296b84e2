package io.jworkqueue.internal;

import static org.openjdk.jcstress.annotations.Expect.*;

import io.jworkqueue.Work;
import java.time.Duration;
import org.openjdk.jcstress.annotations.*;
import org.openjdk.jcstress.infra.results.III_Result;

/**
 * The sleeping / wake-up handshake: the only running worker of a bound pool goes to sleep
 * ({@code wq_worker_sleeping}) while another thread inserts an item ({@code insert_work} +
 * {@code kick_pool}). The kernel pairs a barrier on each side; here both sides decide under the
 * pool lock. Whatever the order, the item must not be left waiting with nobody running and
 * nobody woken: exactly one wake-up is issued.
 *
 * <p>Each state has its own pool with no idle worker, so a wake-up shows as the pool creating
 * its first worker; the thread factory's threads are never started.
 */
@JCStressTest
@Outcome(id = "1, 0, 1", expect = ACCEPTABLE, desc = "the item waits, the sleeper left nr_running, one worker was woken")
@Outcome(id = "1, 0, 0", expect = FORBIDDEN, desc = "stall: work waits, nobody runs, nobody was woken")
@Outcome(expect = FORBIDDEN, desc = "inconsistent accounting")
@State
public class JcsSleepingVsInsert {
    static final WorkqueueImpl WQ;
    static {
        io.jworkqueue.WorkqueueRuntime rt = io.jworkqueue.WorkqueueRuntime.builder()
                .cpus(1)
                .threadFactory(r -> new Thread(r, "jcs-never-started") {
                    @Override
                    public void start() {
                        // a stand-in: only its creation is observed
                    }
                })
                .watchdogThreshold(Duration.ofDays(1))
                .build();
        WQ = (WorkqueueImpl) rt.alloc("jcs-handshake", java.util.Set.of(), 0);
    }

    final WorkerPool pool = new WorkerPool(WQ.runtime, 1000, 0, false);
    final PoolWorkqueue pwq = new PoolWorkqueue(pool, WQ, 16);
    final Worker running = new Worker(pool, 0);
    final Work item = new Work(JcsFixture.NOP);

    public JcsSleepingVsInsert() {
        running.flags = 0; // running an item, counted in nr_running
        running.currentPwq = pwq;
        running.currentWork = new Work(JcsFixture.NOP);
        pool.nrRunning = 1;
        WorkOps.testAndSetPending(item);
    }

    @Actor
    public void sleeper() {
        pool.workerSleeping(running);
    }

    @Actor
    public void inserter() {
        pool.lock.lock();
        try {
            pwq.insertNew(item);
        } finally {
            pool.lock.unlock();
        }
    }

    @Arbiter
    public void check(III_Result r) {
        pool.lock.lock();
        try {
            r.r1 = pool.worklist.isEmpty() ? 0 : 1;
            r.r2 = pool.nrRunning;
            r.r3 = pool.nrWorkers;
        } finally {
            pool.lock.unlock();
        }
    }
}
