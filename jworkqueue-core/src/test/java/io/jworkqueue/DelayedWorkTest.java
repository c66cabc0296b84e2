package io.jworkqueue;

import static io.jworkqueue.TestSupport.*;
import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class DelayedWorkTest {

    /** A delayed item that counts its runs in {@code runs} and counts {@code ran} down on each. */
    private static final class Counting {
        final AtomicInteger runs = new AtomicInteger();
        final CountDownLatch ran = new CountDownLatch(1);
        final DelayedWork work = new DelayedWork(self -> {
            runs.incrementAndGet();
            ran.countDown();
        });
    }

    // ------------------------------------------------------------------ queueDelayed

    @Test
    void queueDelayed_pendingLongTimer_returnsFalseAndKeepsExistingTimer() throws Exception {
        try (WorkqueueRuntime rt = newRuntime()) {
            Workqueue wq = unbound(rt, "dw-keep-long", 0);
            Counting item = new Counting();
            DelayedWork w = item.work;
            assertTrue(wq.queueDelayed(w, Duration.ofHours(1)), "idle item: armed");
            assertTrue(w.isPending());
            assertTrue(w.isTimerArmed());
            assertFalse(wq.queueDelayed(w, Duration.ofMillis(10)), "already pending");
            long minutes = w.getDelay(TimeUnit.MINUTES);
            assertTrue(minutes >= 59 && minutes <= 60, "the 1 h timer is untouched, remaining " + minutes + " min");
            assertFalse(item.ran.await(200, TimeUnit.MILLISECONDS), "the 10 ms request must not have re-armed the timer");
            assertEquals(0, item.runs.get());
            assertTrue(w.isTimerArmed());
            assertTrue(w.cancel());
        }
    }

    @Test
    void queueDelayed_pendingShortTimer_longerRequestReturnsFalseAndRunsSoon() throws Exception {
        try (WorkqueueRuntime rt = newRuntime()) {
            Workqueue wq = unbound(rt, "dw-keep-short", 0);
            Counting item = new Counting();
            DelayedWork w = item.work;
            long t0 = System.nanoTime();
            assertTrue(wq.queueDelayed(w, Duration.ofMillis(100)));
            assertFalse(wq.queueDelayed(w, Duration.ofHours(1)));
            assertTrue(item.ran.await(WAIT_S, TimeUnit.SECONDS), "the 100 ms timer still fires");
            assertTrue(System.nanoTime() - t0 >= TimeUnit.MILLISECONDS.toNanos(100));
            w.flush(); // wait for the run to end; the return value is checked elsewhere
            assertEquals(1, item.runs.get());
            assertFalse(w.isPending());
            assertFalse(w.isTimerArmed());
            // reusable after it ran
            assertTrue(wq.queueDelayed(w, Duration.ofHours(1)), "an item that ran can be queued again");
            assertTrue(w.isTimerArmed());
            w.flush();
            assertEquals(2, item.runs.get());
        }
    }

    @Test
    void queueDelayed_zeroOrNegativeDelay_queuesAtOnceWithoutTimer() throws Exception {
        try (WorkqueueRuntime rt = newRuntime()) {
            Workqueue wq = unbound(rt, "dw-zero", 0);
            for (Duration d : List.of(Duration.ZERO, Duration.ofMillis(-5), Duration.ofDays(-1))) {
                CountDownLatch gate = new CountDownLatch(1);
                CountDownLatch ran = new CountDownLatch(1);
                DelayedWork w = new DelayedWork(self -> {
                    assertTrue(gate.await(WAIT_S, TimeUnit.SECONDS));
                    ran.countDown();
                });
                assertTrue(wq.queueDelayed(w, d), "delay " + d);
                assertFalse(w.isTimerArmed(), "delay " + d + " must not arm the timer");
                assertEquals(Long.MAX_VALUE, w.getDelay(TimeUnit.NANOSECONDS));
                gate.countDown();
                assertTrue(ran.await(WAIT_S, TimeUnit.SECONDS), "delay " + d + ": runs");
                w.flush();
            }
        }
    }

    @Test
    void queueDelayed_positiveDelay_runsNoEarlierThanDelay() throws Exception {
        try (WorkqueueRuntime rt = newRuntime()) {
            Workqueue wq = unbound(rt, "dw-early", 0);
            for (long ms : new long[] {1, 2, 7, 20, 50, 100}) {
                AtomicLong ranAt = new AtomicLong();
                CountDownLatch ran = new CountDownLatch(1);
                DelayedWork w = new DelayedWork(self -> {
                    ranAt.set(System.nanoTime());
                    ran.countDown();
                });
                long t0 = System.nanoTime();
                assertTrue(wq.queueDelayed(w, Duration.ofMillis(ms)));
                assertTrue(ran.await(WAIT_S, TimeUnit.SECONDS), ms + " ms item ran");
                long elapsed = ranAt.get() - t0;
                assertTrue(elapsed >= TimeUnit.MILLISECONDS.toNanos(ms),
                        "a " + ms + " ms item ran after only " + elapsed + " ns");
            }
        }
    }

    // ------------------------------------------------------------------ modDelayed

    @Test
    void modDelayed_idleItem_returnsFalseAndArms() throws Exception {
        try (WorkqueueRuntime rt = newRuntime()) {
            Workqueue wq = unbound(rt, "dw-mod-idle", 0);
            DelayedWork w = new DelayedWork(self -> {});
            assertFalse(wq.modDelayed(w, Duration.ofHours(1)), "idle item: false");
            assertTrue(w.isPending());
            assertTrue(w.isTimerArmed());
            long minutes = w.getDelay(TimeUnit.MINUTES);
            assertTrue(minutes >= 59 && minutes <= 60, "remaining " + minutes);
            assertTrue(w.cancel());
        }
    }

    @Test
    void modDelayed_armedItem_returnsTrueAndRearmsShorter() throws Exception {
        try (WorkqueueRuntime rt = newRuntime()) {
            Workqueue wq = unbound(rt, "dw-mod-shorter", 0);
            Counting item = new Counting();
            DelayedWork w = item.work;
            assertTrue(wq.queueDelayed(w, Duration.ofHours(1)));
            long t0 = System.nanoTime();
            assertTrue(wq.modDelayed(w, Duration.ofMillis(20)), "pending item: true");
            assertTrue(w.getDelay(TimeUnit.MILLISECONDS) <= 20, "re-armed with the new delay");
            assertTrue(item.ran.await(WAIT_S, TimeUnit.SECONDS), "runs after the new, shorter delay");
            assertTrue(System.nanoTime() - t0 >= TimeUnit.MILLISECONDS.toNanos(20));
            w.flush();
            assertEquals(1, item.runs.get());
        }
    }

    @Test
    void modDelayed_armedItem_returnsTrueAndRearmsLonger() throws Exception {
        try (WorkqueueRuntime rt = newRuntime()) {
            Workqueue wq = unbound(rt, "dw-mod-longer", 0);
            Counting item = new Counting();
            DelayedWork w = item.work;
            assertTrue(wq.queueDelayed(w, Duration.ofMillis(300)));
            assertTrue(wq.modDelayed(w, Duration.ofHours(1)));
            long minutes = w.getDelay(TimeUnit.MINUTES);
            assertTrue(minutes >= 59 && minutes <= 60, "remaining " + minutes);
            assertFalse(item.ran.await(500, TimeUnit.MILLISECONDS), "the old 300 ms timer is gone");
            assertEquals(0, item.runs.get());
            assertTrue(w.cancel());
        }
    }

    @Test
    void modDelayed_queuedItem_returnsTrueAndMovesItBackToTimer() throws Exception {
        try (WorkqueueRuntime rt = newRuntime()) {
            Workqueue ord = rt.allocOrdered("dw-mod-queued", Set.of());
            Blocker blocker = startBlocker(ord);
            AtomicInteger runs = new AtomicInteger();
            DelayedWork w = new DelayedWork(self -> runs.incrementAndGet());
            assertTrue(ord.queueDelayed(w, Duration.ZERO), "queued behind the blocker");
            assertTrue(w.isPending());
            assertFalse(w.isTimerArmed());
            assertTrue(ord.modDelayed(w, Duration.ofHours(1)), "a queued item is pending: true");
            assertTrue(w.isPending());
            assertTrue(w.isTimerArmed(), "taken off the queue and armed");
            blocker.release();
            ord.flush();
            assertEquals(0, runs.get(), "it was taken off the queue, so it did not run");
            assertTrue(w.isTimerArmed());
            assertTrue(w.cancel());
            assertEquals(0, runs.get());
        }
    }

    @Test
    void modDelayed_zeroDelay_queuesNow() throws Exception {
        try (WorkqueueRuntime rt = newRuntime()) {
            Workqueue wq = unbound(rt, "dw-mod-zero", 0);
            Counting idleItem = new Counting();
            DelayedWork idle = idleItem.work;
            assertFalse(wq.modDelayed(idle, Duration.ZERO), "idle: false");
            assertFalse(idle.isTimerArmed());
            assertTrue(idleItem.ran.await(WAIT_S, TimeUnit.SECONDS));

            Counting armedItem = new Counting();
            DelayedWork armed = armedItem.work;
            assertTrue(wq.queueDelayed(armed, Duration.ofHours(1)));
            assertTrue(wq.modDelayed(armed, Duration.ZERO), "armed: true");
            assertFalse(armed.isTimerArmed(), "the timer was stopped");
            assertTrue(armedItem.ran.await(WAIT_S, TimeUnit.SECONDS), "runs now instead of in an hour");
            armed.flush();
            assertEquals(1, armedItem.runs.get());
        }
    }

    @Test
    void modDelayed_repeatedEvents_debounceRunsOnceAfterLastCall() throws Exception {
        try (WorkqueueRuntime rt = newRuntime()) {
            Workqueue wq = unbound(rt, "dw-debounce", 0);
            AtomicInteger runs = new AtomicInteger();
            AtomicLong ranAt = new AtomicLong();
            CountDownLatch ran = new CountDownLatch(1);
            DelayedWork w = new DelayedWork(self -> {
                ranAt.set(System.nanoTime());
                runs.incrementAndGet();
                ran.countDown();
            });
            Duration delay = Duration.ofMillis(50);
            List<Boolean> returns = new ArrayList<>();
            long lastCall = 0;
            long maxGap = 0;
            for (int i = 0; i < 20; i++) {
                long t = System.nanoTime();
                if (i > 0) {
                    maxGap = Math.max(maxGap, t - lastCall);
                }
                lastCall = t;
                returns.add(wq.modDelayed(w, delay));
                Thread.sleep(2); // the event stream itself
            }
            // The premise of a debounce test is an event stream denser than the delay; a machine so
            // loaded that a 2 ms sleep took longer than the whole delay cannot check it.
            assumeTrue(maxGap < delay.toNanos(), "events were " + maxGap + " ns apart, more than the delay");
            assertFalse(returns.get(0), "the first event finds the item idle");
            assertTrue(ran.await(WAIT_S, TimeUnit.SECONDS));
            assertTrue(ranAt.get() - lastCall >= delay.toNanos(), "runs a full delay after the last event");
            assertFalse(w.isPending(), "no second timer left behind");
            assertFalse(w.isTimerArmed());
            w.flush();
            assertEquals(1, runs.get(), "debounced to exactly one run; returns were " + returns);
            // If any call had found the item idle again, it would have run before the end:
            assertEquals(1, returns.stream().filter(b -> !b).count(), "returns " + returns);
        }
    }

    // ------------------------------------------------------------------ cancel / flush / getDelay

    @Test
    void cancel_armedItem_returnsTrueAndNeverRuns() throws Exception {
        try (WorkqueueRuntime rt = newRuntime()) {
            Workqueue wq = unbound(rt, "dw-cancel", 0);
            Counting item = new Counting();
            DelayedWork w = item.work;
            assertTrue(wq.queueDelayed(w, Duration.ofMillis(200)));
            assertTrue(w.cancel());
            assertFalse(w.isPending());
            assertFalse(w.isTimerArmed());
            assertEquals(Long.MAX_VALUE, w.getDelay(TimeUnit.MILLISECONDS));
            assertFalse(w.cancel(), "second cancel: nothing pending");
            assertFalse(item.ran.await(400, TimeUnit.MILLISECONDS), "a cancelled timer never runs");
            assertEquals(0, item.runs.get());
            assertTrue(wq.queueDelayed(w, Duration.ofMillis(1)), "queueable again after cancel");
            assertTrue(item.ran.await(WAIT_S, TimeUnit.SECONDS));
        }
    }

    @Test
    void cancel_idleItem_returnsFalse() {
        try (WorkqueueRuntime rt = newRuntime()) {
            DelayedWork w = new DelayedWork(self -> {});
            assertFalse(w.cancel());
            assertFalse(w.cancelSync());
            assertFalse(w.isPending());
            assertNotNull(rt);
        }
    }

    @Test
    void cancelSync_armedItem_returnsTrueAndNeverRuns() throws Exception {
        try (WorkqueueRuntime rt = newRuntime()) {
            Workqueue wq = unbound(rt, "dw-cancel-sync", 0);
            Counting item = new Counting();
            DelayedWork w = item.work;
            assertTrue(wq.queueDelayed(w, Duration.ofMillis(200)));
            assertTrue(w.cancelSync());
            assertFalse(w.isPending());
            assertFalse(w.isTimerArmed());
            assertEquals(0, w.disableDepth(), "cancelSync re-enables");
            assertFalse(item.ran.await(400, TimeUnit.MILLISECONDS), "a cancelled timer never runs");
            assertEquals(0, item.runs.get());
            assertFalse(w.cancelSync());
        }
    }

    @Test
    void flush_armedItem_firesAtOnceAndWaitsForRun() throws Exception {
        try (WorkqueueRuntime rt = newRuntime()) {
            Workqueue wq = unbound(rt, "dw-flush", 0);
            AtomicInteger runs = new AtomicInteger();
            DelayedWork w = new DelayedWork(self -> {
                Thread.sleep(20); // flush must wait for the whole run
                runs.incrementAndGet();
            });
            assertTrue(wq.queueDelayed(w, Duration.ofHours(1)));
            long t0 = System.nanoTime();
            assertTrue(w.flush(), "it had to wait");
            long took = System.nanoTime() - t0;
            assertEquals(1, runs.get(), "the run finished before flush returned");
            assertTrue(took < TimeUnit.SECONDS.toNanos(WAIT_S), "fired at once, not after an hour");
            assertFalse(w.isPending());
            assertFalse(w.isTimerArmed());
            assertFalse(w.flush(), "idle now");
        }
    }

    /**
     * flush() of an armed item is flush_delayed_work: the item was pending when flush was called, so
     * flush must report that it waited (true), even when the item is so short that it has already
     * finished by the time flush looks for it on the worker.
     */
    @Test
    void flush_armedShortItem_returnsTrueEveryTime() throws Exception {
        try (WorkqueueRuntime rt = newRuntime()) {
            Workqueue wq = unbound(rt, "dw-flush-short", 0);
            AtomicInteger runs = new AtomicInteger();
            DelayedWork w = new DelayedWork(self -> runs.incrementAndGet());
            int falses = 0;
            final int rounds = 300;
            for (int i = 0; i < rounds; i++) {
                assertTrue(wq.queueDelayed(w, Duration.ofHours(1)));
                if (!w.flush()) {
                    falses++;
                }
                assertEquals(i + 1, runs.get(), "flush waited for run " + (i + 1));
                assertFalse(w.isPending());
            }
            assertEquals(0, falses, falses + " of " + rounds + " flush() calls on an armed item returned false");
        }
    }

    @Test
    void flush_idleItem_returnsFalse() {
        try (WorkqueueRuntime rt = newRuntime()) {
            DelayedWork w = new DelayedWork(self -> fail("must not run"));
            assertFalse(w.flush());
            assertFalse(w.isPending());
            assertNotNull(rt.system());
        }
    }

    @Test
    void getDelay_notArmed_returnsMaxValue() throws Exception {
        try (WorkqueueRuntime rt = newRuntime()) {
            Workqueue wq = unbound(rt, "dw-getdelay", 0);
            DelayedWork w = new DelayedWork(self -> {});
            assertEquals(Long.MAX_VALUE, w.getDelay(TimeUnit.NANOSECONDS), "never armed");
            assertTrue(wq.queueDelayed(w, Duration.ofSeconds(10)));
            long s = w.getDelay(TimeUnit.SECONDS);
            assertTrue(s >= 9 && s <= 10, "armed: " + s);
            assertTrue(w.flush());
            assertEquals(Long.MAX_VALUE, w.getDelay(TimeUnit.NANOSECONDS), "after it ran");
            assertTrue(wq.queueDelayed(w, Duration.ofSeconds(10)));
            assertTrue(w.cancel());
            assertEquals(Long.MAX_VALUE, w.getDelay(TimeUnit.SECONDS), "after cancel");
        }
    }

    // ------------------------------------------------------------------ targets

    @Test
    void queueDelayedOn_cpu_runsOnThatCpusBoundWorker() throws Exception {
        try (WorkqueueRuntime rt = newRuntime()) {
            Workqueue bound = rt.alloc("dw-on", Set.of(), 0);
            for (int cpu = 0; cpu < rt.cpus(); cpu++) {
                for (long ms : new long[] {0, 10}) {
                    AtomicReference<String> thread = new AtomicReference<>();
                    CountDownLatch ran = new CountDownLatch(1);
                    DelayedWork w = new DelayedWork(self -> {
                        thread.set(Thread.currentThread().getName());
                        ran.countDown();
                    });
                    assertTrue(bound.queueDelayedOn(cpu, w, Duration.ofMillis(ms)));
                    assertTrue(ran.await(WAIT_S, TimeUnit.SECONDS));
                    assertTrue(thread.get().startsWith("kworker/" + cpu + ":"),
                            "cpu " + cpu + ", delay " + ms + " ms ran on " + thread.get());
                    assertFalse(thread.get().endsWith("H"), "normal, not highpri pool: " + thread.get());
                }
            }
        }
    }

    @Test
    void scheduleDelayed_systemWorkqueue_runsOnSystemWq() throws Exception {
        try (WorkqueueRuntime rt = newRuntime()) {
            AtomicReference<Work> current = new AtomicReference<>();
            AtomicReference<String> thread = new AtomicReference<>();
            CountDownLatch ran = new CountDownLatch(1);
            DelayedWork w = new DelayedWork(self -> {
                current.set(Work.current());
                thread.set(Thread.currentThread().getName());
                ran.countDown();
            });
            long t0 = System.nanoTime();
            assertTrue(rt.scheduleDelayed(w, Duration.ofMillis(100)));
            assertTrue(w.isTimerArmed());
            assertFalse(rt.scheduleDelayed(w, Duration.ofMillis(100)), "already pending");
            assertTrue(ran.await(WAIT_S, TimeUnit.SECONDS));
            assertTrue(System.nanoTime() - t0 >= TimeUnit.MILLISECONDS.toNanos(100));
            assertSame(w, current.get());
            assertTrue(thread.get().startsWith("kworker/") && !thread.get().startsWith("kworker/u"),
                    "system wq is per-CPU: " + thread.get());
            rt.flushScheduled();
            assertTrue(rt.system().stats().completed() >= 1, "counted on events: " + rt.system().stats());

            CountDownLatch ran1 = new CountDownLatch(1);
            AtomicReference<String> t1 = new AtomicReference<>();
            DelayedWork on1 = new DelayedWork(self -> {
                t1.set(Thread.currentThread().getName());
                ran1.countDown();
            });
            assertTrue(rt.scheduleDelayedOn(1, on1, Duration.ofMillis(5)));
            assertTrue(ran1.await(WAIT_S, TimeUnit.SECONDS));
            assertTrue(t1.get().startsWith("kworker/1:"), t1.get());
        }
    }

    @Test
    void manyTimers_randomDelays_allFireNoEarlierThanDeadline() throws Exception {
        final int n = 10_000;
        long seed = 0xDE1A7EDL;
        System.out.println("DelayedWorkTest.manyTimers seed=" + seed);
        Random rnd = new Random(seed);
        try (WorkqueueRuntime rt = newRuntime()) {
            Workqueue wq = unbound(rt, "dw-many", 0);
            CountDownLatch all = new CountDownLatch(n);
            AtomicInteger runs = new AtomicInteger();
            ConcurrentLinkedQueue<String> early = new ConcurrentLinkedQueue<>();
            long[] armedAt = new long[n];
            long[] delay = new long[n];
            DelayedWork[] ws = new DelayedWork[n];
            for (int i = 0; i < n; i++) {
                int k = i;
                delay[i] = TimeUnit.MILLISECONDS.toNanos(rnd.nextInt(201));
                ws[i] = new DelayedWork(self -> {
                    long late = System.nanoTime() - armedAt[k];
                    if (late < delay[k]) {
                        early.add("#" + k + " delay " + delay[k] + " ns ran after " + late + " ns");
                    }
                    runs.incrementAndGet();
                    all.countDown();
                });
            }
            for (int i = 0; i < n; i++) {
                armedAt[i] = System.nanoTime(); // written before the queue call: visible to the run
                assertTrue(wq.queueDelayed(ws[i], Duration.ofNanos(delay[i])));
            }
            assertTrue(all.await(30, TimeUnit.SECONDS), "only " + runs.get() + " of " + n + " fired");
            wq.flush();
            assertEquals(n, runs.get(), "each timer fired exactly once");
            assertTrue(early.isEmpty(), early.size() + " ran early, e.g. " + early.peek());
            for (DelayedWork w : ws) {
                assertFalse(w.isPending());
            }
        }
    }

    // ------------------------------------------------------------------ destroy

    @Test
    void destroy_armedItem_cancelsTimerAndItNeverRuns() throws Exception {
        try (WorkqueueRuntime rt = newRuntime()) {
            Workqueue wq = unbound(rt, "dw-destroy", 0);
            Counting armedItem = new Counting();
            DelayedWork armed = armedItem.work;
            AtomicInteger queuedRuns = new AtomicInteger();
            DelayedWork queued = new DelayedWork(self -> queuedRuns.incrementAndGet());
            assertTrue(wq.queueDelayed(armed, Duration.ofMillis(300)));
            assertTrue(wq.queueDelayed(queued, Duration.ZERO));
            wq.destroy();
            assertTrue(wq.isDestroyed());
            assertEquals(1, queuedRuns.get(), "queued work runs to completion before destroy returns");
            assertFalse(armed.isPending(), "the armed item is no longer pending");
            assertFalse(armed.isTimerArmed());
            assertEquals(Long.MAX_VALUE, armed.getDelay(TimeUnit.NANOSECONDS));
            assertFalse(armedItem.ran.await(500, TimeUnit.MILLISECONDS), "its timer was cancelled");
            assertEquals(0, armedItem.runs.get());
            assertThrows(IllegalStateException.class, () -> wq.queueDelayed(armed, Duration.ofMillis(1)));
            assertFalse(armed.isPending(), "a refused queue call leaves it not pending");
            // the item itself is reusable elsewhere
            assertTrue(rt.scheduleDelayed(armed, Duration.ofMillis(1)));
            assertTrue(armedItem.ran.await(WAIT_S, TimeUnit.SECONDS));
        }
    }
}
