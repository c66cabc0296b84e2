package io.jworkqueue.internal;

import static org.junit.jupiter.api.Assertions.*;

import io.jworkqueue.DelayedWork;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.function.LongSupplier;
import org.junit.jupiter.api.Test;

/**
 * Drives {@link TimerWheel} with a manual clock, calling {@code advance} and {@code fire} directly.
 *
 * <p>Testability note: {@code arm()} starts the wheel's own thread on first use, and that thread
 * would call {@code advance(nowTick())} on its own whenever it wakes. To keep it inert, the manual
 * clock answers the wheel thread (recognised by its name) with a time one tick <em>before</em> the
 * wheel's base, so its {@code advance} never processes anything and it just parks. The test thread
 * calls {@code advance}/{@code nextEventTick} without the wheel lock (the lock is private); the
 * wheel thread only reads wheel state, so this does not disturb the results.
 */
class TimerWheelTest {
    private static final long TICK = 1_000_000L;
    private static final long START = 7_777_123_456_789L; // arbitrary, non-zero, not tick-aligned
    private static final String THREAD = "timer-wheel-test";

    /** A wheel, a manual clock, and a record of what fired at which tick. */
    private static final class Harness {
        volatile long now = START;
        final LongSupplier clock = () -> Thread.currentThread().getName().equals(THREAD) ? START - TICK : now;
        final Map<DelayedWork, Long> firedAt = new IdentityHashMap<>();
        final Map<DelayedWork, Long> firedClock = new IdentityHashMap<>();
        final List<String> errors = new ArrayList<>();
        long lastProcessed = -1;
        final TimerWheel wheel = new TimerWheel(clock, this::expired, THREAD);

        private void expired(DelayedWork w) {
            if (!Thread.currentThread().getName().equals(THREAD) && Node.timerStateVolatile(w) != TimerWheel.FIRING) {
                errors.add("expiry callback saw state " + Node.timerStateVolatile(w) + " for " + w);
            }
            if (Thread.currentThread().getName().equals(THREAD)) {
                errors.add("the wheel's own thread fired " + w);
            }
            Long prev = firedAt.put(w, wheel.nowTick());
            if (prev != null) {
                errors.add(w + " fired twice (ticks " + prev + " and " + wheel.nowTick() + ")");
            }
            firedClock.put(w, now);
            if (onExpiry != null) {
                onExpiry.accept(w);
            }
        }

        /** Runs inside the expiry callback, after it was recorded. */
        java.util.function.Consumer<DelayedWork> onExpiry;

        long tick() {
            return (now - START) / TICK;
        }

        /** Moves the clock to {@code nanos} after START and processes every tick up to it. */
        List<DelayedWork> advanceToNanos(long nanos) {
            assertTrue(nanos >= now - START, "the manual clock never goes back");
            now = START + nanos;
            long t = wheel.nowTick();
            assertEquals(tick(), t);
            DelayedWork chain = wheel.advance(t);
            List<DelayedWork> out = new ArrayList<>();
            for (DelayedWork w = chain; w != null; w = Node.timerNext(w)) {
                assertEquals(TimerWheel.FIRING, Node.timerStateVolatile(w), "chained timers are FIRING");
                out.add(w);
            }
            wheel.fire(chain);
            for (DelayedWork w : out) {
                assertEquals(TimerWheel.IDLE, Node.timerStateVolatile(w), "fired timers are IDLE after fire()");
            }
            lastProcessed = t;
            assertTrue(errors.isEmpty(), errors::toString);
            return out;
        }

        List<DelayedWork> advanceToTick(long tick) {
            long sub = (now - START) % TICK;
            return advanceToNanos(Math.max(now - START, tick * TICK + sub));
        }

        /** The tick a timer armed now with this delay must fire in. */
        long expectedTick(long delayNanos) {
            long deadline = Math.ceilDiv(now - START + delayNanos, TICK);
            return Math.max(deadline, lastProcessed + 1);
        }
    }

    private static DelayedWork item() {
        return new DelayedWork(self -> {});
    }

