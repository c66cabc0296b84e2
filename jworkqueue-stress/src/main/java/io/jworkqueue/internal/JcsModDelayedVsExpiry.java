package io.jworkqueue.internal;

import static org.openjdk.jcstress.annotations.Expect.*;

import io.jworkqueue.DelayedWork;
import org.openjdk.jcstress.annotations.*;
import org.openjdk.jcstress.infra.results.ZZZZZ_Result;

/**
 * {@code mod_delayed_work} races the expiry of the item's timer. Whether the expiry queued the
 * item first (mod then steals it off the list) or mod stole the timer first (the expiry finds
 * nothing), afterwards the item is pending exactly once, on the timer or on a list but never
 * both, and mod reports that it was pending.
 *
 * <p>The simulated expiry fires whatever arming it finds, as the wheel would once the delay has
 * passed, so it may also fire the arming that mod itself made (the third outcome).
 */
@JCStressTest
@Outcome(id = "true, true, true, false, true", expect = ACCEPTABLE_INTERESTING, desc = "expiry queued it first; mod took it off the list and re-armed")
@Outcome(id = "false, true, true, false, true", expect = ACCEPTABLE, desc = "mod stole the armed timer; the expiry found nothing")
@Outcome(id = "true, true, false, true, true", expect = ACCEPTABLE, desc = "mod re-armed first; then that new timer expired and queued it")
@Outcome(expect = FORBIDDEN, desc = "lost, duplicated (armed and queued), or mod misreported the state")
@State
public class JcsModDelayedVsExpiry {
    final DelayedWork w = new DelayedWork(JcsFixture.NOP);

    public JcsModDelayedVsExpiry() {
        JcsFixture.FROZEN.queueDelayed(w, JcsFixture.LONG);
    }

    @Actor
    public void timer(ZZZZZ_Result r) {
        r.r1 = JcsFixture.expire(w);
    }

    @Actor
    public void mod(ZZZZZ_Result r) {
        r.r2 = JcsFixture.FROZEN.modDelayed(w, JcsFixture.LONG);
    }

    @Arbiter
    public void check(ZZZZZ_Result r) {
        r.r3 = JcsFixture.armed(w);
        r.r4 = JcsFixture.linked(w);
        r.r5 = WorkOps.isPending(w);
        JcsFixture.cleanUp(w);
    }
}
