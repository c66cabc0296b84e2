package io.jworkqueue.internal;

import static org.openjdk.jcstress.annotations.Expect.*;

import io.jworkqueue.Work;
import org.openjdk.jcstress.annotations.*;
import org.openjdk.jcstress.infra.results.ZZZZ_Result;

/**
 * {@code cancel_work} races {@code queue_work} on an idle item: either the cancel takes the new
 * instance off the list (both true, nothing left) or it came first (false, the item stays
 * queued). Real paths, on the frozen workqueue.
 *
 * <p>A third outcome is allowed, as in the kernel: cancel's {@code try_to_grab_pending} takes
 * PENDING of the idle item for a moment ({@code test_and_set_bit}), a queue call landing in that
 * window sees the item pending and returns false, and the cancel then drops PENDING. Nothing
 * runs and nothing is owed: the queue call was not accepted and the cancel found nothing.
 */
@JCStressTest
@Outcome(id = "true, true, false, false", expect = ACCEPTABLE, desc = "cancel removed the queued instance")
@Outcome(id = "true, false, true, true", expect = ACCEPTABLE, desc = "cancel came first; the item is queued")
@Outcome(id = "false, false, false, false", expect = ACCEPTABLE_INTERESTING, desc = "queue met cancel's transient PENDING (kernel try_to_grab_pending): refused, nothing owed")
@Outcome(expect = FORBIDDEN, desc = "instance lost, duplicated or left half-queued")
@State
public class JcsCancelVsQueue {
    final Work w = new Work(JcsFixture.NOP);

    @Actor
    public void queue(ZZZZ_Result r) {
        r.r1 = JcsFixture.FROZEN.queue(w);
    }

    @Actor
    public void cancel(ZZZZ_Result r) {
        r.r2 = WorkOps.cancel(w);
    }

    @Arbiter
    public void check(ZZZZ_Result r) {
        r.r3 = WorkOps.isPending(w);
        r.r4 = JcsFixture.linked(w);
        JcsFixture.cleanUp(w);
    }
}