    /**
     * Timers that expire in one pass fire in expiry order: earlier ticks first, and within a tick
     * in the order they were armed. A caller that sees a later timer fire may rely on an earlier
     * one having been handed over already (ContainmentTest relies on it).
     */
    @Test
    void advance_severalTicksInOnePass_fireInExpiryOrder() {
        Harness h = new Harness();
        DelayedWork late = item(), early = item(), earlySecond = item(), middle = item(), far = item();
        h.wheel.arm(late, 40 * TICK);
        h.wheel.arm(early, 3 * TICK);
        h.wheel.arm(earlySecond, 3 * TICK);
        h.wheel.arm(middle, 10 * TICK);
        h.wheel.arm(far, 100 * TICK); // cascades from level 1 on the way
        assertEquals(List.of(early, earlySecond, middle, late, far), h.advanceToTick(200));
    }

    @Test
    void nextEventTick_emptyWheel_isMaxValue() {
        Harness h = new Harness();
        assertEquals(Long.MAX_VALUE, h.wheel.nextEventTick());
        DelayedWork w = item();
        h.wheel.arm(w, 5 * TICK);
        assertNotEquals(Long.MAX_VALUE, h.wheel.nextEventTick());
        assertTrue(h.wheel.cancel(w));
        assertEquals(Long.MAX_VALUE, h.wheel.nextEventTick());
        assertEquals(0, h.wheel.armedCount());
        assertTrue(h.advanceToTick(1000).isEmpty());
        assertEquals(Long.MAX_VALUE, h.wheel.nextEventTick());
    }

    @Test
    void advance_levelBoundaryDelays_fireExactlyAtDeadlineTick() {
        long[] delaysMs = {0, 1, 2, 63, 64, 65, 127, 128, 4095, 4096, 4097, 262143, 262144, 262145,
            16_777_215, 16_777_216, 16_777_217, 18_000_000};
        long[] phases = {0, 1, 37, 63, 64, 4095, 4096, 262_143, 5_000_001};
        for (long phase : phases) {
            for (long d : delaysMs) {
                Harness h = new Harness();
                h.advanceToTick(phase);
                DelayedWork w = item();
                long expected = h.expectedTick(d * TICK);
                long armClock = h.now;
                h.wheel.arm(w, d * TICK);
                assertEquals(TimerWheel.ARMED, Node.timerStateVolatile(w));
                // Step exactly from event to event: never skip the deadline, never fire early.
                int steps = 0;
                while (!h.firedAt.containsKey(w)) {
                    long e = h.wheel.nextEventTick();
                    assertTrue(e <= expected, "phase " + phase + " delay " + d + ": next event " + e
                            + " is past the deadline " + expected);
                    if (e > h.lastProcessed + 1) {
                        // Nothing may fire in the gap before the next event.
                        assertTrue(h.advanceToTick(e - 1).isEmpty(), "fired before the next event tick");
                    }
                    h.advanceToTick(e);
                    assertTrue(++steps <= 2 * TimerWheel.LEVELS + 2, "too many wake-ups: " + steps);
                }
                assertEquals(expected, h.firedAt.get(w), "phase " + phase + " delay " + d + " ms");
                assertTrue(h.firedClock.get(w) - armClock >= d * TICK, "fired before its delay elapsed");
                assertEquals(0, h.wheel.armedCount());
                assertEquals(Long.MAX_VALUE, h.wheel.nextEventTick());
            }
        }
    }

    @Test
    void advance_boundaryDelaysTogetherWithLargeJumps_noneEarlyNoneLate() {
        long[] delaysMs = {0, 1, 63, 64, 65, 4095, 4096, 262143, 262144, 16_777_216};
        Harness h = new Harness();
        h.advanceToNanos(123_456); // sub-tick offset: deadlines round up
        Map<DelayedWork, Long> expected = new IdentityHashMap<>();
        for (long d : delaysMs) {
            DelayedWork w = item();
            expected.put(w, h.expectedTick(d * TICK));
            h.wheel.arm(w, d * TICK);
        }
        assertEquals(delaysMs.length, h.wheel.armedCount());
        // Jump to one tick before each deadline, then onto it.
        for (long d : delaysMs) {
            long due = expected.values().stream().filter(t -> t >= h.lastProcessed + 1).min(Long::compare).orElseThrow();
            if (due - 1 > h.lastProcessed) {
                for (DelayedWork w : h.advanceToTick(due - 1)) {
                    fail("fired early at " + h.lastProcessed + ", due " + expected.get(w));
                }
            }
            List<DelayedWork> fired = h.advanceToTick(due);
            assertFalse(fired.isEmpty(), "nothing fired at due tick " + due + " (delay " + d + ")");
            for (DelayedWork w : fired) {
                assertEquals(expected.get(w), due);
            }
        }
        assertEquals(expected.size(), h.firedAt.size());
    }

