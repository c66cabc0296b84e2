package io.jworkqueue.internal;

import static org.openjdk.jcstress.annotations.Expect.*;

import io.jworkqueue.Work;
import org.openjdk.jcstress.annotations.*;
import org.openjdk.jcstress.infra.results.ZZZZ_Result;

/**
 * {@code disable_work} races {@code queue_work}: while disabled nothing may stay pending, a queue
 * call after the disable returns false ({@code clear_pending_if_disabled}), and a disable after
 * a successful queue reports the instance it cancelled.
 */
@JCStressTest
@Outcome(id = "true, true, false, true", expect = ACCEPTABLE, desc = "queued, then disabled: the instance was cancelled")
@Outcome(id = "false, false, false, true", expect = ACCEPTABLE, desc = "disabled first: the queue call was refused")
@Outcome(expect = FORBIDDEN, desc = "pending while disabled, or wrong return values")
@State
public class JcsDisableVsQueue {
    final Work w = new Work(JcsFixture.NOP);

    @Actor
    public void queue(ZZZZ_Result r) {
        r.r1 = JcsFixture.FROZEN.queue(w);
    }

    @Actor
    public void disable(ZZZZ_Result r) {
        r.r2 = WorkOps.disable(w, false);
    }

    @Arbiter
    public void check(ZZZZ_Result r) {
        r.r3 = WorkOps.isPending(w) || JcsFixture.linked(w);
        r.r4 = WorkOps.disableDepth(w) == 1;
        if (r.r3) {
            WorkOps.enable(w);
            JcsFixture.cleanUp(w);
        }
    }
}
