package io.jworkqueue;

import static io.jworkqueue.TestSupport.*;
import static org.junit.jupiter.api.Assertions.*;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** Workqueue statistics (SEMANTICS.md section 10). */
class StatsTest {
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    @Test
    void stats_afterNItems_startedAndCompletedEqualN() {
        try (WorkqueueRuntime rt = newRuntime()) {
            Workqueue bound = rt.alloc("st_bound", Set.of(), 0);
            Workqueue ub = rt.alloc("st_ub", Set.of(WorkqueueFlag.UNBOUND), 0);
            Random rnd = new Random(42);
            int n = 500;
            for (int i = 0; i < n; i++) {
                assertTrue(bound.queueOn(rnd.nextInt(rt.cpus()), new Work(self -> {})));
                assertTrue(ub.queue(new Work(self -> {})));
            }
            bound.flush();
            ub.flush();
            for (Workqueue wq : new Workqueue[] {bound, ub}) {
                WorkqueueStats s = wq.stats();
                assertEquals(n, s.started(), wq.name());
                assertEquals(n, s.completed(), wq.name());
                assertEquals(0, s.inFlight(), wq.name());
                assertTrue(s.cpuTimeNanos() >= 0);
            }
            // a re-queued item counts once per run; flush barriers do not count
            Work again = new Work(self -> {});
            for (int i = 0; i < 3; i++) {
                assertTrue(ub.queue(again));
                again.flush(); // may already have run: the return value is not the point here
            }
            assertFalse(again.flush());
            assertEquals(n + 3, ub.stats().started());
            assertEquals(n + 3, ub.stats().completed());
            // another workqueue's stats are untouched
            WorkqueueStats other = rt.alloc("st_other", Set.of(), 0).stats();
            assertEquals(0, other.started());
            assertEquals(0, other.completed());
        }
    }

    @Test
    void stats_whileItemRuns_inFlightIsOne() throws Exception {
        try (WorkqueueRuntime rt = newRuntime()) {
            Workqueue wq = rt.alloc("st_infl", Set.of(WorkqueueFlag.UNBOUND), 0);
            CountDownLatch started = new CountDownLatch(1);
            CountDownLatch gate = new CountDownLatch(1);
            assertTrue(wq.queue(new Work(self -> {
                started.countDown();
                assertTrue(gate.await(WAIT_S, TimeUnit.SECONDS));
            })));
            try {
                assertTrue(started.await(WAIT_S, TimeUnit.SECONDS));
                WorkqueueStats s = wq.stats();
                assertEquals(1, s.started());
                assertEquals(0, s.completed());
                assertEquals(1, s.inFlight());
            } finally {
                gate.countDown();
            }
            wq.flush();
            WorkqueueStats s = wq.stats();
            assertEquals(1, s.started());
            assertEquals(1, s.completed());
            assertEquals(0, s.inFlight());
        }
    }

    @Test
    void stats_cpuTime_growsForBusyItemAndStaysSmallForSleepingItem() throws Exception {
        Assumptions.assumeTrue(THREADS.isCurrentThreadCpuTimeSupported(), "no thread CPU clock");
        try (WorkqueueRuntime rt = newRuntime()) {
            Workqueue busy = rt.alloc("st_busy", Set.of(WorkqueueFlag.UNBOUND), 0);
            Workqueue sleepy = rt.alloc("st_sleepy", Set.of(WorkqueueFlag.UNBOUND), 0);
            long burn = TimeUnit.MILLISECONDS.toNanos(30);
            AtomicLong burned = new AtomicLong();
            AtomicLong sink = new AtomicLong();
            assertTrue(busy.queue(new Work(self -> {
                long t0 = THREADS.getCurrentThreadCpuTime();
                long x = 0;
                while (THREADS.getCurrentThreadCpuTime() - t0 < burn) {
                    for (int i = 0; i < 10_000; i++) {
                        x = x * 31 + i;
                    }
                }
                sink.set(x);
                burned.set(THREADS.getCurrentThreadCpuTime() - t0);
            })));
            AtomicLong sleepCpu = new AtomicLong();
            assertTrue(sleepy.queue(new Work(self -> {
                long t0 = THREADS.getCurrentThreadCpuTime();
                Thread.sleep(30); // the item's own behaviour: it sleeps instead of using the CPU
                sleepCpu.set(THREADS.getCurrentThreadCpuTime() - t0);
            })));
            busy.flush();
            sleepy.flush();
            WorkqueueStats b = busy.stats();
            WorkqueueStats s = sleepy.stats();
            assertTrue(burned.get() >= burn);
            assertTrue(b.cpuTimeNanos() >= TimeUnit.MILLISECONDS.toNanos(25),
                    () -> "busy item charged only " + b.cpuTimeNanos() + " ns for " + burned.get() + " ns of CPU");
            assertTrue(b.cpuTimeNanos() <= burned.get() + TimeUnit.MILLISECONDS.toNanos(50),
                    () -> "busy item overcharged: " + b.cpuTimeNanos() + " ns for " + burned.get() + " ns of CPU");
            assertTrue(s.cpuTimeNanos() < TimeUnit.MILLISECONDS.toNanos(10),
                    () -> "sleeping item charged " + s.cpuTimeNanos() + " ns of CPU (it used " + sleepCpu.get() + " ns)");
            assertEquals(1, b.completed());
            assertEquals(1, s.completed());
        }
    }

    @Test
    void stats_name_equalsWorkqueueName() {
        try (WorkqueueRuntime rt = newRuntime()) {
            for (Workqueue wq : new Workqueue[] {
                    rt.alloc("st_named", Set.of(), 0),
                    rt.alloc("st_named_ub", Set.of(WorkqueueFlag.UNBOUND), 0),
                    rt.allocOrdered("st_named_ord", Set.of()),
                    rt.system(), rt.systemUnbound()}) {
                WorkqueueStats s = wq.stats();
                assertEquals(wq.name(), s.name());
                assertEquals(0, s.started());
                assertEquals(0, s.completed());
                assertEquals(0, s.cpuTimeNanos());
                assertEquals(0, s.inFlight());
            }
        }
    }
}