    @Test
    void cancel_armedTimer_trueOnceThenFalseAndNeverFires() {
        Harness h = new Harness();
        DelayedWork[] ws = new DelayedWork[6];
        long[] delays = {1, 64, 4096, 262144, 3, 10_000_000};
        for (int i = 0; i < ws.length; i++) {
            ws[i] = item();
            h.wheel.arm(ws[i], delays[i] * TICK);
        }
        assertTrue(h.wheel.cancel(ws[0]));
        assertFalse(h.wheel.cancel(ws[0]));
        assertTrue(h.wheel.cancel(ws[3]));
        assertFalse(h.wheel.cancel(ws[3]));
        assertEquals(TimerWheel.IDLE, Node.timerStateVolatile(ws[0]));
        assertEquals(4, h.wheel.armedCount());
        h.advanceToTick(20_000_000);
        assertFalse(h.firedAt.containsKey(ws[0]));
        assertFalse(h.firedAt.containsKey(ws[3]));
        assertEquals(4, h.firedAt.size());
        for (DelayedWork w : ws) {
            assertFalse(h.wheel.cancel(w), "cancel of an IDLE timer");
        }
    }

    @Test
    void cancel_firingTimer_returnsFalseAndArmDuringFiringWins() {
        Harness h = new Harness();
        DelayedWork w = item();
        h.wheel.arm(w, 10 * TICK);
        h.now = START + 10 * TICK;
        DelayedWork chain = h.wheel.advance(h.wheel.nowTick());
        assertSame(w, chain);
        assertNull(Node.timerNext(w));
        assertEquals(TimerWheel.FIRING, Node.timerStateVolatile(w));
        assertFalse(h.wheel.cancel(w), "cancel of a FIRING timer");
        assertEquals(Long.MAX_VALUE, h.wheel.remainingNanos(w));
        assertEquals(0, h.wheel.armedCount());
        // The callback queues the item, it runs and is re-armed before fire() resets FIRING -> IDLE:
        // the re-arm must win (the CAS from FIRING fails).
        h.onExpiry = x -> h.wheel.arm(x, 5 * TICK);
        h.wheel.fire(chain);
        h.onExpiry = null;
        assertEquals(TimerWheel.ARMED, Node.timerStateVolatile(w));
        assertEquals(1, h.wheel.armedCount());
        h.firedAt.clear();
        assertTrue(h.advanceToTick(14).isEmpty());
        assertEquals(List.of(w), h.advanceToTick(15));
        assertFalse(h.wheel.cancel(w));
    }

    @Test
    void cancelAll_filter_returnsExactlyMatchingTimers() {
        Harness h = new Harness();
        Random rnd = new Random(42);
        List<DelayedWork> all = new ArrayList<>();
        Set<DelayedWork> odd = Collections.newSetFromMap(new IdentityHashMap<>());
        for (int i = 0; i < 300; i++) {
            DelayedWork w = item();
            all.add(w);
            if (i % 2 == 1) {
                odd.add(w);
            }
            long d = switch (i % 4) {
                case 0 -> 1 + rnd.nextInt(63);
                case 1 -> 64 + rnd.nextInt(4000);
                case 2 -> 4096 + rnd.nextInt(250_000);
                default -> 262_144 + rnd.nextInt(20_000_000);
            };
            h.wheel.arm(w, d * TICK);
        }
        // a few idle items that match the filter must not be returned
        DelayedWork idle = item();
        odd.add(idle);
        List<DelayedWork> got = h.wheel.cancelAll(odd::contains);
        Set<DelayedWork> gotSet = Collections.newSetFromMap(new IdentityHashMap<>());
        gotSet.addAll(got);
        assertEquals(got.size(), gotSet.size(), "no duplicates");
        odd.remove(idle);
        assertEquals(odd, gotSet);
        for (DelayedWork w : got) {
            assertEquals(TimerWheel.IDLE, Node.timerStateVolatile(w));
            assertFalse(h.wheel.cancel(w));
        }
        assertEquals(150, h.wheel.armedCount());
        h.advanceToTick(30_000_000);
        assertEquals(150, h.firedAt.size());
        for (DelayedWork w : h.firedAt.keySet()) {
            assertFalse(odd.contains(w), "a cancelled timer fired");
        }
        assertTrue(h.wheel.cancelAll(w -> true).isEmpty());
    }

