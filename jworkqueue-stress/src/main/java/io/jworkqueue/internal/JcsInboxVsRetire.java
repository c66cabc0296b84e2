package io.jworkqueue.internal;

import static org.openjdk.jcstress.annotations.Expect.*;

import io.jworkqueue.Work;
import org.openjdk.jcstress.annotations.*;
import org.openjdk.jcstress.infra.results.II_Result;

/**
 * The lock-free queue path against a pwq whose max_active frees up: a queue call pushes an item
 * onto a bound pool's inbox because the pwq is saturated ({@link PoolWorkqueue#isSaturated}) and
 * no worker of the pool is counted running, while the worker retires the pwq's only active item
 * ({@code decNrInFlight}). An unbound pool's pwq works the same way.
 * The queue call re-reads nrActive after its push, the worker moves the inbox after lowering
 * nrActive; one of them must see the other, so the item ends up active and is not stranded on
 * the inbox with the pwq idle.
 */
@JCStressTest
@Outcome(id = "1, 1", expect = ACCEPTABLE, desc = "the item was activated: on the worklist, counted in nrActive")
@Outcome(id = "0, 0", expect = FORBIDDEN, desc = "stall: the item sits on the inbox while max_active is free")
@Outcome(expect = FORBIDDEN, desc = "inconsistent accounting")
@State
public class JcsInboxVsRetire {
    final WorkerPool pool = new WorkerPool(JcsFixture.NEVER_STARTED.runtime, 1002, 0, false);
    final PoolWorkqueue pwq = new PoolWorkqueue(pool, JcsFixture.NEVER_STARTED, 1);
    final Work item = new Work(JcsFixture.NOP);

    public JcsInboxVsRetire() {
        pwq.nrActive = 1; // one item runs: max_active 1 is used up
        WorkOps.testAndSetPending(item);
        Node.setDataVolatile(item, pwq);
    }

    /** The worker finished the active item (no flush colour, so no flush bookkeeping). */
    @Actor
    public void retire() {
        pool.lock.lock();
        try {
            pwq.decNrInFlight(PoolWorkqueue.NO_COLOR, true);
        } finally {
            pool.lock.unlock();
        }
    }

    /** The lock-free branch of {@code WorkOps.queueOwned}. */
    @Actor
    public void queuer() {
        JcsFixture.queueLockFree(pool, pwq, item);
    }

    @Arbiter
    public void check(II_Result r) {
        pool.lock.lock(); // the plain lock: sees the inbox as the actors left it
        try {
            r.r1 = pool.worklist.first() == item ? 1 : WorkList.isLinked(item) ? 2 : 0;
            r.r2 = pwq.nrActive;
        } finally {
            pool.lock.unlock();
        }
    }
}
