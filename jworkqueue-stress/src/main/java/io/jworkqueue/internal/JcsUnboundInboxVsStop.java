package io.jworkqueue.internal;

import io.jworkqueue.Work;
import java.util.concurrent.atomic.AtomicInteger;
import org.openjdk.jcstress.annotations.*;
import org.openjdk.jcstress.infra.results.IIII_Result;

import static org.openjdk.jcstress.annotations.Expect.*;

/**
 * The lock-free queue path of an unbound pool against one of its running workers stopping. The
 * pool's target is two counted workers (its pod's CPUs): one is counted running throughout (a
 * stand-in), the other is the calling thread of {@link PoolTestHooks#runAsIdleWorker}, which runs
 * the one item on the worklist and stops. A queue call pushes a second item onto the inbox and
 * leaves it there if it then reads two workers counted running ({@link PoolInbox#mayLeaveOnInbox});
 * the stopping worker reads the inbox after it lowers nr_running (its worklist ran empty, then
 * {@code runWorklist}'s end). One of them must see the other: the item runs, or it is on the
 * worklist with an idle worker woken, never left on the inbox.
 */
@JCStressTest
@Outcome(id = "1, 0, 1, .*", expect = ACCEPTABLE, desc = "the stopping worker ran the pushed item")
@Outcome(id = "0, 1, 1, 1", expect = ACCEPTABLE, desc = "the queue call linked the item and woke an idle worker")
@Outcome(id = "0, 2, .*", expect = FORBIDDEN, desc = "stall: the item sits on the inbox while the pool has a worker to spare")
@Outcome(expect = FORBIDDEN, desc = "inconsistent accounting")
@State
public class JcsUnboundInboxVsStop {
    final WorkerPool pool = JcsFixture.unboundPool(1003);
    final PoolWorkqueue pwq = new PoolWorkqueue(pool, JcsFixture.NEVER_STARTED, 16);
    final AtomicInteger ran = new AtomicInteger();
    final Work item = new Work(self -> ran.incrementAndGet());

    public JcsUnboundInboxVsStop() {
        pool.lock.lock();
        try {
            Worker busy = new Worker(pool, 63); // counted running all along (not on the idle list)
            busy.flags = 0;
            busy.currentPwq = pwq;
            busy.currentWork = new Work(JcsFixture.NOP);
            pool.nrRunning = 1;
            PoolWorkers.createWorker(pool); // the idle worker the calling thread of runAsIdleWorker plays
            Work first = new Work(JcsFixture.NOP);
            WorkOps.testAndSetPending(first);
            pwq.insertNew(first); // kicks the idle worker (its thread never starts)
        } finally {
            pool.lock.unlock();
        }
        WorkOps.testAndSetPending(item);
        Node.setDataVolatile(item, pwq);
    }

    /** A worker wakes, runs the worklist (its first item, then whatever the inbox holds) and stops. */
    @Actor
    public void worker() {
        PoolTestHooks.runAsIdleWorker(pool);
    }

    /** The lock-free branch of {@code WorkOps.queueOwned}. */
    @Actor
    public void queuer() {
        JcsFixture.queueLockFreeOrBounce(pool, pwq, item);
    }

    @Arbiter
    public void check(IIII_Result r) {
        pool.lock.lock(); // the plain lock: sees the inbox as the actors left it
        try {
            r.r1 = ran.get();
            r.r2 = WorkList.isLinked(item) ? 1 : PoolInbox.hasWaiting(pool) ? 2 : 0;
            r.r3 = pool.nrRunning;
            int kicked = 0;
            for (Worker w : PoolViews.workersLocked(pool)) {
                if (w.kicked && (w.flags & Worker.IDLE) != 0) {
                    kicked++;
                }
            }
            r.r4 = kicked;
        } finally {
            pool.lock.unlock();
        }
    }
}