    @Test
    void remainingNanos_armedAndIdle_reportsTimeUntilDeadline() {
        Harness h = new Harness();
        DelayedWork w = item();
        assertEquals(Long.MAX_VALUE, h.wheel.remainingNanos(w));
        h.advanceToNanos(300_000); // 0.3 ms past the base
        h.wheel.arm(w, 1500 * TICK);
        long r = h.wheel.remainingNanos(w);
        assertTrue(r >= 1500 * TICK && r < 1501 * TICK, "remaining " + r);
        assertEquals(1_500_700_000L, r); // deadline rounds up to tick 1501
        h.advanceToNanos(1_000_300_000);
        assertEquals(500_700_000L, h.wheel.remainingNanos(w));
        h.advanceToNanos(1_500_000_000);
        assertEquals(1_000_000L, h.wheel.remainingNanos(w));
        assertFalse(h.firedAt.containsKey(w));
        h.advanceToNanos(1_501_000_000);
        assertTrue(h.firedAt.containsKey(w));
        assertEquals(Long.MAX_VALUE, h.wheel.remainingNanos(w));
    }

    /** A random walk of arm / cancel / advance checked against a list of deadlines. */
    @Test
    void randomOperations_matchReferenceModel() {
        long seed = Long.getLong("timerwheel.seed", 0x5EED_7117L);
        System.out.println("TimerWheelTest.randomOperations_matchReferenceModel seed=" + seed
                + " (rerun with -Dtimerwheel.seed=" + seed + ")");
        for (int round = 0; round < 4; round++) {
            runModel(seed + round);
        }
    }

    private record Armed(long expectedTick, long armClock, long delayNanos, long deadlineTick) {}

