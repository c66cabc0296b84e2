package io.jworkqueue.internal;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * The max_active of an unbound workqueue shared by its pwqs, one per pod (and the replaced ones
 * still draining after {@code applyAttrs}): the JVM's counterpart of the kernel's
 * {@code wq_node_nr_active} and {@code pwq_tryinc_nr_active}, made exact system-wide.
 *
 * <h2>Slots</h2>
 * The workqueue has {@code max_active} slots. Each is at every moment in exactly one place: in
 * {@link #free}, in some pwq's {@link PoolWorkqueue#credit} (held, unused), or held by an active
 * item of a pwq (counted in its {@code nrActive}). So
 * {@code free + sum(credit) + sum(nrActive) == max_active} at all times (a cancelled inactive
 * item takes a slot forcibly, see {@link #takeForced}, and gives it back at once), and no more
 * than max_active items are ever active over all pods together.
 *
 * <h2>Touched only near the limit</h2>
 * A pwq takes slots from {@link #free} in batches of up to {@link #BATCH} and keeps the unused
 * ones as credit; a finishing item's slot goes back to the credit of its pwq (its own waiting
 * items take it first) and only credit beyond {@code 2 x BATCH} goes back to {@link #free}. So
 * while slots are plentiful the shared counter is touched once per batch, and a pwq's credit is
 * a CAS on its own cache line.
 *
 * <h2>No slot is left idle while an item waits</h2>
 * A pwq that finds no slot free takes back the credit of every other pwq (credit is never in
 * use, so taking it is always safe), then, if still none, registers as waiting
 * ({@link PoolWorkqueue#budgetWaiting}, {@link #waiters}) and looks once more. While anyone
 * waits, a finishing item returns its slot and its pwq's credit to {@link #free} and pokes the
 * waiters ({@link PoolWorkqueue#poke}). Registration (a volatile write then read of
 * {@code free} and the credits) and release (a write to {@code free} or the credit, then a read
 * of {@link #waiters}) are sequentially consistent, so either the waiter sees the slot or the
 * releaser sees the waiter. A pwq that still fails holds items only while all max_active slots
 * belong to running items, whose ends return them.
 *
 * <h2>One pwq</h2>
 * The budget exists to share max_active among several pwqs. A workqueue that has only ever had
 * one pwq (one pod, no {@code applyAttrs} yet; {@code systemUnbound()} on most machines) does not
 * use it: that pwq's {@code limit} is max_active and caps its {@code nrActive} exactly, so it
 * skips {@link #take} and {@link #release} (two to three atomics per item) and leaves every slot
 * in {@link #free}. While it does, {@code free == max_active} ({@link #resize} keeps it so) and
 * its credit is zero. {@code applyAttrs} is the only way a workqueue gains a pwq; before it links
 * the new ones it calls {@link PoolWorkqueue#shareBudget} on every pwq that skips the budget,
 * under that pwq's pool lock: the pwq's active items take their slots ({@link #takeForced}) and
 * from then on the pwq uses the budget. Every budget operation of a pwq (take, release, the
 * forced take of a cancelled item) runs under its pool lock, so each one sees the pwq entirely
 * before or entirely after the switch, and the invariant above holds from the switch on: each
 * item counted active at the switch has taken a slot and gives one back when it ends (through
 * {@link #release} or by handing it to a waiting item). The new pwqs see the budget only once
 * they are linked, after every switch. A switch needs no lock-free hand-shake (it is made and
 * read under the same lock) and is never undone: a workqueue that shrinks back to one pwq keeps
 * using the budget (undoing it would have to be ordered against the next {@code applyAttrs}).
 * {@code applyAttrs}, {@link #resize} and the switch all run under the workqueue's monitor, so
 * none of them interleave.
 */
final class ActiveBudget {
    /** How many slots a pwq takes from the shared counter at once. */
    static final int BATCH = 8;

    /** The workqueue's linked pwqs (the pods', and replaced ones still draining), read afresh each time. */
    private final Supplier<PoolWorkqueue[]> pwqs;
    private final AtomicInteger free;
    private final AtomicInteger waiters = new AtomicInteger();

    ActiveBudget(WorkqueueImpl wq, int maxActive) {
        this(() -> wq.pwqs, maxActive);
    }

    /** A budget over the pwqs {@code pwqs} returns (the jcstress test of the hand-shake builds its own). */
    ActiveBudget(Supplier<PoolWorkqueue[]> pwqs, int maxActive) {
        this.pwqs = pwqs;
        this.free = new AtomicInteger(maxActive);
    }

    /** Takes a slot for one more active item of {@code pwq} (its pool lock held). */
    boolean take(PoolWorkqueue pwq) {
        if (pwq.takeCredit() || takeShared(pwq) || reclaimAndTake(pwq)) {
            if (pwq.budgetWaiting) {
                unregister(pwq);
            }
            return true;
        }
        if (!pwq.budgetWaiting) {
            pwq.budgetWaiting = true;
            waiters.incrementAndGet();
        }
        if (reclaimAndTake(pwq)) { // look once more after registering: see the class comment
            unregister(pwq);
            return true;
        }
        return false;
    }

    /** {@code pwq} no longer waits (L of its pool). */
    void unregister(PoolWorkqueue pwq) {
        if (pwq.budgetWaiting) {
            pwq.budgetWaiting = false;
            waiters.decrementAndGet();
        }
    }

    /**
     * {@code n} items become active whatever the limit: a cancelled inactive item passing through
     * the active state (one), or the items active on a pwq that starts to share the budget
     * ({@link PoolWorkqueue#shareBudget}).
     */
    void takeForced(int n) {
        if (n != 0) {
            free.addAndGet(-n);
        }
    }

    private boolean takeShared(PoolWorkqueue pwq) {
        while (true) {
            int f = free.get();
            if (f <= 0) {
                return false;
            }
            int n = waiters.get() > 0 ? 1 : Math.min(BATCH, f); // share fairly while others wait
            if (free.compareAndSet(f, f - n)) {
                if (n > 1) {
                    pwq.addCredit(n - 1);
                }
                return true;
            }
        }
    }

    /** Takes back the credit of every pwq of the workqueue, then tries the shared counter again. */
    private boolean reclaimAndTake(PoolWorkqueue pwq) {
        reclaimAll();
        return takeShared(pwq);
    }

    /** Moves every pwq's unused credit back to the shared counter. */
    void reclaimAll() {
        for (PoolWorkqueue p : pwqs.get()) {
            int c = p.drainCredit();
            if (c > 0) {
                free.addAndGet(c);
            }
        }
    }

    /** An active item of {@code pwq} finished and no item of it can use the slot (its pool lock held). */
    void release(PoolWorkqueue pwq) {
        if (waiters.get() == 0) {
            if (pwq.addCredit(1) > 2 * BATCH) {
                free.addAndGet(pwq.trimCredit(BATCH));
            }
            if (waiters.get() == 0) {
                return;
            }
            // Someone registered meanwhile: hand everything back below.
        } else {
            free.incrementAndGet();
        }
        free.addAndGet(pwq.drainCredit());
        pokeWaiters();
    }

    /** A released pwq's unused credit goes back. */
    void releaseAll(PoolWorkqueue pwq) {
        int c = pwq.drainCredit();
        if (c > 0) {
            free.addAndGet(c);
        }
        if (waiters.get() > 0) {
            pokeWaiters();
        }
    }

    /** max_active changed from {@code from} to {@code to}: the difference goes to the shared counter. */
    void resize(int from, int to) {
        reclaimAll(); // unused credit must not let more than the new limit start
        free.addAndGet(to - from);
    }

    private void pokeWaiters() {
        for (PoolWorkqueue p : pwqs.get()) {
            if (p.budgetWaiting) {
                p.poke();
            }
        }
    }

    /** @return slots in the shared counter (tests and dumps) */
    int free() {
        return free.get();
    }
}
