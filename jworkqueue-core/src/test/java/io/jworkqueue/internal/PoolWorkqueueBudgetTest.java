package io.jworkqueue.internal;

import static org.junit.jupiter.api.Assertions.*;

import io.jworkqueue.AffinityScope;
import io.jworkqueue.Topology;
import io.jworkqueue.Work;
import io.jworkqueue.Workqueue;
import io.jworkqueue.WorkqueueAttrs;
import io.jworkqueue.WorkqueueFlag;
import io.jworkqueue.WorkqueueRuntime;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The parts of {@link PoolWorkqueue} that an unbound workqueue's shared max_active budget
 * ({@link ActiveBudget}) and {@code applyAttrs} use: the budget credit (CAS), the slot an item
 * waiting for another pod's slot takes when one of its own pod's items retires, a waiting pod
 * woken by a release on another pod ({@link PoolWorkqueue#poke}, {@link PoolWorkqueue#refresh}),
 * and the retirement of a replaced pwq ({@link PoolWorkqueue#retire}). Each step checks the
 * slot count {@code free + sum(credit) + sum(nrActive) == max_active} (the budget's invariant)
 * and the per-pwq counts, so a broken count fails with the counts instead of a hang.
 *
 * <h2>Surviving mutants (PIT, DEFAULTS)</h2>
 * Equivalent:
 * <ul>
 *   <li>{@code trimCredit}: {@code c > keep} turned into {@code c >= keep}. At {@code c == keep}
 *       the CAS writes the value already there and the method returns {@code c - keep == 0},
 *       as the unmutated loop does.
 * </ul>
 * Detected in the run of 2026-12-03 (listed here before as survivors, they may survive a run
 * again on a loaded machine): {@code refresh}'s {@code budget.unregister} call (equivalent when
 * the activation that follows takes a slot, since {@code ActiveBudget.take} unregisters too)
 * and {@code retire}'s {@code pool.drainInbox} (it matters only for a push that lands inside
 * the retiring thread's lock hold, a race only the stress runs meet). {@code poke}'s
 * {@code isHeldByCurrentThread} branch, whose negation was equivalent (tryLock is reentrant),
 * is gone: one {@code tryLock} serves both cases. Killed since: {@code shareBudget}
 * ({@link #onlyPwqGainingOthersByApplyAttrs_itsActiveItemTakesItsBudgetSlot}, no coverage
 * before) and the activation after a budget pwq's retirement hands its slot on
 * ({@link #retirementHandingItsSlotOn_alsoActivatesWithSlotsFreedOnAnotherPodMeanwhile}).
 * Survivors of the whole profile of 2026-12-03 08:51Z, killed since: {@code decNrInFlight}'s
 * budget branch sending every slot back to the budget ({@code inactive.isEmpty()} jumping to
 * the release: the slot then goes to the first waiting pwq in the budget's list, not to the
 * retiring item's own pod;
 * {@link #bothPodsWaiting_retiringItemHandsItsSlotToItsOwnPodNotTheFirstWaiter}), and the
 * refresh timer's {@code lockPool} removed (the refresh then ran inside another thread's lock
 * hold and its unlock failed on the timer thread;
 * {@link #poke_withThePoolLockHeldElsewhere_refreshesOnTheTimerThreadOnceItIsFree} now waits
 * until the timer thread queues on the lock, and checks that no internal error was reported).
 */
@Timeout(60)
class PoolWorkqueueBudgetTest {
    private static final long WAIT_S = 5;

    /** Two CPUs, one pod each (scope CPU): an unbound workqueue gets two pwqs sharing one budget. */
    private final WorkqueueRuntime rt = WorkqueueRuntime.builder().cpus(2).topology(Topology.model(1, 2, 1))
            .defaultAffinityScope(AffinityScope.CPU).watchdogThreshold(Duration.ZERO)
            .idleWorkerTimeout(Duration.ofHours(1)).build();
    private final CountDownLatch goA = new CountDownLatch(1), goB = new CountDownLatch(1);

    @AfterEach
    void tearDown() {
        goA.countDown();
        goB.countDown();
        rt.shutdown(Duration.ofSeconds(2)); // bounded: after a failure the counts may be lost
    }

    private static Work blocker(CountDownLatch started, CountDownLatch go) {
        return PoolWorkqueueTest.blocker(started, go);
    }

    private static void awaitTrue(BooleanSupplier c, String what) throws InterruptedException {
        PoolWorkqueueTest.awaitTrue(c, what); // bounded at 5 s, as here
    }

    private static <T> T locked(PoolWorkqueue pwq, java.util.function.Supplier<T> read) {
        pwq.pool.lockPool(); // moves the inbox first, as every engine lock holder does
        try {
            return read.get();
        } finally {
            pwq.pool.lock.unlock();
        }
    }

    private static String state(WorkqueueImpl wq) {
        StringBuilder sb = new StringBuilder("free=").append(wq.budget == null ? "-" : wq.budget.free());
        for (PoolWorkqueue p : wq.pwqs) {
            sb.append(locked(p, () -> " [pool " + p.pool.id + " nrActive=" + p.nrActive + " limit=" + p.limit
                    + " credit=" + p.credit + " inactive=" + p.inactive.size() + " inFlight=" + p.nrInFlightTotal()
                    + " waiting=" + p.budgetWaiting + " retired=" + p.retired + " released=" + p.released + "]"));
        }
        return sb.toString();
    }

    /** The budget's invariant: every slot is free, held as credit, or held by an active item. */
    private static void assertSlots(WorkqueueImpl wq, String when) {
        int sum = wq.budget.free();
        for (PoolWorkqueue p : wq.pwqs) {
            sum += locked(p, () -> p.credit + p.nrActive);
        }
        assertEquals(wq.maxActive(), sum, when + ": free + credit + nrActive must be max_active: " + state(wq));
    }

    // ------------------------------------------------------------------ credit and counts, single-threaded

    @Test
    void credit_takeAddDrainTrim() {
        PoolWorkqueue p = new PoolWorkqueue(null, null, 4);
        assertFalse(p.takeCredit(), "no credit to take");
        assertEquals(0, p.credit);
        assertEquals(3, p.addCredit(3), "addCredit returns the new credit");
        assertEquals(5, p.addCredit(2));
        assertTrue(p.takeCredit());
        assertEquals(4, p.credit, "takeCredit takes exactly one");
        assertEquals(0, p.trimCredit(4), "nothing beyond keep");
        assertEquals(0, p.trimCredit(6), "keep above the credit gives nothing back and adds nothing");
        assertEquals(4, p.credit);
        assertEquals(3, p.trimCredit(1), "trim gives back what exceeds keep");
        assertEquals(1, p.credit);
        assertTrue(p.takeCredit());
        assertFalse(p.takeCredit(), "the last one was taken");
        assertEquals(0, p.credit);
        p.addCredit(7);
        assertEquals(7, p.drainCredit(), "drain returns all of it");
        assertEquals(0, p.credit);
        assertEquals(0, p.drainCredit());
    }

    @Test
    void limitsAndIdleness_singleThreaded() {
        assertEquals(0, new PoolWorkqueue(null, null, 4, null, true).limit, "a plugged pwq starts with limit 0");
        PoolWorkqueue p = new PoolWorkqueue(null, null, 2, null, false);
        assertEquals(2, p.limit);
        assertFalse(p.plugged);
        assertTrue(p.isIdle());
        assertFalse(p.isSaturated(), "0 of 2");
        p.nrActive = 1;
        assertFalse(p.isSaturated(), "1 of 2");
        assertFalse(p.isIdle(), "an active item");
        p.nrActive = 2;
        assertTrue(p.isSaturated(), "2 of 2");
        p.nrActive = 3;
        assertTrue(p.isSaturated(), "3 of 2 (a lowered limit)");
        p.nrActive = 0;
        p.nrInFlight[3] = 2;
        p.nrInFlight[PoolWorkqueue.NR_COLORS - 1] = 1;
        assertEquals(3, p.nrInFlightTotal(), "sums every colour");
        assertFalse(p.isIdle(), "items in flight");
        p.nrInFlight[3] = 0;
        p.nrInFlight[PoolWorkqueue.NR_COLORS - 1] = 0;
        assertTrue(p.isIdle());
        assertFalse(p.isCongested());
        Work w = new Work(self -> { });
        p.inactive.addLast(w);
        assertTrue(p.isCongested(), "an item waits");
        assertFalse(p.isIdle(), "an item waits");
        WorkList.remove(w);
        assertTrue(p.isIdle());
    }

    // ------------------------------------------------------------------ the shared budget over two pods

    private WorkqueueImpl wq;
    private PoolWorkqueue p0, p1;

    /** max_active 2 over two pods: A runs on pod 0, B on pod 1, both slots used; C waits on pod 0. */
    private Work twoPodsFullWithCWaiting(String name, CountDownLatch cRan) throws Exception {
        wq = (WorkqueueImpl) rt.alloc(name, Set.of(WorkqueueFlag.UNBOUND), 2);
        p0 = wq.pwqFor(0);
        p1 = wq.pwqFor(1);
        assertNotSame(p0, p1, "one pwq per pod");
        assertSame(p0.budget, p1.budget, "the pods share one budget");
        CountDownLatch aStarted = new CountDownLatch(1), bStarted = new CountDownLatch(1);
        assertTrue(wq.queueOn(0, blocker(aStarted, goA)));
        assertTrue(aStarted.await(WAIT_S, TimeUnit.SECONDS), "A did not start");
        assertTrue(wq.queueOn(1, blocker(bStarted, goB)));
        assertTrue(bStarted.await(WAIT_S, TimeUnit.SECONDS), "B did not start");
        assertSlots(wq, "A and B active");
        Work c = new Work(self -> cRan.countDown());
        assertTrue(wq.queueOn(0, c));
        assertTrue(locked(p0, () -> p0.nrActive == 1 && !p0.isSaturated() && p0.inactive.first() == c
                && p0.budgetWaiting), "C waits on pod 0 for a slot of the budget, its pwq under its own limit: " + state(wq));
        assertEquals(0, wq.budget.free(), state(wq));
        assertSlots(wq, "C waiting");
        return c;
    }

    @Test
    void itemWaitingForTheBudget_takesTheSlotOfItsOwnPodsRetiringItem() throws Exception {
        CountDownLatch cRan = new CountDownLatch(1);
        twoPodsFullWithCWaiting("budget-own-pod", cRan);
        goA.countDown(); // A retires on pod 0 below the limit: its slot goes straight to C (activateHandingSlot)
        assertTrue(cRan.await(WAIT_S, TimeUnit.SECONDS), "C did not get the slot A freed on its own pod while B runs: "
                + state(wq));
        awaitTrue(() -> locked(p0, () -> p0.nrActive == 0 && p0.nrInFlightTotal() == 0), "C to retire: " + state(wq));
        assertTrue(locked(p1, () -> p1.nrActive == 1), "B still runs: " + state(wq));
        assertSlots(wq, "A and C retired, B runs");
        goB.countDown();
        wq.flush();
        assertSlots(wq, "after the flush");
        assertTrue(locked(p0, () -> p0.isIdle() && !p0.budgetWaiting) && locked(p1, () -> p1.isIdle()),
                "after the flush: " + state(wq));
        assertEquals(3, locked(p0, () -> p0.completed) + locked(p1, () -> p1.completed), state(wq));
    }

    @Test
    void bothPodsWaiting_retiringItemHandsItsSlotToItsOwnPodNotTheFirstWaiter() throws Exception {
        // C waits on pod 0 and D on pod 1, both for a budget slot. B retires on pod 1: its slot
        // goes straight to D, the oldest item waiting on B's own pwq (activateHandingSlot), and
        // not through the budget, where pod 0, first in the budget's list of pwqs, would take it
        // when the waiters are poked (the kernel's pending list is FIFO across pwqs; here a pod
        // serves its own waiters first and spares the budget's atomics and the pokes). C gets
        // a slot only when D's retirement gives one back, so D runs before C; had B's slot gone
        // to C, D could start only after C retired.
        CountDownLatch cRan = new CountDownLatch(1), dRan = new CountDownLatch(1);
        AtomicBoolean cRanBeforeD = new AtomicBoolean();
        twoPodsFullWithCWaiting("budget-both-waiting", cRan);
        Work d = new Work(self -> {
            cRanBeforeD.set(cRan.getCount() == 0);
            dRan.countDown();
        });
        assertTrue(wq.queueOn(1, d));
        assertTrue(locked(p1, () -> p1.nrActive == 1 && p1.inactive.first() == d && p1.budgetWaiting),
                "D waits on pod 1 for a slot of the budget: " + state(wq));
        assertSlots(wq, "C and D waiting");
        goB.countDown();
        assertTrue(dRan.await(WAIT_S, TimeUnit.SECONDS), "D did not run: " + state(wq));
        assertTrue(cRan.await(WAIT_S, TimeUnit.SECONDS), "C did not run once D gave its slot back: " + state(wq));
        assertFalse(cRanBeforeD.get(), "the slot B freed on pod 1 went to C on pod 0 instead of D on pod 1");
        awaitTrue(() -> locked(p0, () -> p0.nrActive == 1 && p0.nrInFlightTotal() == 1), "C to retire: " + state(wq));
        assertSlots(wq, "B, D and C retired, A runs");
        goA.countDown();
        wq.flush();
        assertSlots(wq, "after the flush");
        assertTrue(locked(p0, () -> p0.isIdle() && !p0.budgetWaiting) && locked(p1, () -> p1.isIdle() && !p1.budgetWaiting),
                "after the flush: " + state(wq));
    }

    @Test
    void itemWaitingForTheBudget_isWokenBySlotReleasedOnAnotherPod() throws Exception {
        CountDownLatch cRan = new CountDownLatch(1);
        twoPodsFullWithCWaiting("budget-other-pod", cRan);
        goB.countDown(); // B retires on pod 1, which has nothing waiting: the slot goes back and pod 0 is poked
        assertTrue(cRan.await(WAIT_S, TimeUnit.SECONDS), "C was not woken by the slot B freed on the other pod: "
                + state(wq));
        assertTrue(locked(p0, () -> p0.nrActive >= 1), "A still runs: " + state(wq));
        awaitTrue(() -> locked(p0, () -> p0.nrActive == 1 && p0.nrInFlightTotal() == 1), "C to retire: " + state(wq));
        assertSlots(wq, "B and C retired, A runs");
        goA.countDown();
        wq.flush();
        assertSlots(wq, "after the flush");
        assertTrue(locked(p0, () -> p0.isIdle() && !p0.budgetWaiting), "after the flush: " + state(wq));
    }

    @Test
    void retirementHandingItsSlotOn_alsoActivatesWithSlotsFreedOnAnotherPodMeanwhile() throws Exception {
        // Pod 0 has items waiting for budget slots. A slot freed on pod 1 pokes pod 0, whose
        // lock the test holds, so the refresh waits on the timer thread. In that lock hold an
        // active item of pod 0 retires (a cancel): its slot goes to the oldest waiting item, and
        // the slot freed on pod 1 to the next one, without waiting for the refresh.
        wq = (WorkqueueImpl) rt.alloc("budget-handing-more", Set.of(WorkqueueFlag.UNBOUND), 3);
        p0 = wq.pwqFor(0);
        p1 = wq.pwqFor(1);
        AtomicInteger aRuns = new AtomicInteger();
        CountDownLatch aStarted = new CountDownLatch(1), bStarted = new CountDownLatch(1), waitersRan = new CountDownLatch(2);
        Work a = new Work(self -> {
            if (aRuns.incrementAndGet() == 1) {
                aStarted.countDown();
                goA.await(WAIT_S, TimeUnit.SECONDS);
            }
        });
        assertTrue(wq.queueOn(0, a));
        assertTrue(aStarted.await(WAIT_S, TimeUnit.SECONDS), "A did not start");
        assertTrue(wq.queueOn(0, a)); // the second instance waits behind the first run, active, not started
        awaitTrue(() -> locked(p0, () -> {
            Worker running = p0.pool.findWorkerExecutingWork(a);
            return running != null && running.scheduled.first() == a;
        }), "the second instance of A to wait behind its first run: " + state(wq));
        assertTrue(wq.queueOn(1, blocker(bStarted, goB)));
        assertTrue(bStarted.await(WAIT_S, TimeUnit.SECONDS), "B did not start");
        Work x = new Work(self -> waitersRan.countDown()), y = new Work(self -> waitersRan.countDown());
        assertTrue(wq.queueOn(0, x));
        assertTrue(wq.queueOn(0, y));
        p0.pool.lockPool(); // moves X and Y off the inbox
        try {
            assertTrue(p0.nrActive == 2 && p0.inactive.size() == 2 && p0.budgetWaiting && wq.budget.free() == 0,
                    "X and Y wait for the budget on pod 0: " + state(wq));
            goB.countDown(); // B retires on pod 1: its slot goes back, and pod 0's poke waits for this lock
            awaitTrue(() -> wq.budget.free() == 1, "B's slot to go back to the budget");
            assertTrue(a.cancel(), "the second instance of A was pending");
            assertTrue(p0.nrActive == 3 && p0.inactive.isEmpty() && wq.budget.free() == 0 && !p0.budgetWaiting,
                    "X took the cancelled item's slot and Y the one B freed, in the cancel's lock hold: " + state(wq));
        } finally {
            p0.pool.lock.unlock();
        }
        assertSlots(wq, "X and Y active or retired"); // (not under pod 0's lock: it takes pod 1's)
        assertTrue(waitersRan.await(WAIT_S, TimeUnit.SECONDS), "X and Y did not run: " + state(wq));
        goA.countDown();
        wq.flush();
        assertEquals(1, aRuns.get(), "the cancelled instance of A ran");
        assertSlots(wq, "after the flush");
        assertTrue(locked(p0, () -> p0.isIdle() && !p0.budgetWaiting && p0.completed == 3), "after the flush: " + state(wq));
    }

    @Test
    void cancelOfAnItemWaitingForTheBudget_givesTheForcedSlotBack() throws Exception {
        CountDownLatch cRan = new CountDownLatch(1);
        Work c = twoPodsFullWithCWaiting("budget-cancel", cRan);
        assertTrue(c.cancel(), "C waited: pending");
        assertTrue(locked(p0, () -> p0.nrActive == 1 && p0.inactive.isEmpty() && p0.nrInFlightTotal() == 1),
                "after cancelling C: " + state(wq));
        assertSlots(wq, "C cancelled (it took a slot forcibly on its way out, and gave it back)");
        assertEquals(0, wq.budget.free(), "A and B still hold both slots: " + state(wq));
        goA.countDown();
        goB.countDown();
        wq.flush();
        assertEquals(1, cRan.getCount(), "the cancelled C ran");
        assertSlots(wq, "after the flush");
    }

    @Test
    void loweredLimit_itemRetiringAboveItGivesItsSlotBackInsteadOfActivating() throws Exception {
        wq = (WorkqueueImpl) rt.alloc("budget-lowered", Set.of(WorkqueueFlag.UNBOUND), 3);
        p0 = wq.pwqFor(0);
        CountDownLatch started = new CountDownLatch(3), goRest = new CountDownLatch(1);
        assertTrue(wq.queueOn(0, blocker(started, goA)));
        assertTrue(wq.queueOn(0, blocker(started, goRest)));
        assertTrue(wq.queueOn(0, blocker(started, goRest)));
        try {
            assertTrue(started.await(WAIT_S, TimeUnit.SECONDS), "the three blockers did not all start: " + state(wq));
            CountDownLatch dRan = new CountDownLatch(1);
            Work d = new Work(self -> dRan.countDown());
            assertTrue(wq.queueOn(0, d));
            assertTrue(locked(p0, () -> p0.nrActive == 3 && p0.inactive.first() == d), "D waits: " + state(wq));
            wq.setMaxActive(2);
            assertTrue(locked(p0, () -> p0.limit == 2 && p0.nrActive == 3 && p0.inactive.first() == d),
                    "lowered below the active count: " + state(wq));
            assertSlots(wq, "max_active lowered to 2 with 3 active");
            goA.countDown(); // A retires: 2 still active, at the new limit: its slot goes back, D keeps waiting
            awaitTrue(() -> locked(p0, () -> p0.completed >= 1), "A to retire: " + state(wq));
            assertTrue(locked(p0, () -> p0.nrActive == 2 && p0.inactive.first() == d),
                    "D was activated although 2 items still hold the 2 slots: " + state(wq));
            assertEquals(1, dRan.getCount(), "D ran beside two active items with max_active 2");
            assertSlots(wq, "A retired");
            goRest.countDown(); // the first of them to retire hands its slot to D
            assertTrue(dRan.await(WAIT_S, TimeUnit.SECONDS), "D did not run: " + state(wq));
        } finally {
            goRest.countDown();
        }
        wq.flush();
        assertSlots(wq, "after the flush");
        assertTrue(locked(p0, () -> p0.isIdle() && p0.completed == 4), "after the flush: " + state(wq));
    }

    // ------------------------------------------------------------------ poke

    /** A pwq whose limit the test lowered by hand: {@link PoolWorkqueue#refresh} sets it back to max_active. */
    private PoolWorkqueue lowered(String name) {
        wq = (WorkqueueImpl) rt.alloc(name, Set.of(WorkqueueFlag.UNBOUND), 3);
        PoolWorkqueue p = wq.pwqFor(0);
        p.pool.lockPool();
        try {
            p.limit = 0;
        } finally {
            p.pool.lock.unlock();
        }
        return p;
    }

    @Test
    void poke_withThePoolLockHeldByTheCaller_refreshesAtOnce() {
        PoolWorkqueue p = lowered("poke-held");
        p.pool.lockPool();
        try {
            p.poke();
            assertEquals(3, p.limit, "refreshed inside the caller's lock hold");
        } finally {
            p.pool.lock.unlock();
        }
    }

    @Test
    void poke_withThePoolLockFree_refreshesBeforeReturning() {
        PoolWorkqueue p = lowered("poke-free");
        p.poke();
        assertEquals(3, p.limit, "refreshed before poke returned");
        assertFalse(p.pool.lock.isLocked(), "the lock was given back");
    }

    @Test
    void poke_withThePoolLockHeldElsewhere_refreshesOnTheTimerThreadOnceItIsFree() throws Exception {
        PoolWorkqueue p = lowered("poke-busy");
        for (int round = 0; round < 2; round++) { // the second round reuses the pwq's timer
            p.pool.lockPool();
            try {
                p.limit = 0;
                CompletableFuture.runAsync(p::poke).get(WAIT_S, TimeUnit.SECONDS); // must not wait for the lock
                // The timer thread's refresh waits for this lock hold: it queues on the lock.
                awaitTrue(p.pool.lock::hasQueuedThreads, "the timer thread to wait for the pool lock (round " + round + ")");
                assertEquals(0, p.limit, "refreshed without the pool lock (round " + round + ")");
            } finally {
                p.pool.lock.unlock();
            }
            awaitTrue(() -> p.limit == 3, "the timer thread to refresh the pwq (round " + round + ")");
        }
        assertEquals(0, rt.internalErrors(), "the refresh on the timer thread failed");
    }

    // ------------------------------------------------------------------ retire (applyAttrs)

    private static WorkqueueAttrs other(int nice) {
        return WorkqueueAttrs.builder().nice(nice).affinityScope(AffinityScope.SYSTEM).build();
    }

    @Test
    void retire_ofAnIdlePwq_releasesItAtOnce() {
        wq = (WorkqueueImpl) rt.alloc("retire-idle", Set.of(WorkqueueFlag.UNBOUND), 2);
        PoolWorkqueue[] old = wq.pwqs;
        assertEquals(2, old.length);
        wq.applyAttrs(other(1));
        for (PoolWorkqueue p : old) {
            assertTrue(locked(p, () -> p.retired && p.released), "an idle replaced pwq is released at once: " + state(wq));
        }
        assertEquals(1, wq.pwqs.length, "only the new pwq is linked: " + state(wq));
        PoolWorkqueue gone = old[0];
        assertFalse(locked(gone, gone::retire), "retiring a released pwq again must not ask for a second release");
        assertSlots(wq, "after the swap");
    }

    @Test
    void retire_ofABusyPwq_releasesItWhenItsLastItemRetires() throws Exception {
        wq = (WorkqueueImpl) rt.alloc("retire-busy", Set.of(WorkqueueFlag.UNBOUND), 2);
        PoolWorkqueue busy = wq.pwqFor(0);
        CountDownLatch aStarted = new CountDownLatch(1);
        assertTrue(wq.queueOn(0, blocker(aStarted, goA)));
        assertTrue(aStarted.await(WAIT_S, TimeUnit.SECONDS), "A did not start");
        wq.applyAttrs(other(2));
        assertTrue(locked(busy, () -> busy.retired && !busy.released && busy.nrActive == 1),
                "the replaced pwq keeps running A: " + state(wq));
        assertFalse(locked(busy, busy::retire), "a pwq with an active item is not released yet");
        assertEquals(2, wq.pwqs.length, "the busy old pwq and the new one: " + state(wq));
        CountDownLatch bRan = new CountDownLatch(1);
        assertTrue(wq.queueOn(0, new Work(self -> bRan.countDown())));
        assertTrue(bRan.await(WAIT_S, TimeUnit.SECONDS), "an item queued after the swap runs on the new pwq: " + state(wq));
        assertTrue(locked(busy, () -> busy.nrInFlightTotal() == 1), "the new item did not go to the retired pwq: " + state(wq));
        goA.countDown();
        awaitTrue(() -> locked(busy, () -> busy.released), "the old pwq to be released once A retired: " + state(wq));
        assertEquals(1, wq.pwqs.length, "only the new pwq is linked: " + state(wq));
        wq.flush();
        assertSlots(wq, "after the flush");
        assertEquals(2, wq.info().getCompleted(), "the released pwq's statistics are kept: " + state(wq));
    }

    @Test
    void onlyPwqGainingOthersByApplyAttrs_itsActiveItemTakesItsBudgetSlot() throws Exception {
        // One pod: the workqueue's only pwq skips the budget (its limit is exact). applyAttrs
        // to one pwq per CPU makes it share the budget: its active item takes a slot then
        // (PoolWorkqueue.shareBudget), so that the invariant holds from that moment.
        WorkqueueRuntime one = WorkqueueRuntime.builder().cpus(2).topology(Topology.model(1, 2, 1))
                .defaultAffinityScope(AffinityScope.SYSTEM).watchdogThreshold(Duration.ZERO)
                .idleWorkerTimeout(Duration.ofHours(1)).build();
        try {
            wq = (WorkqueueImpl) one.alloc("budget-share", Set.of(WorkqueueFlag.UNBOUND), 3);
            assertEquals(1, wq.pwqs.length, "one pod, one pwq: " + state(wq));
            PoolWorkqueue only = wq.pwqs[0];
            CountDownLatch aStarted = new CountDownLatch(1);
            assertTrue(wq.queue(blocker(aStarted, goA)));
            assertTrue(aStarted.await(WAIT_S, TimeUnit.SECONDS), "A did not start");
            assertEquals(3, wq.budget.free(), "the only pwq skips the budget, whose slots all stay free: " + state(wq));
            wq.applyAttrs(WorkqueueAttrs.builder().affinityScope(AffinityScope.CPU).build());
            assertEquals(3, wq.pwqs.length, "the busy old pwq and one new pwq per CPU: " + state(wq));
            assertEquals(2, wq.budget.free(), "A, active on the old pwq, took a slot when it began to share: " + state(wq));
            assertSlots(wq, "after applyAttrs");
            goA.countDown();
            awaitTrue(() -> locked(only, () -> only.released), "the old pwq to be released once A retired: " + state(wq));
            wq.flush();
            assertSlots(wq, "after the flush");
        } finally {
            goA.countDown();
            one.shutdown(Duration.ofSeconds(2)); // bounded: after a failure the counts may be lost
        }
    }

    @Test
    void orderedWorkqueue_newPwqStaysPluggedUntilTheOldOneIsReleased() throws Exception {
        wq = (WorkqueueImpl) rt.allocOrdered("retire-plugged", Set.of());
        assertNull(wq.budget, "an ordered workqueue has no shared budget");
        PoolWorkqueue old = wq.pwqs[0];
        CountDownLatch aStarted = new CountDownLatch(1);
        assertTrue(wq.queue(blocker(aStarted, goA)));
        assertTrue(aStarted.await(WAIT_S, TimeUnit.SECONDS), "A did not start");
        wq.applyAttrs(other(1));
        PoolWorkqueue[] both = wq.pwqs;
        assertEquals(2, both.length, "old and new pwq: " + state(wq));
        assertSame(old, both[0]);
        PoolWorkqueue fresh = both[1];
        CountDownLatch bRan = new CountDownLatch(1);
        Work b = new Work(self -> bRan.countDown());
        assertTrue(wq.queue(b));
        assertTrue(locked(fresh, () -> fresh.plugged && fresh.limit == 0 && fresh.inactive.first() == b),
                "B waits on the plugged new pwq: " + state(wq));
        fresh.poke(); // not the first pwq yet: a refresh must leave it plugged
        assertTrue(locked(fresh, () -> fresh.plugged && fresh.limit == 0 && fresh.inactive.first() == b),
                "a refresh unplugged the new pwq while the old one still runs A: " + state(wq));
        assertEquals(1, bRan.getCount(), "B ran before A finished");
        goA.countDown(); // A retires, the old pwq is released and pokes the new one, now the first
        assertTrue(bRan.await(WAIT_S, TimeUnit.SECONDS), "B did not run after the old pwq drained: " + state(wq));
        assertTrue(locked(old, () -> old.released), state(wq));
        assertTrue(locked(fresh, () -> !fresh.plugged && fresh.limit == 1), "unplugged: " + state(wq));
        wq.flush();
        assertTrue(locked(fresh, fresh::isIdle), "after the flush: " + state(wq));
    }
}
