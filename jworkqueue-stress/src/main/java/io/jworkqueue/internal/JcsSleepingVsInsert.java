package io.jworkqueue.internal;

import static org.openjdk.jcstress.annotations.Expect.*;

import io.jworkqueue.Work;
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
    final JcsFixture.BusyPool busy = new JcsFixture.BusyPool(1000);
    final Work item = new Work(JcsFixture.NOP);

    public JcsSleepingVsInsert() {
        WorkOps.testAndSetPending(item);
    }

    @Actor
    public void sleeper() {
        PoolSleepers.workerSleeping(busy.pool, busy.running);
    }

    @Actor
    public void inserter() {
        busy.pool.lock.lock();
        try {
            busy.pwq.insertNew(item);
        } finally {
            busy.pool.lock.unlock();
        }
    }

    @Arbiter
    public void check(III_Result r) {
        busy.observe(r);
    }
}
