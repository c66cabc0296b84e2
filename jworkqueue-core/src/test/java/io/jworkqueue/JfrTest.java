package io.jworkqueue;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import jdk.jfr.FlightRecorder;
import jdk.jfr.Recording;
import jdk.jfr.RecordingState;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** JFR events, the kernel's workqueue tracepoints; and their cost when no recording runs. */
class JfrTest {
    private static final long WAIT_S = 10;
    private static final List<String> ALL = List.of("io.jworkqueue.QueueWork", "io.jworkqueue.ActivateWork",
            "io.jworkqueue.ExecuteWork", "io.jworkqueue.Lockup", "io.jworkqueue.CpuHog", "io.jworkqueue.Mayday");

    @TempDir
    Path tmp;

    /** A named function, so events carry a predictable class name. */
    static final class Gate implements WorkFunction {
        final CountDownLatch started = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);

        @Override
        public void run(Work self) throws Exception {
            started.countDown();
            assertTrue(release.await(WAIT_S, TimeUnit.SECONDS));
        }
    }

    static final class Noop implements WorkFunction {
        @Override
        public void run(Work self) {}
    }

    private static Recording start() {
        Recording r = new Recording();
        for (String e : ALL) {
            r.enable(e).withoutThreshold();
        }
        r.start();
        return r;
    }

    private List<RecordedEvent> stop(Recording r, String name) throws Exception {
        r.stop();
        Path file = tmp.resolve(name + ".jfr");
        r.dump(file);
        r.close();
        assertTrue(Files.size(file) > 0);
        return RecordingFile.readAllEvents(file);
    }

    private static List<RecordedEvent> named(List<RecordedEvent> events, String type, String workqueue) {
        // By start time: a recording's file keeps each thread's events in per-thread buffers,
        // not necessarily in the order they happened across threads and buffers.
        return events.stream().filter(e -> e.getEventType().getName().equals(type))
                .filter(e -> workqueue == null || workqueue.equals(e.getString("workqueue")))
                .sorted(java.util.Comparator.comparing(RecordedEvent::getStartTime)).toList();
    }

    @Test
    void recording_queueActivateExecute_eventsCarryTheTracepointFields() throws Exception {
        List<RecordedEvent> events;
        Recording rec = start();
        try (WorkqueueRuntime rt = WorkqueueRuntime.builder().name("jfr-basic").cpus(2).build()) {
            Workqueue wq = rt.alloc("jfr_b", Set.of(), 1);
            Workqueue ub = rt.alloc("jfr_u", Set.of(WorkqueueFlag.UNBOUND), 0);
            Gate gate = new Gate();
            assertTrue(wq.queueOn(1, new Work(gate)));
            assertTrue(gate.started.await(WAIT_S, TimeUnit.SECONDS));
            assertTrue(wq.queueOn(1, new Work(new Noop()))); // waits for max_active 1: activated later
            assertTrue(wq.queueOn(1, new Work(new Noop())));
            // The first waiting item is activated by the raised limit (PoolWorkqueue.activateInactive),
            // the second when an item retires (the slot hand-over): both paths emit the event.
            wq.setMaxActive(2);
            gate.release.countDown();
            assertTrue(ub.queue(new Work(new Noop())));
            wq.flush();
            ub.flush();
        } finally {
            events = stop(rec, "basic");
        }
        List<RecordedEvent> queued = named(events, "io.jworkqueue.QueueWork", "jfr_b");
        assertEquals(3, queued.size(), queued::toString);
        assertEquals(Gate.class.getName(), queued.get(0).getString("function"));
        assertEquals(Noop.class.getName(), queued.get(1).getString("function"));
        for (RecordedEvent e : queued) {
            assertEquals(1, e.getInt("requestedCpu"));
            assertEquals(1, e.getInt("cpu"));
        }
        RecordedEvent uq = named(events, "io.jworkqueue.QueueWork", "jfr_u").get(0);
        assertEquals(-1, uq.getInt("requestedCpu"));
        assertEquals(-1, uq.getInt("cpu"));

        List<RecordedEvent> activated = named(events, "io.jworkqueue.ActivateWork", "jfr_b");
        assertEquals(3, activated.size(), activated::toString);
        assertEquals(Gate.class.getName(), activated.get(0).getString("function"));

        List<RecordedEvent> executed = named(events, "io.jworkqueue.ExecuteWork", "jfr_b");
        assertEquals(3, executed.size(), executed::toString);
        RecordedEvent gateRun = executed.stream().filter(e -> e.getString("function").equals(Gate.class.getName()))
                .findFirst().orElseThrow();
        assertTrue(gateRun.getString("worker").startsWith("kworker/1:"), gateRun.getString("worker"));
        assertTrue(gateRun.getDuration().toNanos() > 0, gateRun::toString);
        assertEquals(gateRun.getString("worker"), gateRun.getThread().getJavaName());
        assertEquals(1, named(events, "io.jworkqueue.ExecuteWork", "jfr_u").size());
        assertTrue(named(events, "io.jworkqueue.ExecuteWork", null).stream()
                .noneMatch(e -> e.getString("function").contains("Barrier")), "flush barriers are not traced");
    }

    @Test
    void recording_itemRunStraightFromTheInactiveList_emitsActivateWork() throws Exception {
        // max_active 1, one CPU: when the gate retires, the waiting item takes its slot and the
        // worker that ran the gate runs it next without passing it through the worklist
        // (PoolWorkqueue.decNrInFlight's hand-off, WorkerPool.handOff). That activation is traced too.
        List<RecordedEvent> events;
        Recording rec = start();
        try (WorkqueueRuntime rt = WorkqueueRuntime.builder().name("jfr-handoff").cpus(1).build()) {
            Workqueue wq = rt.alloc("jfr_h", Set.of(), 1);
            Gate gate = new Gate();
            CountDownLatch nextRan = new CountDownLatch(1);
            assertTrue(wq.queueOn(0, new Work(gate)));
            assertTrue(gate.started.await(WAIT_S, TimeUnit.SECONDS));
            assertTrue(wq.queueOn(0, new Work(self -> nextRan.countDown()))); // waits for the slot
            TestSupport.assertBooks(wq, 1, 1, "the second item waits on the inactive list");
            gate.release.countDown();
            assertTrue(nextRan.await(WAIT_S, TimeUnit.SECONDS), "the waiting item did not run");
            wq.flush();
        } finally {
            events = stop(rec, "handoff");
        }
        List<RecordedEvent> activated = named(events, "io.jworkqueue.ActivateWork", "jfr_h");
        assertEquals(2, activated.size(), activated::toString);
        assertEquals(Gate.class.getName(), activated.get(0).getString("function"));
        assertEquals(2, named(events, "io.jworkqueue.ExecuteWork", "jfr_h").size());
    }

    @Test
    void recording_cpuHog_emitsCpuHogEvent() throws Exception {
        List<RecordedEvent> events;
        Recording rec = start();
        try (WorkqueueRuntime rt = WorkqueueRuntime.builder().name("jfr-hog").cpus(1)
                .cpuIntensiveThreshold(Duration.ofMillis(10)).build()) {
            Workqueue wq = rt.alloc("jfr_hog", Set.of(), 0);
            CountDownLatch second = new CountDownLatch(1);
            CountDownLatch spinning = new CountDownLatch(1);
            AtomicBoolean stop = new AtomicBoolean();
            // Spins until told to stop, touching nothing shared but the flag: taking the pool
            // lock (wq.stats()) could park it for a moment, which the monitor rightly counts as
            // sleeping and which restarts its CPU clock for hog detection.
            assertTrue(wq.queueOn(0, new Work(self -> {
                spinning.countDown();
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_S);
                while (!stop.get() && System.nanoTime() < deadline) {
                    Thread.onSpinWait();
                }
            })));
            assertTrue(spinning.await(WAIT_S, TimeUnit.SECONDS));
            assertTrue(wq.queueOn(0, new Work(self -> second.countDown())));
            assertTrue(second.await(WAIT_S, TimeUnit.SECONDS), "the hog was not detected");
            // The second item may also have started because a sample on a loaded machine took
            // the spinner for a sleeper (held at a safepoint, say); the hog must be flagged all
            // the same once it has burnt 10 ms more. Poll the counter from this thread.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_S);
            while (wq.stats().cpuIntensive() == 0 && System.nanoTime() < deadline) {
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
            }
            stop.set(true);
            wq.flush();
            assertEquals(1, wq.stats().cpuIntensive(), wq.stats()::toString);
        } finally {
            events = stop(rec, "hog");
        }
        List<RecordedEvent> hogs = named(events, "io.jworkqueue.CpuHog", "jfr_hog");
        assertEquals(1, hogs.size(), hogs::toString);
        assertTrue(hogs.get(0).getString("function").startsWith(JfrTest.class.getName()), hogs.get(0)::toString);
        assertTrue(hogs.get(0).getLong("cpuMillis") >= 10, hogs.get(0)::toString);
    }

    @Test
    void recording_noWorkerCanBeCreated_emitsMaydayAndLockup() throws Exception {
        AtomicBoolean allow = new AtomicBoolean(true);
        List<RecordedEvent> events;
        Recording rec = start();
        try (WorkqueueRuntime rt = WorkqueueRuntime.builder().name("jfr-stall").cpus(1)
                .threadFactory(r -> allow.get() ? Thread.ofPlatform().daemon(true).unstarted(r) : null)
                .watchdogThreshold(Duration.ofMillis(200)).createCooldown(Duration.ofMillis(50)).build()) {
            Workqueue reclaim = rt.create("jfr_reclaim"); // its rescuer thread is created now
            Workqueue plain = rt.alloc("jfr_plain", Set.of(), 0);
            allow.set(false);
            Gate gate = new Gate();
            try {
                assertTrue(reclaim.queueOn(0, new Work(gate)));
                assertTrue(gate.started.await(WAIT_S, TimeUnit.SECONDS), "not rescued");
                assertTrue(plain.queueOn(0, new Work(new Noop()))); // no worker, no rescuer: stuck
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_S);
                while (rt.lockupsReported() == 0 && System.nanoTime() < deadline) {
                    LockSupport.parkNanos(10_000_000L);
                }
                assertTrue(rt.lockupsReported() > 0, "no lockup reported");
            } finally {
                allow.set(true);
                gate.release.countDown();
            }
            reclaim.flush();
            plain.flush();
        } finally {
            events = stop(rec, "stall");
        }
        List<RecordedEvent> maydays = named(events, "io.jworkqueue.Mayday", "jfr_reclaim");
        assertFalse(maydays.isEmpty(), "no Mayday event");
        assertEquals(0, maydays.get(0).getInt("pool"));
        List<RecordedEvent> lockups = named(events, "io.jworkqueue.Lockup", null);
        assertFalse(lockups.isEmpty(), "no Lockup event");
        RecordedEvent l = lockups.get(0);
        assertEquals(0, l.getInt("pool"));
        assertTrue(l.getString("poolAttributes").startsWith("cpus=0"), l::toString);
        assertTrue(l.getLong("stuckMillis") >= 200, l::toString);
    }

    @Test
    void queue_noRecordingRunning_allocatesNothingPerCall() throws Exception {
        if (FlightRecorder.isInitialized()) {
            for (Recording r : FlightRecorder.getFlightRecorder().getRecordings()) {
                assertNotEquals(RecordingState.RUNNING, r.getState(), "a recording runs: " + r.getName());
            }
        }
        assertQueueAllocatesNothing("jfr-alloc", "JFR off");
    }

    /**
     * A production recording (the JDK's default settings, per-item events off) runs: the queue
     * path checks the event types and creates no event object either.
     */
    @Test
    void queue_defaultRecordingRunning_allocatesNothingPerCall() throws Exception {
        try (Recording r = new Recording(jdk.jfr.Configuration.getConfiguration("default"))) {
            r.start();
            assertQueueAllocatesNothing("jfr-alloc-default", "JFR default settings");
            r.stop();
        }
    }

    private static void assertQueueAllocatesNothing(String runtimeName, String what) throws Exception {
        // com.sun.management.ThreadMXBean#getThreadAllocatedBytes, by reflection: the test module
        // io.jworkqueue does not read jdk.management.
        Object threads = java.lang.management.ManagementFactory.getThreadMXBean();
        Class<?> sunThreads = Class.forName("com.sun.management.ThreadMXBean");
        java.lang.reflect.Method allocatedBytes = sunThreads.getMethod("getThreadAllocatedBytes", long.class);
        org.junit.jupiter.api.Assumptions.assumeTrue(sunThreads.isInstance(threads)
                && (Boolean) sunThreads.getMethod("isThreadAllocatedMemoryEnabled").invoke(threads));
        // The pool's only worker waits at this gate before it enters the pool, so nobody else
        // takes the pool lock while we measure (lock contention would allocate queue nodes).
        CountDownLatch enter = new CountDownLatch(1);
        int n = 100_000, warm = 1_000;
        try (WorkqueueRuntime rt = WorkqueueRuntime.builder().name(runtimeName).cpus(1)
                .watchdogThreshold(Duration.ZERO)
                .threadFactory(r -> Thread.ofPlatform().daemon(true).unstarted(() -> {
                    try {
                        enter.await(WAIT_S * 6, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    r.run();
                })).build()) {
            Workqueue wq = rt.alloc("jfr_alloc", Set.of(), 2048);
            Work[] items = new Work[n + warm];
            WorkFunction fn = new Noop();
            for (int i = 0; i < items.length; i++) {
                items[i] = new Work(fn);
            }
            try {
                for (int i = 0; i < warm; i++) { // one-time allocations (thread locals, the worker)
                    assertTrue(wq.queue(items[i]));
                }
                long tid = Thread.currentThread().threadId();
                allocatedBytes.invoke(threads, tid); // warm the reflective call
                long before = (Long) allocatedBytes.invoke(threads, tid);
                long t0 = System.nanoTime();
                for (int i = warm; i < items.length; i++) {
                    wq.queue(items[i]);
                }
                long nanos = System.nanoTime() - t0;
                long allocated = (Long) allocatedBytes.invoke(threads, tid) - before;
                System.out.printf("%s: %d queue calls allocated %d bytes (%.3f bytes/call), %.0f ns/call%n",
                        what, n, allocated, (double) allocated / n, (double) nanos / n);
                // An event object per call would be >= 24 bytes each, 2.4 MB in all; allow some
                // noise (the measurement's own bookkeeping) but nothing per call.
                assertTrue(allocated < 64 * 1024, "allocated " + allocated + " bytes for " + n + " queue calls");
                assertEquals(n + warm - 2048, wq.info().getNrInactive());
            } finally {
                enter.countDown();
            }
            wq.flush();
            assertEquals(n + warm, wq.stats().completed());
        }
    }
}
