package io.jworkqueue.internal;

import static org.junit.jupiter.api.Assertions.*;

import io.jworkqueue.DelayedWork;
import io.jworkqueue.Work;
import io.jworkqueue.Workqueue;
import io.jworkqueue.WorkqueueFlag;
import io.jworkqueue.WorkqueueRuntime;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link PoolWorkqueue}'s bookkeeping, read under the plain pool lock (which, unlike
 * {@code lockPool}, does not move the inbox, so the test sees what the engine left behind):
 * the inbox drain when a saturated pwq stops being saturated, the slot hand-over to an inactive
 * item, and a timer callback that is still running when flush or cancelSync meets it. Each
 * check fails with the counts as soon as the bookkeeping is wrong, rather than by a hang.
 *
 * <h2>Surviving mutants (PIT, DEFAULTS)</h2>
 * Equivalent:
 * <ul>
 *   <li>{@code decNrInFlight}: the hand-over's {@code worker != null && pool.handOff(...)} test
 *       forced false (the hand-over always through the worklist), or {@code WorkerPool.handOff}
 *       returning false: the worker's direct run is the fast path of that route, with the same
 *       order and counts. Its refusals are killed: no other worker may run the item
 *       ({@link #itemGivenTheSlotWhileRunningOnAnotherWorker_waitsForThatRun}), the scheduled
 *       list must be empty ({@link #flushBarrierRetiring_leavesNrActiveAlone}: the barrier would
 *       wait for B). The LINKED refusal removed survives on a max_active 1 pwq: the barrier left
 *       behind on the inactive list is then handed the slot in turn and passes it on, same order
 *       and counts; the refusal keeps barriers out of the slot hand-over.
 * </ul>
 * Not killed, out of reach of a deterministic test:
 * <ul>
 *   <li>{@code decNrInFlight}: the {@code !byWorker} kick arguments (of the inbox drain when the
 *       pwq just stopped being saturated, and of the budget branch's activations) made false.
 *       A retiring worker takes the item itself. The only other callers are a cancel, whose
 *       {@code lockPool} has just emptied the inbox and kicks for the item given its slot, and
 *       the rescuer, which kicks the pool when its round ends. The kick matters only when
 *       another thread pushes an item onto the inbox inside the canceller's lock hold, between
 *       its drain and the retirement: a race no unit test can stage; only a stress run meets it.
 *   <li>{@code moveToWorklist}: the watchdog arming ({@code worklist.isEmpty()} forced false)
 *       when an activation fills the empty worklist.
 *       {@link #activationThatFillsAnEmptyWorklist_armsTheWatchdog} is meant to kill it. It did
 *       in the whole profile of 2026-12-03 08:51Z and in an earlier run, but in the engine-only
 *       run of 2026-12-03 07:06Z the stall it stages was reported with the mutant too: another
 *       path arms the watchdog there (not traced), so the test does not single the mutant out on
 *       every run.
 * </ul>
 * Removed as dead code (2026-12-03), with their equivalent mutants: {@code activate}'s early
 * return for an item not flagged INACTIVE (its only caller passes inactive items), and the
 * {@code activateInactive} after a retirement of a pwq without a budget, or one that gave its
 * slot back (nothing can be activated there); without that duplicate path the hand-over
 * condition of {@code decNrInFlight} is observable and killed
 * ({@link #saturatedPwq_retiringItemHandsItsSlotToTheOldestInactiveOne} fails in 5 s).
 * Killed since: the hand-over's kick argument
 * ({@link #nonWorkerRetiringAnActiveItemOfASaturatedPwq_wakesAWorkerForTheItemGivenItsSlot}),
 * the inbox drain where the pwq stops being saturated ({@code n == limit - 1} forced false or
 * turned into {@code limit + 1}:
 * {@link #retirementThatEndsSaturation_movesTheInboxAlthoughItsWorkerGoesOnWithAnotherItem}),
 * and the JFR activation events of {@code moveToWorklist} and of the hand-off run
 * ({@code decNrInFlight}'s {@code Jfr.on()} forced false, and the call that had no coverage:
 * {@code io.jworkqueue.JfrTest.recording_itemRunStraightFromTheInactiveList_emitsActivateWork}).
 */
@Timeout(60)
class PoolWorkqueueTest {
    /**
     * Bound of every wait here for something that happens at once (an item starting, a flush of
     * a few items): generous on a busy machine, and short enough that, with the bounded
     * {@link #tearDown}, a test that fails on broken bookkeeping fails within a mutation test's
     * allowance (PIT: 8 s beyond the test's normal time) instead of being counted a time-out.
     */
    private static final long WAIT_S = 5;

    private final WorkqueueRuntime rt = WorkqueueRuntime.builder().cpus(1)
            .watchdogThreshold(Duration.ZERO).idleWorkerTimeout(Duration.ofHours(1)).build();
    private final CountDownLatch go = new CountDownLatch(1);

    @AfterEach
    void tearDown() {
        go.countDown();
        // bounded: after a failure the engine may have lost count, and close() would wait for ever
        rt.shutdown(Duration.ofSeconds(2));
    }

    /** An item that counts {@code started} down, then holds its worker until {@link #go}. */
    private Work blocker(CountDownLatch started) {
        return blocker(started, go);
    }

    /** An item that counts {@code started} down, then holds its worker until {@code go} (at most 5 s). */
    static Work blocker(CountDownLatch started, CountDownLatch go) {
        return new Work(self -> {
            started.countDown();
            try {
                go.await(WAIT_S, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
    }

    private static String state(PoolWorkqueue pwq) {
        return "nrActive=" + pwq.nrActive + " limit=" + pwq.limit + " inactive=" + pwq.inactive.size()
                + " inFlight=" + pwq.nrInFlightTotal() + " completed=" + pwq.completed;
    }

    /** Evaluates {@code check} under the plain pool lock (no inbox drain). */
    private static boolean underLock(PoolWorkqueue pwq, BooleanSupplier check) {
        pwq.pool.lock.lock();
        try {
            return check.getAsBoolean();
        } finally {
            pwq.pool.lock.unlock();
        }
    }

    /** As {@link #underLock}, but the inbox is moved onto the pwqs first, as every engine lock holder does. */
    private static boolean underLockDrained(PoolWorkqueue pwq, BooleanSupplier check) {
        pwq.pool.lockPool();
        try {
            return check.getAsBoolean();
        } finally {
            pwq.pool.lock.unlock();
        }
    }

    private static boolean onInbox(Work w, PoolWorkqueue pwq) {
        return WorkOps.isPending(w) && Node.dataVolatile(w) == pwq && !WorkList.isLinked(w);
    }

    static void awaitTrue(BooleanSupplier c, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_S);
        while (!c.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "timed out waiting for: " + what);
            Thread.sleep(1);
        }
    }

    /**
     * Waits until every worker thread of {@code pool} is parked (idle, or blocked in a test item),
     * so no lock holder moves the inbox until the test acts: a worker that is still starting or
     * going idle takes the pool lock and drains it.
     */
    private static void awaitPoolQuiet(WorkerPool pool) throws InterruptedException {
        String prefix = "kworker/u" + pool.id + ":";
        awaitTrue(() -> {
            for (Thread t : Thread.getAllStackTraces().keySet()) {
                if (t.getName().startsWith(prefix) && t.isAlive()
                        && t.getState() != Thread.State.WAITING && t.getState() != Thread.State.TIMED_WAITING) {
                    return false;
                }
            }
            return !pool.lock.isLocked();
        }, "the workers of " + prefix + " to park");
    }

    /** The blocker {@link #saturated} started. */
    private Work held;

    /** An unbound workqueue of max_active 1 whose one slot is held by a running blocker ({@link #held}). */
    private PoolWorkqueue saturated(String name) throws InterruptedException {
        Workqueue wq = rt.alloc(name, Set.of(WorkqueueFlag.UNBOUND), 1);
        PoolWorkqueue pwq = ((WorkqueueImpl) wq).pwqFor(-1);
        CountDownLatch started = new CountDownLatch(1);
        held = blocker(started);
        assertTrue(wq.queue(held));
        assertTrue(started.await(WAIT_S, TimeUnit.SECONDS), "the blocker did not start");
        assertTrue(pwq.isSaturated(), state(pwq));
        return pwq;
    }

    @Test
    void saturatedUnboundPwq_itemWaitsOnTheInbox_andRunsWhenTheActiveItemRetires() throws Exception {
        PoolWorkqueue pwq = saturated("pwq-desat");
        Workqueue wq = pwq.wq;
        CountDownLatch bRan = new CountDownLatch(1);
        awaitPoolQuiet(pwq.pool);
        Work b = new Work(self -> bRan.countDown());
        assertTrue(wq.queue(b));
        // The pwq is saturated, so B is left on the inbox; a lock holder (the concurrency monitor
        // sampling the pool) may have moved it onto the inactive list since.
        assertTrue(underLock(pwq, () -> onInbox(b, pwq) && pwq.nrInFlightTotal() == 1
                        || !onInbox(b, pwq) && pwq.nrInFlightTotal() == 2 && pwq.inactive.first() == b),
                "queued to a saturated unbound pwq, B waits on the inbox or the inactive list: " + state(pwq));
        go.countDown();
        // A retires in the same lock hold that counts it completed, and the pwq stops being
        // saturated there (decNrInFlight moves the inbox): from then on B must be off the inbox.
        awaitTrue(() -> underLock(pwq, () -> {
            if (pwq.completed == 0) {
                return false;
            }
            assertFalse(onInbox(b, pwq), "B stayed on the inbox after the pwq stopped being saturated: " + state(pwq));
            return true;
        }), "A to retire");
        assertTrue(bRan.await(WAIT_S, TimeUnit.SECONDS), "B did not run: " + state(pwq));
        wq.flush();
        assertTrue(underLock(pwq, () -> pwq.nrActive == 0 && pwq.nrInFlightTotal() == 0 && pwq.completed == 2),
                "after the flush: " + state(pwq));
    }

    @Test
    void retirementThatEndsSaturation_movesTheInboxAlthoughItsWorkerGoesOnWithAnotherItem() throws Exception {
        // The worker that retires the item holding a saturated pwq's only slot goes on with an
        // item of another workqueue already on the worklist: keep_working then does not look at
        // the inbox (the worklist is not empty), so only the drain in decNrInFlight, where the pwq
        // stops being saturated, moves an item pushed while it was. That next item looks, under
        // the plain lock, whether it did.
        Workqueue wq = rt.alloc("pwq-desat-busy", Set.of(WorkqueueFlag.UNBOUND), 1);
        Workqueue other = rt.alloc("pwq-desat-other", Set.of(WorkqueueFlag.UNBOUND), 8);
        PoolWorkqueue pwq = ((WorkqueueImpl) wq).pwqFor(-1);
        WorkerPool pool = pwq.pool;
        assertSame(pool, ((WorkqueueImpl) other).pwqFor(-1).pool, "both workqueues use the one unbound pool");
        CountDownLatch bRan = new CountDownLatch(1), cRan = new CountDownLatch(1);
        Work b = new Work(self -> bRan.countDown());
        String[] seenByC = new String[1];
        Work c = new Work(self -> {
            underLock(pwq, () -> {
                // Vacuous if another worker, woken for C while A's was descheduled, runs C first.
                seenByC[0] = pwq.completed == 1 && onInbox(b, pwq) ? "B on the inbox after A retired: " + state(pwq) : null;
                return true;
            });
            cRan.countDown();
        });
        Work a = new Work(self -> {
            // On the pool's only running worker (nr_running is at the target, 1): nobody is woken.
            assertTrue(other.queue(c));
            pool.lockPool(); // C onto the worklist (if it was left on the inbox)
            pool.unlockPool();
            assertTrue(wq.queue(b)); // the pwq is saturated by A: B is left on the inbox
        });
        assertTrue(wq.queue(a));
        assertTrue(cRan.await(WAIT_S, TimeUnit.SECONDS), "C did not run: " + state(pwq));
        assertTrue(bRan.await(WAIT_S, TimeUnit.SECONDS), "B did not run: " + state(pwq));
        assertNull(seenByC[0]);
        wq.flush();
        assertTrue(underLock(pwq, () -> pwq.nrActive == 0 && pwq.nrInFlightTotal() == 0 && pwq.completed == 2),
                "after the flush: " + state(pwq));
    }

    @Test
    void saturatedPwq_retiringItemHandsItsSlotToTheOldestInactiveOne() throws Exception {
        PoolWorkqueue pwq = saturated("pwq-handoff");
        Workqueue wq = pwq.wq;
        StringBuffer order = new StringBuffer();
        CountDownLatch bothRan = new CountDownLatch(2);
        Work b = new Work(self -> {
            order.append('b');
            bothRan.countDown();
        });
        Work c = new Work(self -> {
            order.append('c');
            bothRan.countDown();
        });
        assertTrue(wq.queue(b));
        assertTrue(wq.queue(c));
        pwq.pool.lockPool(); // moves B and C from the inbox onto the inactive list
        try {
            assertEquals(1, pwq.nrActive, state(pwq));
            assertEquals(2, pwq.inactive.size(), state(pwq));
            assertEquals(3, pwq.nrInFlightTotal(), state(pwq));
            assertTrue(pwq.isCongested());
        } finally {
            pwq.pool.lock.unlock();
        }
        go.countDown();
        // bounded: a retirement that neither hands its slot on nor activates leaves B waiting
        assertTrue(bothRan.await(WAIT_S, TimeUnit.SECONDS), "B and C did not both run after A retired: " + state(pwq));
        wq.flush();
        assertEquals("bc", order.toString(), "inactive items start oldest first");
        assertTrue(underLock(pwq, () -> pwq.nrActive == 0 && pwq.inactive.isEmpty() && pwq.nrInFlightTotal() == 0
                && !pwq.isCongested() && pwq.completed == 3), "after the flush: " + state(pwq));
    }

    @Test
    void cancelOfAnInactiveItem_handsNoSlotOnAndReleasesItsFlusher() throws Exception {
        PoolWorkqueue pwq = saturated("pwq-cancel-inactive");
        Workqueue wq = pwq.wq;
        AtomicInteger ran = new AtomicInteger();
        Work b = new Work(self -> ran.incrementAndGet()), c = new Work(self -> ran.incrementAndGet());
        assertTrue(wq.queue(b));
        assertTrue(wq.queue(c));
        CompletableFuture<Boolean> flushB = CompletableFuture.supplyAsync(b::flush);
        // the flush links its barrier behind B, on the inactive list
        awaitTrue(() -> underLock(pwq, () -> (Node.flags(b) & PoolWorkqueue.LINKED) != 0), "flush to link behind B");
        assertTrue(b.cancel(), "B waits on the inactive list: pending");
        // B held no slot: C must not start while the blocker still runs
        assertTrue(underLock(pwq, () -> pwq.nrActive == 1 && pwq.inactive.size() == 1 && pwq.inactive.first() == c),
                "after cancelling the inactive B: " + state(pwq));
        // B's barrier moved with it off the inactive list, so its flusher returns without waiting for the blocker
        flushB.get(WAIT_S, TimeUnit.SECONDS);
        assertEquals(0, ran.get(), "nothing but the blocker may have run: " + state(pwq));
        go.countDown();
        wq.flush();
        assertEquals(1, ran.get(), "C runs after the blocker, B never");
        assertTrue(underLock(pwq, () -> pwq.nrActive == 0 && pwq.nrInFlightTotal() == 0), "after the flush: " + state(pwq));
    }

    /**
     * The retiring worker runs the item it handed its slot to straight from the inactive list
     * ({@link WorkerPool#handOff}) only if that item runs nowhere else: here X, waiting behind
     * the blocker on a max_active 1 workqueue, is at the same time running for another
     * workqueue on another worker of the same pool. When the blocker retires, X must go to that
     * worker (non-reentrancy) and start only after its first run returns.
     */
    @Test
    void itemGivenTheSlotWhileRunningOnAnotherWorker_waitsForThatRun() throws Exception {
        // Two CPUs in one pod: the pool keeps two workers counted running (target 2), so the
        // retiring worker would keep working and only the busy hash can stop it from taking X.
        try (WorkqueueRuntime rt2 = WorkqueueRuntime.builder().cpus(2)
                .defaultAffinityScope(io.jworkqueue.AffinityScope.SYSTEM)
                .watchdogThreshold(Duration.ZERO).idleWorkerTimeout(Duration.ofHours(1)).build()) {
            Workqueue wq = rt2.alloc("pwq-handoff-busy", Set.of(WorkqueueFlag.UNBOUND), 1);
            Workqueue other = rt2.alloc("pwq-handoff-other", Set.of(WorkqueueFlag.UNBOUND), 0);
            PoolWorkqueue pwq = ((WorkqueueImpl) wq).pwqFor(-1);
            assertSame(pwq.pool, ((WorkqueueImpl) other).pwqFor(-1).pool, "both workqueues use the one unbound pool");
            assertEquals(2, pwq.pool.target);
            CountDownLatch blockerStarted = new CountDownLatch(1);
            assertTrue(wq.queue(blocker(blockerStarted)));
            assertTrue(blockerStarted.await(WAIT_S, TimeUnit.SECONDS), "the blocker did not start");
            CountDownLatch firstRunStarted = new CountDownLatch(1), firstRunGo = new CountDownLatch(1);
            AtomicInteger runs = new AtomicInteger(), inside = new AtomicInteger(), maxInside = new AtomicInteger();
            Work x = new Work(self -> {
                maxInside.accumulateAndGet(inside.incrementAndGet(), Math::max);
                if (runs.incrementAndGet() == 1) {
                    firstRunStarted.countDown();
                    try {
                        firstRunGo.await(WAIT_S, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                inside.decrementAndGet();
            });
            try {
                assertTrue(other.queue(x));
                assertTrue(firstRunStarted.await(WAIT_S, TimeUnit.SECONDS), "X did not start on the other workqueue");
                assertTrue(wq.queue(x), "X runs (not pending): it may be queued again");
                // (The queue call may have left X on the unbound pool's inbox, the pwq being saturated:
                // look with the inbox moved, as any lock holder of the engine would.)
                assertTrue(underLockDrained(pwq, () -> pwq.inactive.first() == x), "X waits behind the blocker: " + state(pwq));
                go.countDown(); // the blocker retires and hands its slot to X
                awaitTrue(() -> underLock(pwq, () -> pwq.completed >= 1), "the blocker to retire");
                // X holds the slot but must wait for its first run: on the list of the worker
                // running it (assign_work), or on the worklist until a worker gets to it.
                assertTrue(underLock(pwq, () -> pwq.nrActive == 1 && pwq.inactive.isEmpty()
                        && (Node.flags(x) & PoolWorkqueue.INACTIVE) == 0 && WorkList.isLinked(x)),
                        "X, given the slot, waits linked for its first run to end: " + state(pwq));
                assertEquals(1, runs.get(), "X started a second run beside its first");
            } finally {
                firstRunGo.countDown();
            }
            wq.flush();
            other.flush();
            assertEquals(2, runs.get());
            assertEquals(1, maxInside.get(), "X ran on two workers at once");
            assertTrue(underLock(pwq, () -> pwq.nrActive == 0 && pwq.nrInFlightTotal() == 0 && pwq.completed == 2),
                    "after the flush: " + state(pwq));
        }
    }

    @Test
    void flushBarrierRetiring_leavesNrActiveAlone() throws Exception {
        // A flush barrier is not counted in nr_active (INACTIVE, no colour): when it retires
        // behind the active item, the slot that item handed on must stay taken.
        PoolWorkqueue pwq = saturated("pwq-barrier");
        Workqueue wq = pwq.wq;
        CountDownLatch bStarted = new CountDownLatch(1), bGo = new CountDownLatch(1);
        AtomicInteger cRan = new AtomicInteger();
        Work b = new Work(self -> {
            bStarted.countDown();
            try {
                bGo.await(WAIT_S, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        Work c = new Work(self -> cRan.incrementAndGet());
        assertTrue(wq.queue(b));
        assertTrue(wq.queue(c));
        CompletableFuture<Boolean> flushA = CompletableFuture.supplyAsync(held::flush);
        awaitTrue(() -> underLock(pwq, () -> {
            Worker running = pwq.pool.findWorkerExecutingWork(held);
            return running != null && !running.scheduled.isEmpty();
        }), "the flush barrier to be scheduled behind the running item");
        go.countDown();
        assertTrue(flushA.get(WAIT_S, TimeUnit.SECONDS), "flush of the running item waited for it");
        try {
            assertTrue(bStarted.await(WAIT_S, TimeUnit.SECONDS), "B did not start: " + state(pwq));
            assertTrue(underLock(pwq, () -> pwq.nrActive == 1 && pwq.inactive.size() == 1 && pwq.inactive.first() == c),
                    "B holds the only slot, C waits: " + state(pwq));
            assertEquals(0, cRan.get(), "C ran beside B: " + state(pwq));
        } finally {
            bGo.countDown();
        }
        wq.flush();
        assertEquals(1, cRan.get());
        assertTrue(underLock(pwq, () -> pwq.nrActive == 0 && pwq.nrInFlightTotal() == 0 && pwq.inactive.isEmpty()),
                "after the flush: " + state(pwq));
    }

    @Test
    void raisedLimit_activatesWaitingItemsAndDrainsTheInbox() throws Exception {
        PoolWorkqueue pwq = saturated("pwq-raise");
        Workqueue wq = pwq.wq;
        CountDownLatch others = new CountDownLatch(2);
        Work b = new Work(self -> others.countDown()), c = new Work(self -> others.countDown());
        assertTrue(wq.queue(b));
        pwq.pool.lockPool(); // B onto the inactive list
        pwq.pool.lock.unlock();
        awaitPoolQuiet(pwq.pool);
        assertTrue(wq.queue(c)); // C waits: on the inbox (the pwq is saturated), or behind B if moved since
        assertTrue(underLock(pwq, () -> onInbox(c, pwq) && pwq.inactive.size() == 1
                || !onInbox(c, pwq) && pwq.inactive.size() == 2), state(pwq));
        wq.setMaxActive(3);
        // B and C are active now, or have already run: A's slot plus theirs
        assertTrue(underLock(pwq, () -> !onInbox(c, pwq) && pwq.inactive.isEmpty() && pwq.nrActive + pwq.completed == 3),
                "after raising max_active to 3 both waiting items are active: " + state(pwq));
        assertTrue(others.await(WAIT_S, TimeUnit.SECONDS), "B and C run while A still holds a slot: " + state(pwq));
    }

    /** Counts the pool's idle workers, and those of them already woken (kicked) (L). */
    private static int[] idleAndKicked(WorkerPool pool) {
        int idle = 0, kicked = 0;
        for (Worker w : PoolViews.workersLocked(pool)) {
            if ((w.flags & Worker.IDLE) != 0) {
                idle++;
                if (w.kicked) {
                    kicked++;
                }
            }
        }
        return new int[] {idle, kicked};
    }

    private static boolean onWorklist(Work w, WorkerPool pool) { // L
        for (Work x = pool.worklist.first(); x != null; x = pool.worklist.after(x)) {
            if (x == w) {
                return true;
            }
        }
        return false;
    }

    @Test
    void nonWorkerRetiringAnActiveItemOfASaturatedPwq_wakesAWorkerForTheItemGivenItsSlot() throws Exception {
        // A cancel retires an active item that no worker has started: the slot goes to the oldest
        // waiting item, and as no worker retires here, nobody would take that item unless the
        // cancel wakes one (PoolWorkqueue.decNrInFlight, byWorker false).
        Workqueue wq = rt.alloc("pwq-nonworker", Set.of(WorkqueueFlag.UNBOUND), 2);
        PoolWorkqueue pwq = ((WorkqueueImpl) wq).pwqFor(-1);
        AtomicInteger aRuns = new AtomicInteger();
        CountDownLatch aStarted = new CountDownLatch(1);
        Work a = new Work(self -> {
            if (aRuns.incrementAndGet() == 1) {
                aStarted.countDown();
                go.await(WAIT_S, TimeUnit.SECONDS);
            }
        });
        assertTrue(wq.queue(a));
        assertTrue(aStarted.await(WAIT_S, TimeUnit.SECONDS), "A did not start");
        // Queued again while it runs, A takes the second slot; the worker woken for it hands it to
        // the worker running A (non-reentrancy), where it waits, active and not started.
        assertTrue(wq.queue(a));
        awaitTrue(() -> underLock(pwq, () -> {
            Worker running = pwq.pool.findWorkerExecutingWork(a);
            return running != null && running.scheduled.first() == a;
        }), "the second instance of A to wait behind its first run");
        awaitPoolQuiet(pwq.pool);
        assertTrue(underLock(pwq, () -> pwq.nrActive == 2 && pwq.isSaturated()
                && idleAndKicked(pwq.pool)[0] > 0 && idleAndKicked(pwq.pool)[1] == 0),
                "saturated, with idle workers none of which is woken: " + state(pwq));
        CountDownLatch bRan = new CountDownLatch(1);
        Work b = new Work(self -> bRan.countDown());
        assertTrue(wq.queue(b)); // saturated: B waits
        assertTrue(a.cancel(), "the second instance of A was pending");
        assertTrue(underLock(pwq, () -> !onWorklist(b, pwq.pool) || idleAndKicked(pwq.pool)[1] > 0),
                "B got the cancelled item's slot and waits on the worklist, but no idle worker was woken for it: "
                + state(pwq));
        assertTrue(bRan.await(WAIT_S, TimeUnit.SECONDS), "B did not run while A's first run holds its worker: " + state(pwq));
        go.countDown();
        wq.flush();
        assertEquals(1, aRuns.get(), "the cancelled instance of A ran");
        assertTrue(underLock(pwq, () -> pwq.nrActive == 0 && pwq.inactive.isEmpty() && pwq.nrInFlightTotal() == 0
                && pwq.completed == 2), "after the flush: " + state(pwq));
    }

    @Test
    void activationThatFillsAnEmptyWorklist_armsTheWatchdog() throws Exception {
        // The watchdog is armed when a worklist fills (WorkerPool.worklistFilling), by a queue
        // call or, here, by an activation (PoolWorkqueue.moveToWorklist): a stall that begins
        // with an activated item must be reported like one that begins with a queued item.
        AtomicBoolean canCreate = new AtomicBoolean(true);
        try (WorkqueueRuntime wrt = WorkqueueRuntime.builder().cpus(1)
                .threadFactory(r -> canCreate.get() ? Thread.ofPlatform().daemon(true).unstarted(r) : null)
                .watchdogThreshold(Duration.ofMillis(200)).createCooldown(Duration.ofMillis(50))
                .idleWorkerTimeout(Duration.ofHours(1)).build()) {
            Workqueue wq = wrt.alloc("pwq-wd-activation", Set.of(WorkqueueFlag.UNBOUND), 1);
            PoolWorkqueue pwq = ((WorkqueueImpl) wq).pwqFor(-1);
            CountDownLatch started = new CountDownLatch(1);
            assertTrue(wq.queue(blocker(started)));
            assertTrue(started.await(WAIT_S, TimeUnit.SECONDS), "the blocker did not start");
            Work b = new Work(self -> { });
            assertTrue(wq.queue(b));
            assertEquals(1, wq.info().getNrInactive(), "B waits for max_active"); // the snapshot moves it off the inbox
            // Nothing on any worklist: the watchdog disarms at its next look; wait until it has
            // (no timer armed, and the timer threads parked, so its callback has returned).
            TimerWheel timers = ((WorkqueueImpl) wq).runtime.timers();
            awaitTrue(() -> timers.armedCount() == 0 && timerThreadsParked(), "the watchdog to disarm");
            assertEquals(0, wrt.lockupsReported());
            canCreate.set(false);
            // The activation fills the empty worklist; the woken idle worker must create a spare
            // before it starts B, which fails: B stalls.
            wq.setMaxActive(2);
            try {
                assertEquals(2, wq.info().getNrActive(), "A and the activated B: " + state(pwq));
                // 200 ms threshold; bounded at 5 s (not the usual 10) so that a watchdog that was
                // never armed fails within PIT's time-out rather than by it
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
                while (wrt.lockupsReported() == 0) {
                    assertTrue(System.nanoTime() < deadline,
                            "a stall that began with an activation was not reported: " + wrt.poolInfos());
                    Thread.sleep(10); // polling a counter: no latch can express it
                }
            } finally {
                canCreate.set(true);
                go.countDown();
            }
            wq.flush();
        }
    }

    private static boolean timerThreadsParked() {
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().equals("jworkqueue-timer") && t.isAlive()
                    && t.getState() != Thread.State.WAITING && t.getState() != Thread.State.TIMED_WAITING) {
                return false;
            }
        }
        return true;
    }

    // ------------------------------------------------------------------ a running timer callback

    /**
     * Holds a delayed item's expiry callback: the callback queues the item and needs the pool
     * lock, which the test holds, so the timer stays FIRING until {@link #release}.
     */
    private final class HeldCallback {
        final AtomicInteger runs = new AtomicInteger();
        final DelayedWork w = new DelayedWork(self -> runs.incrementAndGet());
        final PoolWorkqueue pwq;

        HeldCallback(String name) throws InterruptedException {
            Workqueue wq = rt.alloc(name, Set.of(WorkqueueFlag.UNBOUND), 0);
            pwq = ((WorkqueueImpl) wq).pwqFor(-1);
            pwq.pool.lock.lock();
            try {
                assertTrue(wq.queueDelayed(w, Duration.ofMillis(1)));
                awaitTrue(() -> Node.timerStateVolatile(w) == TimerWheel.FIRING && pwq.pool.lock.hasQueuedThreads(),
                        "the expiry callback to block on the pool lock");
            } catch (Throwable t) {
                pwq.pool.lock.unlock();
                throw t;
            }
        }

        /**
         * Starts {@code call} on another thread, checks that it waits while the callback is held,
         * releases the callback and returns the call's result.
         */
        <T> T callWhileHeld(Supplier<T> call, String what) throws Exception {
            CompletableFuture<T> f;
            try {
                f = CompletableFuture.supplyAsync(call);
                try {
                    T v = f.get(200, TimeUnit.MILLISECONDS); // absence cannot be latched: a bounded chance to return wrongly
                    fail(what + " returned " + v + " while the expiry callback still runs");
                } catch (TimeoutException expected) {
                    // still waiting, as it should
                }
            } finally {
                pwq.pool.lock.unlock();
            }
            return f.get(WAIT_S, TimeUnit.SECONDS);
        }
    }

    @Test
    void flush_meetsARunningExpiryCallback_waitsForItAndTheRun() throws Exception {
        HeldCallback h = new HeldCallback("pwq-firing-flush");
        // true, or false if the run was over before the flush could link its barrier
        h.callWhileHeld(h.w::flush, "flush");
        assertEquals(1, h.runs.get(), "flush returned before the run it should wait for");
    }

    @Test
    void cancelSync_meetsARunningExpiryCallback_waitsAndLeavesTheItemIdle() throws Exception {
        HeldCallback h = new HeldCallback("pwq-firing-cancel");
        boolean was = h.callWhileHeld(h.w::cancelSync, "cancelSync");
        // Once the callback queued the item a worker may start it before cancelSync grabs it
        // (as in the kernel): then cancelSync reports false after that run finished; else it took
        // the item off the worklist and it never runs.
        int runsAtReturn = h.runs.get();
        assertEquals(was ? 0 : 1, runsAtReturn, "cancelSync returned " + was + " after " + runsAtReturn + " runs");
        assertFalse(h.w.isPending());
        assertFalse(h.w.isRunning());
        h.pwq.wq.flush();
        assertEquals(runsAtReturn, h.runs.get(), "the item ran after cancelSync returned");
        assertTrue(underLock(h.pwq, () -> h.pwq.nrActive == 0 && h.pwq.nrInFlightTotal() == 0), state(h.pwq));
    }
}
