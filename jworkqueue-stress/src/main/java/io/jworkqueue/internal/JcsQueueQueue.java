package io.jworkqueue.internal;

import static org.openjdk.jcstress.annotations.Expect.*;

import io.jworkqueue.Work;
import org.openjdk.jcstress.annotations.*;
import org.openjdk.jcstress.infra.results.ZZZ_Result;

/**
 * Two queue calls on one idle item race: exactly one wins (returns true), and the item ends up
 * linked once. Real {@code queue_work} path on the frozen workqueue.
 */
@JCStressTest
@Outcome(id = {"true, false, true", "false, true, true"}, expect = ACCEPTABLE, desc = "exactly one queue call won; the item is queued")
@Outcome(id = {"true, true, .*", "false, false, .*"}, expect = FORBIDDEN, desc = "both or neither won")
@Outcome(expect = FORBIDDEN, desc = "the winner's item is not queued")
@State
public class JcsQueueQueue {
    final Work w = new Work(JcsFixture.NOP);

    @Actor
    public void queue1(ZZZ_Result r) {
        r.r1 = JcsFixture.FROZEN.queue(w);
    }

    @Actor
    public void queue2(ZZZ_Result r) {
        r.r2 = JcsFixture.FROZEN.queue(w);
    }

    @Arbiter
    public void check(ZZZ_Result r) {
        r.r3 = WorkOps.isPending(w) && JcsFixture.linked(w);
        JcsFixture.cleanUp(w);
    }
}
