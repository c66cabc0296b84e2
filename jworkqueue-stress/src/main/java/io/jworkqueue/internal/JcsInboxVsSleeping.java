package io.jworkqueue.internal;

import static org.openjdk.jcstress.annotations.Expect.*;

import io.jworkqueue.Work;
import org.openjdk.jcstress.annotations.*;
import org.openjdk.jcstress.infra.results.III_Result;

/**
 * The lock-free queue path against the pool losing its last running worker: a queue call pushes
 * an item onto the pool's inbox because a worker is counted in nr_running
 * ({@link PoolInbox#pushBehind}), while that worker goes to sleep
 * ({@code wq_worker_sleeping}). The queue call re-reads nr_running after its push, the sleeper
 * reads the inbox after lowering nr_running; one of them must see the other, so the item never
 * stays on the inbox with nobody running and nobody woken.
 *
 * <p>As in {@link JcsSleepingVsInsert}, the pool has no idle worker, so a wake-up shows as the
 * pool creating its first worker, whose thread is never started.
 */
@JCStressTest
@Outcome(id = "1, 0, 1", expect = ACCEPTABLE, desc = "the item moved to the worklist, the sleeper left nr_running, one worker was woken")
@Outcome(id = "0, 0, 0", expect = FORBIDDEN, desc = "stall: the item sits on the inbox, nobody runs, nobody was woken")
@Outcome(expect = FORBIDDEN, desc = "inconsistent accounting")
@State
public class JcsInboxVsSleeping {
    final JcsFixture.BusyPool busy = new JcsFixture.BusyPool(1001);
    final Work item = new Work(JcsFixture.NOP);

    public JcsInboxVsSleeping() {
        WorkOps.testAndSetPending(item);
        Node.setDataVolatile(item, busy.pwq);
    }

    @Actor
    public void sleeper() {
        PoolSleepers.workerSleeping(busy.pool, busy.running);
    }

    /** The lock-free branch of {@code WorkOps.queueOwned}, on this state's own pool. */
    @Actor
    public void queuer() {
        JcsFixture.queueLockFree(busy.pool, busy.pwq, item);
    }

    @Arbiter
    public void check(III_Result r) {
        busy.observe(r); // takes the plain lock: sees the inbox as the actors left it
    }
}
