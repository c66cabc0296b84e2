package io.jworkqueue;

import static io.jworkqueue.TestSupport.WAIT_S;
import static io.jworkqueue.TestSupport.await;
import static org.junit.jupiter.api.Assertions.*;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Upper bounds and targets of re-armed delayed work, and the timer thread's idle cost (issue
 * 15). The runtime here has the watchdog off and an idle-worker timeout of an hour, so no
 * internal timer wakes the timer thread: a missing wake-up after an earlier re-arm leaves the
 * item waiting for its old deadline, an hour away, instead of being hidden by the next
 * watchdog tick.
 */
@Timeout(60)
class TimerUpperBoundTest {
    private static final String TIMER_THREAD = "jworkqueue-timer";

    private static WorkqueueRuntime quietRuntime() {
        return WorkqueueRuntime.builder().cpus(2).cpuLocator(() -> 0)
                .watchdogThreshold(Duration.ZERO).idleWorkerTimeout(Duration.ofHours(1)).build();
    }

    /** A delayed item that records the name of the thread that ran it. */
    private static final class Recording {
        final CountDownLatch ran = new CountDownLatch(1);
        final AtomicReference<String> thread = new AtomicReference<>();
        final DelayedWork work = new DelayedWork(self -> {
            thread.set(Thread.currentThread().getName());
            ran.countDown();
        });
    }

    @Test
    void modDelayed_armedFarItemMovedEarlier_firesLongBeforeItsOldDeadline() throws Exception {
        try (WorkqueueRuntime rt = quietRuntime()) {
            Workqueue wq = rt.alloc("ub-earlier", Set.of(WorkqueueFlag.UNBOUND), 0);
            Recording r = new Recording();
            assertTrue(wq.queueDelayed(r.work, Duration.ofHours(1)));
            // let the timer thread park for the hour before the item is moved
            TestSupport.awaitTrue(() -> timerThreadsParked(), "the timer thread to park");
            assertTrue(wq.modDelayed(r.work, Duration.ofMillis(20)), "an armed item is pending: true");
            assertTrue(r.ran.await(WAIT_S, TimeUnit.SECONDS), "moved from 1 h to 20 ms, the item did not run within "
                    + WAIT_S + " s: the timer thread was not woken for the earlier deadline");
        }
    }

    @Test
    void queueDelayed_behindAFarItem_firesOnTime() throws Exception {
        try (WorkqueueRuntime rt = quietRuntime()) {
            Workqueue wq = rt.alloc("ub-second", Set.of(WorkqueueFlag.UNBOUND), 0);
            DelayedWork far = new DelayedWork(self -> {});
            assertTrue(wq.queueDelayed(far, Duration.ofHours(1)));
            TestSupport.awaitTrue(() -> timerThreadsParked(), "the timer thread to park");
            Recording r = new Recording();
            assertTrue(wq.queueDelayed(r.work, Duration.ofMillis(20)));
            assertTrue(r.ran.await(WAIT_S, TimeUnit.SECONDS), "a 20 ms item armed behind a 1 h one did not run within " + WAIT_S + " s");
            assertTrue(far.cancel());
        }
    }

    @Test
    void modDelayedOn_armedItem_isRetargetedToTheNewCpu() throws Exception {
        try (WorkqueueRuntime rt = quietRuntime()) {
            Workqueue wq = rt.alloc("ub-retarget", Set.of(), 0);
            for (int[] move : new int[][] {{0, 1}, {1, 0}}) {
                Recording r = new Recording();
                assertTrue(wq.queueDelayedOn(move[0], r.work, Duration.ofHours(1)));
                assertTrue(wq.modDelayedOn(move[1], r.work, Duration.ofMillis(10)), "an armed item is pending: true");
                await(r.ran, "the re-targeted item to run");
                assertTrue(r.thread.get().startsWith("kworker/" + move[1] + ":"), "armed for CPU " + move[0]
                        + ", moved to CPU " + move[1] + ", it ran on " + r.thread.get());
            }
            // modDelayed (no CPU) drops an earlier CPU choice: it runs on the current CPU (0 here)
            Recording r = new Recording();
            assertTrue(wq.queueDelayedOn(1, r.work, Duration.ofHours(1)));
            assertTrue(wq.modDelayed(r.work, Duration.ofMillis(10)));
            await(r.ran, "the re-armed item to run");
            assertTrue(r.thread.get().startsWith("kworker/0:"), "modDelayed without a CPU ran on " + r.thread.get());
        }
    }