    private static void runModel(long seed) {
        Random rnd = new Random(seed);
        Harness h = new Harness();
        DelayedWork[] pool = new DelayedWork[400];
        for (int i = 0; i < pool.length; i++) {
            pool[i] = item();
        }
        Map<DelayedWork, Armed> model = new IdentityHashMap<>();
        String ctx = "seed " + seed;
        int fires = 0;
        for (int op = 0; op < 6000; op++) {
            int kind = rnd.nextInt(100);
            if (kind < 45) {
                DelayedWork w = pool[rnd.nextInt(pool.length)];
                if (model.containsKey(w)) {
                    continue; // the caller of arm() owns PENDING: never arm an armed timer
                }
                long delay = randomDelayNanos(rnd);
                long expected = h.expectedTick(delay);
                long deadline = Math.ceilDiv(h.now - START + delay, TICK);
                model.put(w, new Armed(expected, h.now, delay, deadline));
                h.firedAt.remove(w);
                h.wheel.arm(w, delay);
            } else if (kind < 60) {
                DelayedWork w = pool[rnd.nextInt(pool.length)];
                boolean was = model.remove(w) != null;
                assertEquals(was, h.wheel.cancel(w), ctx + " op " + op + ": cancel");
                assertFalse(h.wheel.cancel(w), ctx + " op " + op + ": second cancel");
            } else {
                long cur = h.now - START;
                long target = switch (rnd.nextInt(9)) {
                    case 0 -> cur; // same tick again
                    case 1 -> cur + rnd.nextLong(TICK); // sub-tick
                    case 2 -> cur + TICK;
                    case 3 -> cur + rnd.nextLong(64 * TICK);
                    case 4 -> cur + rnd.nextLong(5000 * TICK);
                    case 5 -> cur + rnd.nextLong(300_000 * TICK);
                    case 6 -> cur + rnd.nextLong(20_000_000 * TICK);
                    case 7 -> { // exactly onto the earliest expected tick, or just before it
                        long min = model.values().stream().mapToLong(Armed::expectedTick).min().orElse(h.lastProcessed + 1);
                        long t = rnd.nextBoolean() ? min : min - 1;
                        yield Math.max(cur, t * TICK + rnd.nextLong(TICK));
                    }
                    default -> { // onto the wheel's own next event
                        long e = h.wheel.nextEventTick();
                        yield e == Long.MAX_VALUE ? cur + TICK : Math.max(cur, e * TICK);
                    }
                };
                long prev = h.lastProcessed;
                List<DelayedWork> fired = h.advanceToNanos(target);
                long nowTick = h.lastProcessed;
                Set<DelayedWork> firedSet = Collections.newSetFromMap(new IdentityHashMap<>());
                firedSet.addAll(fired);
                assertEquals(fired.size(), firedSet.size(), ctx + ": a timer is twice in one chain");
                for (DelayedWork w : fired) {
                    Armed a = model.remove(w);
                    assertNotNull(a, ctx + " op " + op + ": a timer that is not armed fired");
                    assertTrue(a.expectedTick() > prev && a.expectedTick() <= nowTick,
                            ctx + " op " + op + ": expected at " + a.expectedTick() + ", fired in (" + prev + ", " + nowTick + "]");
                    assertTrue(h.now - a.armClock() >= a.delayNanos(), ctx + " op " + op + ": fired early");
                    fires++;
                }
                for (Map.Entry<DelayedWork, Armed> e : model.entrySet()) {
                    assertTrue(e.getValue().expectedTick() > nowTick, ctx + " op " + op
                            + ": timer due at " + e.getValue().expectedTick() + " did not fire by " + nowTick);
                }
            }
            // invariants after every operation
            assertEquals(model.size(), h.wheel.armedCount(), ctx + " op " + op + ": armedCount");
            long minExpected = model.values().stream().mapToLong(Armed::expectedTick).min().orElse(Long.MAX_VALUE);
            long next = h.wheel.nextEventTick();
            if (model.isEmpty()) {
                assertEquals(Long.MAX_VALUE, next, ctx + " op " + op + ": empty wheel has an event");
            } else {
                assertTrue(next <= minExpected, ctx + " op " + op + ": next event " + next + " after deadline " + minExpected);
                assertTrue(next > h.lastProcessed, ctx + " op " + op + ": next event in the past");
            }
            if (!model.isEmpty() && rnd.nextInt(10) == 0) {
                Map.Entry<DelayedWork, Armed> e = model.entrySet().iterator().next();
                long rem = h.wheel.remainingNanos(e.getKey());
                assertEquals(START + e.getValue().deadlineTick() * TICK - h.now, rem, ctx + ": remainingNanos");
                assertTrue(rem >= e.getValue().delayNanos() - (h.now - e.getValue().armClock()), ctx + ": remaining too small");
            }
        }
        // drain: everything left fires, each at or after its deadline
        long far = model.values().stream().mapToLong(Armed::expectedTick).max().orElse(h.lastProcessed);
        if (far > h.lastProcessed) {
            for (DelayedWork w : h.advanceToTick(far)) {
                Armed a = model.remove(w);
                assertNotNull(a, ctx);
                assertTrue(h.now - a.armClock() >= a.delayNanos(), ctx + ": fired early");
                fires++;
            }
        }
        assertTrue(model.isEmpty(), ctx + ": left armed " + model.size());
        assertEquals(0, h.wheel.armedCount());
        assertTrue(fires > 500, ctx + ": the walk fired only " + fires);
    }

    private static long randomDelayNanos(Random rnd) {
        long[] edges = {1, 63, 64, 65, 4095, 4096, 4097, 262_143, 262_144, 262_145, 16_777_215, 16_777_216};
        return switch (rnd.nextInt(8)) {
            case 0 -> 0;
            case 1 -> edges[rnd.nextInt(edges.length)] * TICK;
            case 2 -> 1 + rnd.nextLong(TICK); // sub-tick
            case 3 -> rnd.nextLong(64 * TICK);
            case 4 -> rnd.nextLong(5000 * TICK);
            case 5 -> rnd.nextLong(300_000 * TICK);
            case 6 -> rnd.nextLong(5L * 3600 * 1000 * TICK); // up to five hours
            default -> (1 + rnd.nextLong(100)) * TICK;
        };
    }

    @Test
    void wheelThread_manualClock_staysInert() throws Exception {
        // The thread started by arm() must not fire anything on its own under the manual clock.
        Harness h = new Harness();
        DelayedWork w = item();
        h.wheel.arm(w, 1); // due at tick 1
        h.now = START + 50 * TICK; // the clock says it is due, but only the test advances
        Thread.sleep(30);
        assertTrue(h.firedAt.isEmpty(), "the wheel thread fired on its own");
        assertEquals(TimerWheel.ARMED, Node.timerStateVolatile(w));
        assertEquals(List.of(w), h.advanceToNanos(50 * TICK));
    }
}
