package io.jworkqueue.internal;

import io.jworkqueue.Work;
import org.openjdk.jcstress.annotations.*;
import org.openjdk.jcstress.infra.results.III_Result;

import static org.openjdk.jcstress.annotations.Expect.*;

/**
 * The lock-free queue path of an unbound pool against {@code applyAttrs} replacing the pwq the
 * queue call chose. The pool looks busy (its target of counted workers is reached), so the
 * queue call pushes its item onto the inbox, and leaves it there if it then reads the pwq not
 * retired; meanwhile the pwq is retired and, being idle, released
 * ({@link PoolWorkqueue#retire}, then {@code pwqDrained}'s first step). Either the retirement
 * moves the inbox after it and finds the item (the pwq stays, holding it), or the queue call
 * reads it retired, moves the inbox itself and, if the pwq was released meanwhile, takes its
 * item back to queue it afresh ({@link PoolInbox#takeBounced}). Never is an item left on the
 * inbox for a released pwq, linked to one, or set aside with nobody to take it back.
 */
@JCStressTest
@Outcome(id = "0, 1, 0", expect = ACCEPTABLE, desc = "linked to the retired pwq, which stays until it has run")
@Outcome(id = "1, 0, 1", expect = ACCEPTABLE, desc = "the pwq was released first: the queue call took its item back")
@Outcome(id = ".*, 2, .*", expect = FORBIDDEN, desc = "stranded: the item sits on the inbox")
@Outcome(id = "0, 1, 1", expect = FORBIDDEN, desc = "linked to a released pwq")
@Outcome(id = "0, 0, 1", expect = FORBIDDEN, desc = "set aside and taken back by nobody")
@Outcome(expect = FORBIDDEN, desc = "inconsistent")
@State
public class JcsInboxVsPwqRelease {
    final WorkerPool pool = JcsFixture.unboundPool(1004);
    final PoolWorkqueue pwq = new PoolWorkqueue(pool, JcsFixture.NEVER_STARTED, 16);
    final Work item = new Work(JcsFixture.NOP);

    public JcsInboxVsPwqRelease() {
        pool.nrRunning = pool.target; // busy: a new item would wait behind the running workers
        WorkOps.testAndSetPending(item);
        Node.setDataVolatile(item, pwq);
    }

    /** {@code WorkqueueImpl.retirePwq}, with the release reduced to its flag. */
    @Actor
    public void retire() {
        pool.lockPool();
        try {
            if (pwq.retire()) {
                pwq.released = true;
            }
        } finally {
            pool.lock.unlock();
        }
    }

    /** The lock-free branch of {@code WorkOps.queueOwned}; r1: the item came back. */
    @Actor
    public void queuer(III_Result r) {
        r.r1 = JcsFixture.queueLockFreeOrBounce(pool, pwq, item) ? 1 : 0;
    }

    @Arbiter
    public void check(III_Result r) {
        pool.lock.lock(); // the plain lock: sees the inbox as the actors left it
        try {
            r.r2 = WorkList.isLinked(item) ? 1 : PoolInbox.hasWaiting(pool) ? 2 : 0;
            r.r3 = pwq.released ? 1 : 0;
        } finally {
            pool.lock.unlock();
        }
    }
}
