package io.jworkqueue.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jworkqueue.PoolInfo;
import io.jworkqueue.Work;
import io.jworkqueue.Workqueue;
import io.jworkqueue.WorkqueueRuntime;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * An item the concurrency monitor saw blocked in its last run starts its next run outside
 * nr_running (PoolSleepers#presume), and is counted back in when the monitor sees it run;
 * an item whose run was never seen blocked loses the presumption. Causal checks only: every
 * wait is bounded and nothing depends on how fast the machine is.
 */
@Timeout(60)
class PresumedSleeperTest {

    private static void awaitTrue(BooleanSupplier c, String what) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!c.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "timed out waiting for: " + what);
            Thread.onSpinWait();
        }
    }

    private static int nrRunningCpu0(WorkqueueRuntime rt) {
        for (PoolInfo p : rt.poolInfos()) {
            if (p.getCpu() == 0 && !p.isHighpri()) {
                return p.getNrRunning();
            }
        }
        throw new AssertionError("no normal pool for cpu 0");
    }

    @Test
    void itemSeenBlocked_nextRunStartsUncounted_thenCountedBackWhenSeenRunning() throws Exception {
        try (WorkqueueRuntime rt = WorkqueueRuntime.builder().cpus(1).build()) {
            Workqueue wq = rt.system();
            CountDownLatch release = new CountDownLatch(1);
            AtomicBoolean block = new AtomicBoolean(true);
            AtomicBoolean spinning = new AtomicBoolean();
            AtomicBoolean stop = new AtomicBoolean();
            CountDownLatch behindRan = new CountDownLatch(1);
            Work item = new Work(self -> {
                if (block.get()) {
                    release.await(); // first run: blocks until the item queued behind it has run
                } else {
                    spinning.set(true);
                    while (!stop.get()) {
                        Thread.onSpinWait();
                    }
                }
            });
            Work behind = new Work(self -> behindRan.countDown());

            // Run 1: the item blocks with another item waiting behind it, so the monitor watches,
            // sees it blocked and lets the other start.
            assertTrue(wq.queueOn(0, item));
            assertTrue(wq.queueOn(0, behind));
            assertTrue(behindRan.await(20, TimeUnit.SECONDS), "the item behind the blocked one did not start");
            release.countDown();
            item.flush();
            assertTrue(Node.sleptLast(item), "a run seen blocked is remembered on the item");

            // Run 2: the item spins instead. It starts presumed asleep, and the monitor, asked to
            // watch, sees it running and counts it back in.
            // On a loaded machine a spinning run preempted at a sample can be seen blocked after
            // all (the sampling cannot tell), so the run is tried up to three times; an engine
            // that never drops the presumption fails every one.
            block.set(false);
            for (int round = 0; round < 3 && (round == 0 || Node.sleptLast(item)); round++) {
                spinning.set(false);
                stop.set(false);
                assertTrue(wq.queueOn(0, item));
                awaitTrue(spinning::get, "second run started");
                awaitTrue(() -> nrRunningCpu0(rt) == 1, "the spinning worker counted back in");
                stop.set(true);
                item.flush();
            }
            assertFalse(Node.sleptLast(item), "a run never seen blocked drops the presumption");
            assertTrue(rt.workqueueInfos().stream().filter(i -> i.getName().equals("events"))
                    .mapToLong(i -> i.getCmWakeups()).sum() >= 1, "the first run's detection woke a worker");
        }
    }

    @Test
    void presumedSleeper_handedToAnIdleWorker_theRunningWorkerGoesOn() throws Exception {
        try (WorkqueueRuntime rt = WorkqueueRuntime.builder().cpus(1).build()) {
            Workqueue wq = rt.system();
            // Three items blocked at once with one more behind them: the monitor sees each blocked
            // (so each is remembered as a sleeper), and the pool grows to at least five workers,
            // which stay (the idle timeout is minutes), so idle workers are at hand below.
            CountDownLatch release = new CountDownLatch(1);
            AtomicBoolean firstRun = new AtomicBoolean(true);
            CountDownLatch secondRelease = new CountDownLatch(1);
            Work[] sleepers = new Work[3];
            for (int i = 0; i < sleepers.length; i++) {
                sleepers[i] = new Work(self -> {
                    if (firstRun.get()) {
                        release.await();
                    } else {
                        secondRelease.await();
                    }
                });
            }
            CountDownLatch behindRan = new CountDownLatch(1);
            for (Work s : sleepers) {
                assertTrue(wq.queueOn(0, s));
            }
            assertTrue(wq.queueOn(0, new Work(self -> behindRan.countDown())));
            assertTrue(behindRan.await(20, TimeUnit.SECONDS), "the item behind the blocked ones did not start");
            release.countDown();
            for (Work s : sleepers) {
                s.flush();
            }
            Work sleeper = sleepers[0];
            assertTrue(Node.sleptLast(sleeper), "a run seen blocked is remembered on the item");
            firstRun.set(false);

            // A spinning item runs; behind it the remembered sleeper, then a probe. The worker that
            // ran the spinner hands the sleeper to an idle worker and runs the probe itself.
            AtomicBoolean go = new AtomicBoolean();
            Thread[] spinner = new Thread[1];
            Thread[] sleeperThread = new Thread[1];
            Thread[] probe = new Thread[1];
            CountDownLatch spinning = new CountDownLatch(1);
            CountDownLatch probeRan = new CountDownLatch(1);
            Work spin = new Work(self -> {
                spinner[0] = Thread.currentThread();
                spinning.countDown();
                while (!go.get()) {
                    Thread.onSpinWait();
                }
            });
            Work sleeper2 = new Work(self -> {
                sleeperThread[0] = Thread.currentThread();
                secondRelease.await();
            });
            Node.setSleptLast(sleeper2, true); // as if seen blocked before: a fresh item, so no other worker runs it
            Work probeItem = new Work(self -> {
                probe[0] = Thread.currentThread();
                probeRan.countDown();
            });
            assertTrue(wq.queueOn(0, spin));
            assertTrue(spinning.await(20, TimeUnit.SECONDS));
            assertTrue(wq.queueOn(0, sleeper2));
            assertTrue(wq.queueOn(0, probeItem));
            go.set(true);
            assertTrue(probeRan.await(20, TimeUnit.SECONDS), "the item behind the presumed sleeper did not run");
            secondRelease.countDown();
            sleeper2.flush();
            assertEquals(spinner[0], probe[0], "the running worker went on with the next item");
            assertTrue(sleeperThread[0] != null && sleeperThread[0] != spinner[0], "the sleeper ran on another worker");
            awaitTrue(() -> nrRunningCpu0(rt) == 0, "nr_running back to 0 once idle");
        }
    }

    @Test
    void cpuTime_chargedPerSegment_visibleOnceAFlushReturns() throws Exception {
        try (WorkqueueRuntime rt = WorkqueueRuntime.builder().cpus(1).build()) {
            Workqueue a = rt.alloc("seg_a", java.util.Set.of(), 0);
            Workqueue b = rt.alloc("seg_b", java.util.Set.of(), 0);
            int n = WorkerCpuClock.SEGMENT_ITEMS * 3 + 5; // several full segments and a partial one
            Work[] items = new Work[n];
            for (int i = 0; i < n; i++) {
                items[i] = new Work(self -> { });
            }
            CountDownLatch gate = new CountDownLatch(1);
            assertTrue(b.queueOn(0, new Work(self -> gate.await())));
            for (Work w : items) {
                assertTrue(a.queueOn(0, w));
            }
            gate.countDown();
            a.flush();
            b.flush();
            assertEquals(n, a.stats().completed());
            assertTrue(a.stats().cpuTimeNanos() > 0, "a's items charged once its flush returned");
            assertTrue(b.stats().cpuTimeNanos() > 0, "b's item charged once its flush returned");
        }
    }
}
