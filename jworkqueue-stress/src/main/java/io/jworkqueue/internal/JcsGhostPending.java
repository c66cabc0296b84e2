package io.jworkqueue.internal;

import static org.openjdk.jcstress.annotations.Expect.*;

import io.jworkqueue.Work;
import org.openjdk.jcstress.annotations.*;
import org.openjdk.jcstress.infra.results.ZII_Result;

/**
 * The kernel's "ghost PENDING" ordering bug: a queue call that returns false because the item
 * is already pending must still publish everything the caller wrote before it to the pending
 * run. Plain (non-volatile) fields, written in one order and read in the other, so any
 * reordering the memory model allows would show.
 */
@JCStressTest
@Outcome(id = "false, 1, 1", expect = ACCEPTABLE, desc = "queue met the pending instance; the run saw both writes")
@Outcome(id = "true, .*, .*", expect = ACCEPTABLE, desc = "the run started first; the queue call owns a new instance")
@Outcome(id = "false, .*, .*", expect = FORBIDDEN, desc = "queue returned false, yet the pending run missed a prior write")
@State
public class JcsGhostPending {
    final Work w = new Work(JcsFixture.NOP);
    int a, b;

    public JcsGhostPending() {
        WorkOps.testAndSetPending(w);
    }

    @Actor
    public void caller(ZII_Result r) {
        a = 1;
        b = 1;
        r.r1 = WorkOps.testAndSetPending(w);
    }

    @Actor
    public void worker(ZII_Result r) {
        WorkOps.clearPending(w);
        r.r3 = b;
        r.r2 = a;
    }
}
