package io.jworkqueue.internal;

import static org.junit.jupiter.api.Assertions.*;

import io.jworkqueue.DelayedWork;
import java.lang.reflect.Field;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The {@link TimerWheel} cases that mutation testing showed no test pinned down (issue 15):
 * cascade-then-cancel, {@code move} and {@code rearm}, arming after {@code close}, the wait for
 * a running callback, and the timer thread itself (an earlier arm or move wakes it; an armed
 * far timer costs it no CPU).
 *
 * <p>The stepped-clock tests answer the wheel's own thread with a time before the wheel's base,
 * as {@link TimerWheelTest} does, so only the test advances the wheel. The thread tests use the
 * real clock and a private wheel, so no runtime timer wakes the thread and hides a lost wake-up.
 *
 * <h2>Surviving mutants (PIT, DEFAULTS), and why no test kills them</h2>
 * Equivalent: they change no result any caller can see.
 * <ul>
 *   <li>{@code armLocked} and {@code move}: {@code deadline < wakeTick} turned into {@code <=}: an
 *       arm at exactly the planned wake-up tick unparks the thread once more, which then finds
 *       nothing to do and parks again.
 *   <li>{@code cancel}: the lock-free {@code != ARMED} pre-check removed (forced false): the same
 *       check under the lock decides.
 *   <li>{@code cancel} and {@code move}: "replaced boolean return with false/true" on the
 *       {@code return false} / {@code return true} lines: PIT mutates the copy of each return
 *       that javac places in the inlined {@code finally}; the value returned is the same.
 *   <li>{@code insert}: {@code delta > MAX_DELTA} turned into {@code >=}: at
 *       {@code delta == MAX_DELTA} the clamp writes the values already there.
 *   <li>{@code awaitNotFiring}: {@code Thread.yield()} removed: the wait spins instead of
 *       yielding, and returns at the same moment.
 * </ul>
 * Unobservable here:
 * <ul>
 *   <li>{@code run}: {@code CpuPinning.internalThreadStarted()} removed: it unpins a thread
 *       started from a pinned worker, which a private wheel's thread never is.
 *   <li>{@code run}: the {@code parkNanos} after a failed round removed: a failure that repeats
 *       would make the thread spin instead of retrying once a millisecond, which only a timing
 *       or CPU-time measurement could tell.
 *   <li>The default error sink (the three-argument constructor) not logging: the tests pass a
 *       sink of their own to see what is reported.
 * </ul>
 * Race-only: {@code cancel}'s check under the lock forced false. It differs only when the
 * timer fires between the lock-free pre-check and the lock; a deterministic test would have to
 * hold the wheel's lock at that point.
 *
 * <p>Removed as redundant code (2026-12-03), with their equivalent mutants: {@code insert}'s
 * level-0 shortcut (the formula gives 0 too), {@code nextEventTick}'s level-0 case
 * ({@code ceilDiv(tick, 1)}), {@code rearm}'s IDLE store before {@code armLocked} stores ARMED,
 * the thread's {@code sleep > 0} test before {@code parkNanos} (which returns at once for a time
 * {@code <= 0}), the unlock in {@code run}'s catch ({@code loop}'s finally has released the
 * lock), and {@code awaitNotFiring}'s 64 spins before yielding. Killed since: the thread that
 * cannot start, an expiry that throws and a round of the thread that throws
 * ({@link #threadThatCannotStart_armThrowsAndTakesTheItemBack_aLaterArmStartsIt},
 * {@link #expiryThatThrows_isReported_andTheRestOfTheBatchFires},
 * {@link #roundOfTheThreadThatThrows_isReported_andTheThreadGoesOnWithoutHoldingTheLock}; no
 * coverage before).
 */
@Timeout(60)
class TimerWheelMutationTest {
    private static final long TICK = 1_000_000L;
    private static final long START = 5_555_000_000_000L; // tick-aligned: tick N is START + N ms
    private static final long WAIT_S = 10;

    /** A wheel on a stepped clock that only the test advances; records what fired, in order. */
    private static final class Stepped {
        final String name;
        volatile long now = START;
        final List<DelayedWork> fired = new ArrayList<>();
        final TimerWheel wheel;

        Stepped(String name) {
            this.name = name;
            LongSupplier clock = () -> Thread.currentThread().getName().equals(name) ? START - TICK : now;
            wheel = new TimerWheel(clock, fired::add, name);
        }

        /** Moves the clock to tick {@code t} and processes every tick up to it. */
        List<DelayedWork> advanceTo(long t) {
            now = START + t * TICK;
            int before = fired.size();
            wheel.fire(wheel.advance(wheel.nowTick()));
            return List.copyOf(fired.subList(before, fired.size()));
        }

        List<DelayedWork> close() {
            return wheel.close();
        }
    }

    private static DelayedWork item() {
        return new DelayedWork(self -> {});
    }

    // ------------------------------------------------------------------ cascade, then cancel

    @Test
    void cascadedTimerCancelledAtTheHeadOfItsNewBucket_onlyTheOtherFires() {
        Stepped s = new Stepped("twm-cascade-1");
        DelayedWork a = item(), b = item();
        s.wheel.arm(a, 100 * TICK);
        s.wheel.arm(b, 101 * TICK);
        assertTrue(s.advanceTo(64).isEmpty(), "nothing is due at tick 64; both cascade to level 0");
        assertEquals(2, s.wheel.armedCount());
        assertTrue(s.wheel.cancel(a), "A is armed after its cascade");
        assertEquals(1, s.wheel.armedCount());
        assertEquals(101, s.wheel.nextEventTick(), "B's tick is the next event once A is gone");
        assertTrue(s.advanceTo(100).isEmpty(), "the cancelled A must not fire");
        assertEquals(List.of(b), s.advanceTo(200));
        assertEquals(0, s.wheel.armedCount());
        assertEquals(Long.MAX_VALUE, s.wheel.nextEventTick());
    }

    @Test
    void cascadedTimersSharingABucket_cancelHeadThenTheOther_noneFires() {
        // Same tick: after the cascade both are in one level-0 bucket. Cancelling the head must
        // leave the other one a correct head (prev null), or its own cancel corrupts the bucket.
        for (boolean headFirst : new boolean[] {true, false}) {
            Stepped s = new Stepped("twm-cascade-2");
            DelayedWork a = item(), b = item();
            s.wheel.arm(a, 100 * TICK);
            s.wheel.arm(b, 100 * TICK);
            assertTrue(s.advanceTo(64).isEmpty());
            DelayedWork first = headFirst ? a : b, second = headFirst ? b : a;
            assertTrue(s.wheel.cancel(first));
            assertEquals(100, s.wheel.nextEventTick(), "the other timer still occupies tick 100");
            assertTrue(s.wheel.cancel(second));
            assertEquals(Long.MAX_VALUE, s.wheel.nextEventTick(), "an empty bucket must not stay marked");
            assertTrue(s.advanceTo(300).isEmpty(), "cancelled timers fired");
            assertEquals(0, s.wheel.armedCount());
            // and the bucket still works
            DelayedWork c = item();
            s.wheel.arm(c, 36 * TICK);
            assertEquals(List.of(c), s.advanceTo(336));
        }
    }

    @Test
    void cancelInABucket_keepsTheOthersAndNoTimerOffTheWheelKeepsLinks() {
        // A timer off the wheel (cancelled or fired) must not reach other timers: that would keep
        // them reachable, and a stale link is one step from a corrupt bucket.
        Stepped s = new Stepped("twm-bucket");
        List<DelayedWork> ws = List.of(item(), item(), item(), item(), item()); // the last is the head
        for (DelayedWork w : ws) {
            s.wheel.arm(w, 10 * TICK);
        }
        for (DelayedWork gone : List.of(ws.get(2), ws.get(4))) { // the middle, then the head
            assertTrue(s.wheel.cancel(gone));
            assertNull(Node.timerNext(gone), "cancelled: next");
            assertNull(Node.timerPrev(gone), "cancelled: prev");
        }
        List<DelayedWork> fired = s.advanceTo(10);
        assertEquals(3, fired.size(), "fired " + fired);
        assertTrue(fired.containsAll(List.of(ws.get(0), ws.get(1), ws.get(3))));
        for (DelayedWork w : fired) {
            assertNull(Node.timerNext(w), "fired: next");
            assertNull(Node.timerPrev(w), "fired: prev");
        }
    }

    @Test
    void armAfterAnIdleGap_isPlacedRelativeToNowWithoutACascade() {
        // An empty wheel's thread parks without deadline and advances nothing, so its tick lags
        // the clock; the first arm after the gap must start from now (one wake-up, at the deadline).
        Stepped s = new Stepped("twm-gap");
        DelayedWork w = item();
        s.wheel.arm(w, 5 * TICK);
        assertEquals(List.of(w), s.advanceTo(5));
        s.now = START + 100_000 * TICK; // time passes; nobody advances the empty wheel
        s.wheel.arm(w, 10 * TICK);
        assertEquals(100_010, s.wheel.nextEventTick(), "the next event is the deadline itself, not a cascade");
        assertEquals(List.of(w), s.advanceTo(100_010));
    }

    @Test
    void longestDelay_whileTheWheelLagsTheClock_isClampedToTheWheel() {
        // With a timer armed, the wheel's tick may lag the clock (the thread sleeps until its next
        // event); a delay at the 139-year limit then lies beyond the wheel and must be clamped.
        Stepped s = new Stepped("twm-clamp");
        DelayedWork near = item(), far = item();
        s.wheel.arm(near, 1000 * TICK);
        s.now = START + 500 * TICK;
        s.wheel.arm(far, Long.MAX_VALUE);
        assertEquals(2, s.wheel.armedCount());
        assertEquals(List.of(near), s.advanceTo(1000));
        assertTrue(s.wheel.cancel(far), "the clamped timer is armed and can be cancelled");
        assertEquals(Long.MAX_VALUE, s.wheel.nextEventTick());
    }

    @Test
    void longestDelay_clampedAtASlotBoundary_landsInTheLastSlotOfTheWheel() {
        // At a tick whose low 36 bits are zero, the clamped deadline (tick + 64^7 - 1) is in the
        // slot before the current one at the top level: the first cascade is 63 top slots away,
        // not at once.
        Stepped s = new Stepped("twm-clamp-slot");
        long t0 = 1L << 40;
        s.advanceTo(t0 - 1); // the wheel's next tick is t0
        DelayedWork near = item(), far = item();
        s.wheel.arm(near, 1000 * TICK);
        s.now = START + (t0 + 500) * TICK; // the wheel lags the clock
        s.wheel.arm(far, Long.MAX_VALUE);
        assertTrue(s.wheel.cancel(near));
        assertEquals(79L << 36, s.wheel.nextEventTick(), "the clamped timer's first cascade");
        assertTrue(s.wheel.cancel(far));
    }

    @Test
    void cancelThatSawArmedButGetsTheLockAfterExpiry_returnsFalse() throws Exception {
        // cancel reads ARMED without the lock, then waits for it while the expiry marks the timer
        // FIRING: it must re-check under the lock and leave the firing timer alone. The test holds
        // the wheel's lock (by reflection) to make that interleaving certain.
        Stepped s = new Stepped("twm-cancel-race");
        DelayedWork w = item(), other = item();
        s.wheel.arm(w, 10 * TICK);
        s.wheel.arm(other, 10 * TICK);
        Field f = TimerWheel.class.getDeclaredField("lock");
        f.setAccessible(true);
        ReentrantLock lock = (ReentrantLock) f.get(s.wheel);
        CompletableFuture<Boolean> cancelled;
        DelayedWork chain;
        lock.lock();
        try {
            cancelled = CompletableFuture.supplyAsync(() -> s.wheel.cancel(w));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_S);
            while (!lock.hasQueuedThreads()) {
                assertTrue(System.nanoTime() < deadline, "cancel never came to wait for the lock");
                Thread.onSpinWait();
            }
            s.now = START + 10 * TICK;
            chain = s.wheel.advance(s.wheel.nowTick());
            assertEquals(TimerWheel.FIRING, Node.timerStateVolatile(w));
        } finally {
            lock.unlock();
        }
        assertFalse(cancelled.get(WAIT_S, TimeUnit.SECONDS), "cancel of a timer that fired meanwhile");
        assertEquals(0, s.wheel.armedCount());
        s.wheel.fire(chain);
        assertEquals(2, s.fired.size(), "both timers fire: " + s.fired);
        assertTrue(s.fired.contains(w) && s.fired.contains(other));
    }

    // ------------------------------------------------------------------ move, rearm, close

    @Test
    void move_armedTimer_retargetsAndChangesItsTickInPlace() {
        Stepped s = new Stepped("twm-move");
        DelayedWork w = item(), other = item();
        assertFalse(s.wheel.move(w, 5 * TICK, "t", 1), "an idle timer is not moved");
        assertEquals(TimerWheel.IDLE, Node.timerStateVolatile(w));
        s.wheel.arm(w, 5000 * TICK);
        s.wheel.arm(other, 7 * TICK);
        Object target = new Object();
        assertTrue(s.wheel.move(w, 30 * TICK, target, 3));
        assertSame(target, Node.targetVolatile(w));
        assertEquals(3, Node.targetCpu(w));
        assertEquals(TimerWheel.ARMED, Node.timerStateVolatile(w));
        assertEquals(2, s.wheel.armedCount(), "a move neither adds nor removes a timer");
        assertEquals(30 * TICK, s.wheel.remainingNanos(w));
        assertEquals(List.of(other), s.advanceTo(29));
        assertEquals(List.of(w), s.advanceTo(30));
        // moving later works too, and the old slot is left empty
        s.wheel.arm(w, 10 * TICK);
        assertTrue(s.wheel.move(w, 300 * TICK, target, 0));
        assertTrue(s.advanceTo(200).isEmpty(), "moved later: not at the old tick");
        assertEquals(List.of(w), s.advanceTo(330));
        assertEquals(0, s.wheel.armedCount());
    }

    @Test
    void move_toTheTickItIsAlreadyArmedFor_retargetsAndLeavesItInPlace() {
        // A debounce re-arms within the same tick over and over: the wheel keeps the timer where
        // it is (mod_timer's early return) and only updates its target. What pins "in place":
        // timers due at one tick fire in the order they were linked, so a relinked A would now
        // fire after B.
        Stepped s = new Stepped("twm-move-same");
        DelayedWork a = item(), b = item();
        s.wheel.arm(a, 50 * TICK);
        s.wheel.arm(b, 50 * TICK);
        Object target = new Object();
        assertTrue(s.wheel.move(a, 50 * TICK, target, 2));
        assertSame(target, Node.targetVolatile(a), "the target changes even when the tick does not");
        assertEquals(2, Node.targetCpu(a));
        assertEquals(50 * TICK, s.wheel.remainingNanos(a));
        assertEquals(2, s.wheel.armedCount());
        assertTrue(s.advanceTo(49).isEmpty());
        assertEquals(List.of(a, b), s.advanceTo(50), "A was left in place ahead of B, not relinked");
        assertEquals(0, s.wheel.armedCount());
    }

    @Test
    void rearm_internalTimer_armsOrMovesAndIsIgnoredAfterClose() {
        Stepped s = new Stepped("twm-rearm");
        InternalTimer t = new InternalTimer(() -> {});
        s.wheel.rearm(t, 50 * TICK);
        assertEquals(1, s.wheel.armedCount());
        s.wheel.rearm(t, 20 * TICK);
        assertEquals(1, s.wheel.armedCount(), "re-arming an armed timer moves it");
        assertEquals(List.of(t), s.advanceTo(20));
        assertTrue(s.advanceTo(60).isEmpty(), "the first expiry was dropped");
        s.wheel.rearm(t, 10 * TICK);
        assertEquals(1, s.close().size());
        s.wheel.rearm(t, 10 * TICK);
        assertEquals(0, s.wheel.armedCount(), "a closed wheel arms nothing");
        assertEquals(TimerWheel.IDLE, Node.timerStateVolatile(t));
    }

    @Test
    void arm_afterClose_throwsForWorkAndIgnoresInternalTimers() {
        Stepped s = new Stepped("twm-closed");
        DelayedWork w = item(), x = item();
        s.wheel.arm(w, 1000 * TICK);
        List<DelayedWork> left = s.close();
        assertEquals(List.of(w), left, "close returns the armed timers");
        assertEquals(TimerWheel.IDLE, Node.timerStateVolatile(w), "... cancelled");
        assertEquals(0, s.wheel.armedCount());
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> s.wheel.arm(x, TICK));
        assertTrue(e.getMessage().contains("closed"), e.getMessage());
        assertEquals(TimerWheel.IDLE, Node.timerStateVolatile(x));
        s.wheel.arm(new InternalTimer(() -> {}), TICK); // silently ignored
        assertEquals(0, s.wheel.armedCount());
        assertFalse(s.wheel.move(w, TICK, "t", 0), "a closed wheel moves nothing");
    }

    @Test
    void close_stopsTheThread() throws Exception {
        Stepped s = new Stepped("twm-close-thread");
        s.wheel.arm(item(), 3_600_000 * TICK);
        Thread t = findThread(s.name);
        assertTrue(t.isDaemon(), "the timer thread must not keep the JVM alive");
        s.close();
        assertFalse(t.isAlive(), "close() returned before the timer thread ended");
    }

    @Test
    void close_waitsForTheThreadToEndItsRunningCallback() throws Exception {
        CountDownLatch inCallback = new CountDownLatch(1), release = new CountDownLatch(1);
        TimerWheel wheel = new TimerWheel(System::nanoTime, w -> {
            inCallback.countDown();
            try {
                release.await(WAIT_S, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "twm-close-callback");
        wheel.arm(item(), TICK);
        assertTrue(inCallback.await(WAIT_S, TimeUnit.SECONDS), "the timer did not fire");
        Thread t = findThread("twm-close-callback");
        CompletableFuture<List<DelayedWork>> closed = CompletableFuture.supplyAsync(wheel::close);
        try {
            closed.get(200, TimeUnit.MILLISECONDS); // absence cannot be latched: a bounded chance to return wrongly
            fail("close() returned while the timer thread was still in a callback");
        } catch (java.util.concurrent.TimeoutException expected) {
            // still waiting for the thread, as it should
        } finally {
            release.countDown();
        }
        assertTrue(closed.get(WAIT_S, TimeUnit.SECONDS).isEmpty());
        assertFalse(t.isAlive(), "close() returned before the timer thread ended");
    }

    // ------------------------------------------------------------------ a running callback

    @Test
    void awaitNotFiring_waitsForTheRunningCallbackOnly() throws Exception {
        CountDownLatch inCallback = new CountDownLatch(1), release = new CountDownLatch(1);
        AtomicReference<DelayedWork> held = new AtomicReference<>();
        long[] now = {START};
        String name = "twm-firing";
        TimerWheel wheel = new TimerWheel(() -> Thread.currentThread().getName().equals(name) ? START - TICK : now[0],
                w -> {
                    held.set(w);
                    inCallback.countDown();
                    try {
                        release.await(WAIT_S, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }, name);
        DelayedWork w = item();
        TimerWheel.awaitNotFiring(w); // idle: returns at once
        wheel.arm(w, 5 * TICK);
        TimerWheel.awaitNotFiring(w); // armed: returns at once
        now[0] = START + 5 * TICK;
        DelayedWork chain = wheel.advance(wheel.nowTick());
        assertSame(w, chain);
        Thread firer = new Thread(() -> wheel.fire(chain), "twm-firer");
        firer.start();
        assertTrue(inCallback.await(WAIT_S, TimeUnit.SECONDS));
        assertEquals(TimerWheel.FIRING, Node.timerStateVolatile(w));
        CountDownLatch returned = new CountDownLatch(1);
        Thread waiter = new Thread(() -> {
            TimerWheel.awaitNotFiring(w);
            returned.countDown();
        }, "twm-waiter");
        waiter.start();
        // Absence cannot be latched: give the waiter a bounded chance to return wrongly.
        assertFalse(returned.await(200, TimeUnit.MILLISECONDS), "awaitNotFiring returned while the callback runs");
        release.countDown();
        assertTrue(returned.await(WAIT_S, TimeUnit.SECONDS), "awaitNotFiring did not return after the callback");
        assertEquals(TimerWheel.IDLE, Node.timerStateVolatile(w));
        firer.join(TimeUnit.SECONDS.toMillis(WAIT_S));
        wheel.close();
    }

    // ------------------------------------------------------------------ the timer thread (real clock)

    private static TimerWheel realWheel(String name, CountDownLatch fired) {
        return new TimerWheel(System::nanoTime, w -> fired.countDown(), name);
    }

    @Test
    void earlierArm_wakesTheThreadParkedForAFarTimer() throws Exception {
        CountDownLatch fired = new CountDownLatch(1);
        TimerWheel wheel = realWheel("twm-real-arm", fired);
        try {
            wheel.arm(item(), TimeUnit.HOURS.toNanos(1)); // the thread now parks for an hour
            awaitParked(findThread("twm-real-arm"));
            DelayedWork gone = item(); // a cancel on the way must release the lock the thread needs
            wheel.arm(gone, TimeUnit.HOURS.toNanos(2));
            assertTrue(wheel.cancel(gone));
            DelayedWork soon = item();
            wheel.arm(soon, TimeUnit.MILLISECONDS.toNanos(20));
            assertTrue(fired.await(WAIT_S, TimeUnit.SECONDS),
                    "a 20 ms timer armed behind a 1 h one did not fire within " + WAIT_S + " s: the thread was not woken");
        } finally {
            wheel.close();
        }
    }

    @Test
    void armAfterTheWheelEmptied_wakesTheThreadParkedWithoutDeadline() throws Exception {
        CountDownLatch first = new CountDownLatch(1), second = new CountDownLatch(2);
        TimerWheel wheel = new TimerWheel(System::nanoTime, w -> {
            first.countDown();
            second.countDown();
        }, "twm-real-empty");
        try {
            wheel.arm(item(), TimeUnit.MILLISECONDS.toNanos(5));
            assertTrue(first.await(WAIT_S, TimeUnit.SECONDS), "the first timer did not fire");
            awaitParked(findThread("twm-real-empty"));
            assertEquals(0, wheel.armedCount());
            wheel.arm(item(), TimeUnit.MILLISECONDS.toNanos(5));
            assertTrue(second.await(WAIT_S, TimeUnit.SECONDS), "a timer armed on an empty wheel did not fire");
        } finally {
            wheel.close();
        }
    }

    @Test
    void moveEarlier_wakesTheThreadParkedForTheOldDeadline() throws Exception {
        CountDownLatch fired = new CountDownLatch(1);
        TimerWheel wheel = realWheel("twm-real-move", fired);
        try {
            DelayedWork w = item();
            wheel.arm(w, TimeUnit.HOURS.toNanos(1));
            awaitParked(findThread("twm-real-move"));
            assertTrue(wheel.move(w, TimeUnit.MILLISECONDS.toNanos(20), "t", 0));
            assertTrue(fired.await(WAIT_S, TimeUnit.SECONDS),
                    "a timer moved from 1 h to 20 ms did not fire within " + WAIT_S + " s: the thread was not woken");
        } finally {
            wheel.close();
        }
    }

    @Test
    void farTimer_costsTheThreadNoCpu() throws Exception {
        idleCpuCheck("twm-real-idle", false);
    }

    @Test
    void farTimer_afterAnInterrupt_stillCostsTheThreadNoCpu() throws Exception {
        // A pending interrupt makes every park return at once: the thread must clear it.
        idleCpuCheck("twm-real-interrupted", true);
    }

    private static void idleCpuCheck(String name, boolean interrupt) throws Exception {
        CountDownLatch fired = new CountDownLatch(1);
        TimerWheel wheel = realWheel(name, fired);
        try {
            wheel.arm(item(), TimeUnit.HOURS.toNanos(1));
            Thread t = findThread(name);
            awaitParked(t);
            if (interrupt) {
                t.interrupt();
            }
            assertThreadIdle(t, name + " with a timer armed for 1 h");
            assertEquals(1, fired.getCount(), "the 1 h timer fired");
        } finally {
            wheel.close();
        }
    }

    /**
     * Asserts that {@code t} burns (almost) no CPU over one second of wall time. A thread that
     * spins instead of parking gets its share of a core even on a loaded machine: far above the
     * 100 ms allowed here, while a parked thread uses next to nothing.
     */
    static void assertThreadIdle(Thread t, String what) throws InterruptedException {
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        long cpu0 = mx.getThreadCpuTime(t.threadId());
        long wall0 = System.nanoTime();
        Thread.sleep(1000); // the interval being measured, not a synchronisation
        long cpu = mx.getThreadCpuTime(t.threadId()) - cpu0;
        long wall = System.nanoTime() - wall0;
        assertTrue(cpu < TimeUnit.MILLISECONDS.toNanos(100),
                what + ": the thread used " + cpu / 1_000_000 + " ms of CPU in " + wall / 1_000_000 + " ms");
    }

    /** Waits until {@code t} is parked (WAITING or TIMED_WAITING), bounded. */
    static void awaitParked(Thread t) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_S);
        while (t.getState() != Thread.State.WAITING && t.getState() != Thread.State.TIMED_WAITING) {
            assertTrue(System.nanoTime() < deadline, "thread " + t.getName() + " never parked: " + t.getState());
            Thread.sleep(1);
        }
    }

    /** The live thread named {@code name}. */
    static Thread findThread(String name) {
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().equals(name) && t.isAlive()) {
                return t;
            }
        }
        throw new AssertionError("no live thread named " + name);
    }

    // ------------------------------------------------------------------ failures: reported, survived

    @Test
    void threadThatCannotStart_armThrowsAndTakesTheItemBack_aLaterArmStartsIt() throws Exception {
        String name = "twm-nostart";
        List<Throwable> errors = new java.util.concurrent.CopyOnWriteArrayList<>();
        List<DelayedWork> fired = new java.util.concurrent.CopyOnWriteArrayList<>();
        CountDownLatch firedOnce = new CountDownLatch(1);
        TimerWheel wheel = new TimerWheel(System::nanoTime, w -> {
            fired.add(w);
            firedOnce.countDown();
        }, name, errors::add);
        RuntimeException noThread = new IllegalStateException("injected: no thread");
        DelayedWork a = item(), b = item();
        Faults.hook = (site, subject) -> {
            if (site.equals("timer start") && subject == wheel) {
                throw noThread;
            }
        };
        try {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> wheel.arm(a, TICK));
            assertTrue(e.getMessage().contains(name) && e.getMessage().contains("cannot be started"), e.getMessage());
            assertEquals(List.of(noThread), errors, "the start failure is reported");
            assertEquals(0, wheel.armedCount(), "the item was taken back");
            assertEquals(TimerWheel.IDLE, Node.timerStateVolatile(a), "the item taken back is idle");
            assertEquals(Long.MAX_VALUE, wheel.nextEventTick(), "the item taken back is unlinked"); // no thread: nobody else looks
        } finally {
            Faults.hook = null;
        }
        try {
            wheel.arm(b, TICK); // starts the thread
            assertTrue(firedOnce.await(WAIT_S, TimeUnit.SECONDS), "B did not fire");
            assertEquals(List.of(b), fired, "only B fires; A was taken back");
        } finally {
            wheel.close();
        }
    }

    @Test
    void expiryThatThrows_isReported_andTheRestOfTheBatchFires() {
        String name = "twm-expiry-throws";
        long[] now = {START};
        List<Throwable> errors = new ArrayList<>();
        List<DelayedWork> fired = new ArrayList<>();
        DelayedWork a = item(), bad = item(), c = item();
        RuntimeException boom = new IllegalStateException("injected expiry failure");
        TimerWheel wheel = new TimerWheel(() -> Thread.currentThread().getName().equals(name) ? START - TICK : now[0], w -> {
            if (w == bad) {
                throw boom;
            }
            fired.add(w);
        }, name, errors::add);
        wheel.arm(a, 3 * TICK);
        wheel.arm(bad, 3 * TICK);
        wheel.arm(c, 3 * TICK);
        now[0] = START + 5 * TICK;
        wheel.fire(wheel.advance(wheel.nowTick()));
        assertEquals(List.of(a, c), fired, "the items around the failing one fire, in order");
        assertEquals(List.of(boom), errors, "the failure is reported");
        assertEquals(TimerWheel.IDLE, Node.timerStateVolatile(bad), "the failed item's timer is idle again");
        assertEquals(0, wheel.armedCount());
        wheel.close();
    }

    @Test
    void roundOfTheThreadThatThrows_isReported_andTheThreadGoesOnWithoutHoldingTheLock() throws Exception {
        String name = "twm-round-throws";
        List<Throwable> errors = new java.util.concurrent.CopyOnWriteArrayList<>();
        CountDownLatch firstFired = new CountDownLatch(1), secondFired = new CountDownLatch(1);
        DelayedWork a = item(), b = item();
        TimerWheel wheel = new TimerWheel(System::nanoTime, w -> (w == a ? firstFired : secondFired).countDown(),
                name, errors::add);
        RuntimeException boom = new IllegalStateException("injected round failure");
        java.util.concurrent.atomic.AtomicBoolean thrown = new java.util.concurrent.atomic.AtomicBoolean();
        Faults.hook = (site, subject) -> {
            if (site.equals("timer") && subject == wheel && thrown.compareAndSet(false, true)) {
                throw boom; // once: the round fails with the wheel's lock held
            }
        };
        boolean lockFree = false;
        try {
            wheel.arm(a, TICK); // starts the thread, whose first round throws
            assertTrue(firstFired.await(WAIT_S, TimeUnit.SECONDS), "the thread did not go on after its round threw");
            assertEquals(List.of(boom), errors, "the failure is reported");
            // The failed round's lock was given back: another thread can arm. Bounded at 5 s, so
            // that a lock left held fails here, within a mutation test's allowance, not by a hang.
            CompletableFuture.runAsync(() -> wheel.arm(b, TICK)).get(5, TimeUnit.SECONDS);
            lockFree = true;
            assertTrue(secondFired.await(WAIT_S, TimeUnit.SECONDS), "a later timer did not fire");
        } finally {
            Faults.hook = null;
            if (lockFree) {
                wheel.close(); // (with the lock left held, close would wait for ever: the daemon thread is left)
            }
        }
    }
}