    @Test
    void modDelayed_armedItemFromAnotherWorkqueue_runsOnTheNewOne() throws Exception {
        try (WorkqueueRuntime rt = quietRuntime()) {
            Workqueue a = rt.alloc("ub-wq-a", Set.of(WorkqueueFlag.UNBOUND), 0);
            Workqueue b = rt.alloc("ub-wq-b", Set.of(WorkqueueFlag.UNBOUND), 0);
            Recording r = new Recording();
            assertTrue(a.queueDelayed(r.work, Duration.ofHours(1)));
            assertTrue(b.modDelayed(r.work, Duration.ofMillis(10)));
            await(r.ran, "the moved item to run");
            b.flush();
            assertEquals(1, b.info().getCompleted(), "the item runs on the workqueue of the last modDelayed");
            assertEquals(0, a.info().getCompleted());
        }
    }

    @Test
    void armedFarTimer_costsTheTimerThreadNoCpu() throws Exception {
        Set<Thread> before = timerThreads();
        try (WorkqueueRuntime rt = quietRuntime()) {
            Workqueue wq = rt.alloc("ub-idle", Set.of(WorkqueueFlag.UNBOUND), 0);
            DelayedWork far = new DelayedWork(self -> {});
            assertTrue(wq.queueDelayed(far, Duration.ofHours(1)));
            Set<Thread> mine = timerThreads();
            mine.removeAll(before);
            assertEquals(1, mine.size(), "this runtime's timer thread");
            Thread t = mine.iterator().next();
            TestSupport.awaitTrue(() -> t.getState() == Thread.State.TIMED_WAITING || t.getState() == Thread.State.WAITING,
                    "the timer thread to park");
            ThreadMXBean mx = ManagementFactory.getThreadMXBean();
            long cpu0 = mx.getThreadCpuTime(t.threadId());
            Thread.sleep(1000); // the interval being measured, not a synchronisation
            long cpu = mx.getThreadCpuTime(t.threadId()) - cpu0;
            // A spinning thread gets a good share of a core even on a loaded machine; a parked one ~0.
            assertTrue(cpu < TimeUnit.MILLISECONDS.toNanos(100), "with one timer armed for 1 h the timer thread used "
                    + cpu / 1_000_000 + " ms of CPU in 1 s");
            assertTrue(far.isTimerArmed());
            assertTrue(far.cancel());
        }
    }

    @Test
    void destroyedWorkqueue_setMaxActiveAndQueueingNameTheCause() {
        try (WorkqueueRuntime rt = quietRuntime()) {
            Workqueue wq = rt.alloc("ub-gone", Set.of(WorkqueueFlag.UNBOUND), 0);
            wq.destroy();
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> wq.setMaxActive(4));
            assertTrue(e.getMessage().contains("'ub-gone'") && e.getMessage().contains("destroyed"), e.getMessage());
            Work w = new Work(self -> {});
            e = assertThrows(IllegalStateException.class, () -> wq.queue(w));
            assertTrue(e.getMessage().contains("'ub-gone'") && e.getMessage().contains("destroyed"), e.getMessage());
            assertFalse(w.isPending(), "a refused item is left idle");
            DelayedWork d = new DelayedWork(self -> {});
            e = assertThrows(IllegalStateException.class, () -> wq.modDelayed(d, Duration.ofMillis(1)));
            assertTrue(e.getMessage().contains("'ub-gone'") && e.getMessage().contains("destroyed"), e.getMessage());
            e = assertThrows(IllegalStateException.class, () -> wq.queueDelayed(d, Duration.ofMillis(1)));
            assertTrue(e.getMessage().contains("destroyed"), e.getMessage());
            assertFalse(d.isPending());
        }
    }

    private static Set<Thread> timerThreads() {
        Set<Thread> out = new HashSet<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().equals(TIMER_THREAD) && t.isAlive()) {
                out.add(t);
            }
        }
        return out;
    }

    private static boolean timerThreadsParked() {
        for (Thread t : timerThreads()) {
            if (t.getState() != Thread.State.TIMED_WAITING && t.getState() != Thread.State.WAITING) {
                return false;
            }
        }
        return true;
    }
}
