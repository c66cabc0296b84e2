package io.jworkqueue.internal;

import static org.openjdk.jcstress.annotations.Expect.*;

import io.jworkqueue.Work;
import org.openjdk.jcstress.annotations.*;
import org.openjdk.jcstress.infra.results.IZZ_Result;

/**
 * No lost wake-up: a queue call races with the worker that clears PENDING right before running
 * the pending instance ({@code set_work_pool_and_clear_pending} then the function).
 * <ul>
 *   <li>queue returned true: PENDING must be set afterwards (a new instance is owed a run);</li>
 *   <li>queue returned false: it met the pending instance, so that instance's run (the reads
 *       after the clear) must see the caller's write, and PENDING is clear afterwards.</li>
 * </ul>
 */
@JCStressTest
@Outcome(id = {"0, true, true", "1, true, true"}, expect = ACCEPTABLE, desc = "queued anew after the clear; a further run is owed")
@Outcome(id = "1, false, false", expect = ACCEPTABLE, desc = "queue met the pending instance; its run saw the write")
@Outcome(id = "0, false, .*", expect = FORBIDDEN, desc = "queue returned false but the pending run missed the caller's write")
@Outcome(id = ".*, true, false", expect = FORBIDDEN, desc = "lost wake-up: an accepted queue left nothing pending")
@Outcome(expect = FORBIDDEN, desc = "PENDING left set by nobody")
@State
public class JcsQueueVsRun {
    final Work w = new Work(JcsFixture.NOP);
    int x;

    public JcsQueueVsRun() {
        WorkOps.testAndSetPending(w); // the instance being started: PENDING is set, owned by the pool
    }

    @Actor
    public void worker(IZZ_Result r) {
        Node.setDataVolatile(w, null); // as processOneWork: data := pool, then the clearing RMW
        WorkOps.clearPending(w);
        r.r1 = x; // the function runs
    }

    @Actor
    public void queuer(IZZ_Result r) {
        x = 1;
        r.r2 = WorkOps.testAndSetPending(w);
    }

    @Arbiter
    public void check(IZZ_Result r) {
        r.r3 = WorkOps.isPending(w);
    }
}
