package io.jworkqueue.internal;

import static org.openjdk.jcstress.annotations.Expect.*;

import org.openjdk.jcstress.annotations.*;
import org.openjdk.jcstress.infra.results.III_Result;

/**
 * The shared max_active of an unbound workqueue ({@link ActiveBudget}) across two pods: max_active
 * 1, held by the active item of pod A's pwq, whose worker retires it ({@link ActiveBudget#release})
 * while pod B's pwq asks for a slot for a new item ({@link ActiveBudget#take}), each under its own
 * pool lock. Either B takes the slot (from A's credit, where a release that saw no waiter left it),
 * or B registered as waiting and the release saw it: the slot went back to the shared counter and
 * B was poked to take it. A slot left in A's credit while B waits is the stall this forbids.
 * Shown to fail ({@code 0, 0, 1} in about 1% of the states, jcstress {@code -m quick}) when the
 * release does not look at the waiters again after crediting the slot and the take does not look
 * at the slots again after registering.
 */
@JCStressTest
@Outcome(id = "1, 0, 0", expect = ACCEPTABLE, desc = "B took the slot")
@Outcome(id = "0, 1, 0", expect = ACCEPTABLE, desc = "B waits; the release saw it, freed the slot and poked B")
@Outcome(id = "0, 0, 1", expect = FORBIDDEN, desc = "stall: the slot sits in A's credit while B waits")
@Outcome(expect = FORBIDDEN, desc = "a slot lost or made up")
@State
public class JcsBudgetReleaseVsTake {
    final WorkerPool poolA = new WorkerPool(JcsFixture.NEVER_STARTED.runtime, 1010, 0, false);
    final WorkerPool poolB = new WorkerPool(JcsFixture.NEVER_STARTED.runtime, 1011, 0, false);
    final PoolWorkqueue[] pwqs = new PoolWorkqueue[2];
    final ActiveBudget budget = new ActiveBudget(() -> pwqs, 1);
    final PoolWorkqueue a = new PoolWorkqueue(poolA, JcsFixture.NEVER_STARTED, 1, budget, false);
    final PoolWorkqueue b = new PoolWorkqueue(poolB, JcsFixture.NEVER_STARTED, 1, budget, false);

    public JcsBudgetReleaseVsTake() {
        pwqs[0] = a;
        pwqs[1] = b;
        if (!budget.take(a)) { // A's item is active: it holds the only slot
            throw new AssertionError("the first slot was refused");
        }
        a.nrActive = 1;
    }

    /** A's worker retires the item and nobody of A can use the slot. */
    @Actor
    public void retire() {
        poolA.lock.lock();
        try {
            a.nrActive = 0;
            budget.release(a);
        } finally {
            poolA.lock.unlock();
        }
    }

    /** A queue call on B's pod wants to activate an item. */
    @Actor
    public void take(III_Result r) {
        poolB.lock.lock();
        try {
            r.r1 = budget.take(b) ? 1 : 0;
        } finally {
            poolB.lock.unlock();
        }
    }

    @Arbiter
    public void check(III_Result r) {
        r.r2 = budget.free();
        r.r3 = a.credit + b.credit;
    }
}
