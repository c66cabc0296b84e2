package io.jworkqueue.internal;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.jworkqueue.Work;
import io.jworkqueue.Workqueue;
import io.jworkqueue.WorkqueueRuntime;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.BitSet;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Real CPU pinning (issue 12, point 4), proved by the kernel: each check reads
 * {@code Cpus_allowed_list} of {@code /proc/self/task/<tid>/status} on the thread that runs an
 * item (its tid from the {@code /proc/thread-self} link). The tests that pin are skipped, saying
 * why, where the OS cannot pin: not Linux, JDK 21 (the base class), fewer than two CPUs allowed to
 * the process, or {@code sched_setaffinity} refused. On JDK 22+ they run the FFM version of
 * {@link CpuAffinity} (the build compiles it into the test classes, see the core pom).
 */
@Timeout(60)
class CpuAffinityTest {
    private static final long WAIT_S = 20;

    @AfterEach
    void clearHook() {
        Faults.hook = null;
    }

    /** @return the calling thread's {@code Cpus_allowed_list} as the kernel reports it */
    static BitSet allowedOfCurrentThread() {
        int tid = NativeThreads.currentTid();
        assertTrue(tid > 0, "no /proc/thread-self");
        try {
            return allowedOfThread(tid);
        } catch (IOException e) {
            throw new AssertionError("cannot read the status of thread " + tid, e);
        }
    }

    /** The kernel's list format ({@code 0-3,6}) as a set. */
    static BitSet parseList(String list) {
        BitSet s = new BitSet();
        for (String part : list.split(",")) {
            if (part.isEmpty()) {
                continue;
            }
            int dash = part.indexOf('-');
            if (dash < 0) {
                s.set(Integer.parseInt(part));
            } else {
                s.set(Integer.parseInt(part.substring(0, dash)), Integer.parseInt(part.substring(dash + 1)) + 1);
            }
        }
        return s;
    }

    private static boolean linux() {
        return System.getProperty("os.name", "").toLowerCase(Locale.ROOT).startsWith("linux");
    }

    /** Skips the test, saying why, unless this OS can pin a thread to one of two allowed CPUs. */
    private static int[] assumePinnable() throws InterruptedException {
        assumeTrue(linux(), "CPU pinning needs Linux; this is " + System.getProperty("os.name"));
        assumeTrue(CpuAffinity.supported(), "CPU pinning is not supported here: " + CpuAffinity.status());
        int[] allowed = CpuAffinity.allowedCpus();
        assumeTrue(allowed.length >= 2, "the process may use only CPU(s) " + CpuList.format(CpuPinning.set(allowed))
                + "; pinning two runtime CPUs apart needs two");
        AtomicReference<Boolean> pinned = new AtomicReference<>();
        Thread probe = new Thread(() -> pinned.set(CpuAffinity.pinCurrentThread(CpuPinning.set(new int[] {1}))));
        probe.start();
        probe.join(SECONDS.toMillis(WAIT_S));
        assumeTrue(Boolean.TRUE.equals(pinned.get()), "sched_setaffinity refused: " + CpuAffinity.lastFailure());
        return allowed;
    }

    /** Queues an item on {@code cpu} (or unbound, if negative) that reports its thread's allowed CPUs. */
    private static BitSet allowedSeenByItem(Workqueue wq, int cpu) throws InterruptedException {
        BlockingQueue<BitSet> seen = new ArrayBlockingQueue<>(1);
        Work w = new Work(self -> seen.add(allowedOfCurrentThread()));
        assertTrue(cpu < 0 ? wq.queue(w) : wq.queueOn(cpu, w));
        BitSet s = seen.poll(WAIT_S, SECONDS);
        assertNotNull(s, "the item did not run");
        return s;
    }

    @Test
    void parseList_kernelFormat_roundTripsWithCpuPinningList() {
        assertEquals(CpuPinningTest.bits(0, 1, 2, 5, 9, 10), parseList("0-2,5,9-10"));
        assertEquals("0-2,5,9-10", CpuList.format(parseList("0-2,5,9-10")));
        assertEquals(new BitSet(), parseList(""));
    }

    @Test
    void allowedCpus_onLinux_areTheProcessCpusTheKernelReports() {
        assumeTrue(linux(), "reads /proc; this is " + System.getProperty("os.name"));
        assumeTrue(CpuAffinity.supported(), "CPU pinning is not supported here: " + CpuAffinity.status());
        // This test's thread was never pinned: its allowed CPUs are the process's.
        assertEquals(allowedOfCurrentThread(), CpuPinning.set(CpuAffinity.allowedCpus()));
        assertEquals("supported", CpuAffinity.status());
    }

    @Test
    void queueOn_pinWorkers_itemThreadMayRunOnExactlyTheMappedOsCpu() throws Exception {
        int[] allowed = assumePinnable();
        try (WorkqueueRuntime rt = WorkqueueRuntime.builder().name("pin").cpus(2).pinWorkers(true).build()) {
            Workqueue wq = rt.alloc("pinned", Set.of(), 0);
            assertEquals(CpuPinningTest.bits(allowed[1]), allowedSeenByItem(wq, 1));
            assertEquals(CpuPinningTest.bits(allowed[0]), allowedSeenByItem(wq, 0));
            String line = "pinning: on (cpus " + CpuList.format(CpuPinningTest.bits(allowed[0], allowed[1]))
                    + " of the process's " + CpuList.format(CpuPinning.set(allowed)) + ")";
            assertTrue(rt.dump().contains(line), "expected " + line + " in\n" + rt.dump());
        }
    }

    @Test
    void queueOn_moreRuntimeCpusThanAllowed_wrapsOntoTheAllowedCpus() throws Exception {
        int[] allowed = assumePinnable();
        int cpus = allowed.length + 1; // the last runtime CPU wraps onto the first allowed one
        try (WorkqueueRuntime rt = WorkqueueRuntime.builder().name("pinwrap").cpus(cpus).pinWorkers(true).build()) {
            Workqueue wq = rt.alloc("pinned", Set.of(), 0);
            assertEquals(CpuPinningTest.bits(allowed[0]), allowedSeenByItem(wq, cpus - 1));
        }
    }

    @Test
    void queueOn_withoutPinWorkers_itemThreadMayRunOnEveryAllowedCpu() throws Exception {
        assumeTrue(linux(), "reads /proc; this is " + System.getProperty("os.name"));
        BitSet process = allowedOfCurrentThread();
        try (WorkqueueRuntime rt = WorkqueueRuntime.builder().name("nopin").cpus(2).build()) {
            Workqueue wq = rt.alloc("free", Set.of(), 0);
            assertEquals(process, allowedSeenByItem(wq, 1));
            assertEquals(process, allowedSeenByItem(wq, 0));
        }
    }

    @Test
    void unbound_pinWorkers_itemThreadStaysOnTheRuntimesCpus() throws Exception {
        int[] allowed = assumePinnable();
        try (WorkqueueRuntime rt = WorkqueueRuntime.builder().name("pinu").cpus(2).pinWorkers(true).build()) {
            BitSet seen = allowedSeenByItem(rt.systemUnbound(), -1);
            BitSet runtimeCpus = CpuPinningTest.bits(allowed[0], allowed[1]);
            assertFalse(seen.isEmpty());
            BitSet outside = (BitSet) seen.clone();
            outside.andNot(runtimeCpus);
            assertTrue(outside.isEmpty(), "an unbound worker of a 2-CPU runtime may run on " + seen);
        }
    }

    @Test
    void threadStartedByPinnedThread_inheritsThePin_untilUnpinInherited() throws Exception {
        int[] allowed = assumePinnable();
        AtomicReference<BitSet> inherited = new AtomicReference<>(), after = new AtomicReference<>();
        Thread pinned = new Thread(() -> {
            CpuAffinity.pinCurrentThread(CpuPinning.set(new int[] {1}));
            Thread child = new Thread(() -> {
                inherited.set(allowedOfCurrentThread());
                CpuAffinity.unpinInherited();
                after.set(allowedOfCurrentThread());
            });
            child.start();
            try {
                child.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        pinned.start();
        pinned.join(SECONDS.toMillis(WAIT_S));
        assertEquals(CpuPinningTest.bits(allowed[1]), inherited.get(), "Linux: a new thread inherits the affinity");
        assertEquals(CpuPinning.set(allowed), after.get());
    }

    @Test
    void workersOfUnpinnedRuntime_startedFromPinnedWorker_runOnEveryAllowedCpu() throws Exception {
        int[] allowed = assumePinnable();
        try (WorkqueueRuntime pinning = WorkqueueRuntime.builder().name("pinouter").cpus(2).pinWorkers(true).build()) {
            AtomicReference<Object> result = new AtomicReference<>();
            CountDownLatch done = new CountDownLatch(1);
            // The inner runtime is built and first used on a pinned worker, which starts its workers.
            assertTrue(pinning.alloc("outer", Set.of(), 0).queueOn(1, new Work(self -> {
                try (WorkqueueRuntime inner = WorkqueueRuntime.builder().name("pininner").cpus(2).build()) {
                    result.set(allowedSeenByItem(inner.alloc("inner", Set.of(), 0), 1));
                } catch (Throwable t) {
                    result.set(t);
                } finally {
                    done.countDown();
                }
            })));
            assertTrue(done.await(WAIT_S, SECONDS), "the outer item did not finish");
            assertEquals(CpuPinning.set(allowed), result.get());
        }
    }

    /** @return the kernel thread ids of this process whose name ({@code comm}, 15 characters) is {@code comm} */
    static Set<Integer> tidsNamed(String comm) throws IOException {
        Set<Integer> tids = new java.util.HashSet<>();
        try (var tasks = Files.list(Path.of("/proc/self/task"))) {
            for (Path t : (Iterable<Path>) tasks::iterator) {
                try {
                    if (Files.readString(t.resolve("comm")).strip().equals(comm)) {
                        tids.add(Integer.parseInt(t.getFileName().toString()));
                    }
                } catch (IOException gone) {
                    // the thread ended meanwhile
                }
            }
        }
        return tids;
    }

    static BitSet allowedOfThread(int tid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/task/" + tid + "/status"))) {
            if (line.startsWith("Cpus_allowed_list:")) {
                return parseList(line.substring(line.indexOf(':') + 1).trim());
            }
        }
        throw new AssertionError("no Cpus_allowed_list for thread " + tid);
    }

    @Test
    void timerThread_startedFromPinnedWorker_runsOnEveryAllowedCpu() throws Exception {
        int[] allowed = assumePinnable();
        String comm = "jworkqueue-time"; // the timer thread's name as the kernel keeps it (15 characters)
        try (WorkqueueRuntime pinning = WorkqueueRuntime.builder().name("pintimer").cpus(2).pinWorkers(true).build();
             WorkqueueRuntime inner = WorkqueueRuntime.builder().name("pintimerinner").cpus(2).build()) {
            Set<Integer> before = tidsNamed(comm);
            CountDownLatch fired = new CountDownLatch(1);
            AtomicReference<BitSet> starter = new AtomicReference<>();
            // The inner runtime's first delayed item starts its timer thread on a pinned worker.
            assertTrue(pinning.alloc("outer", Set.of(), 0).queueOn(1, new Work(self -> {
                starter.set(allowedOfCurrentThread());
                inner.alloc("delayed", Set.of(), 0).queueDelayed(new io.jworkqueue.DelayedWork(d -> fired.countDown()),
                        java.time.Duration.ofMillis(10));
            })));
            assertTrue(fired.await(WAIT_S, SECONDS), "the delayed item did not run");
            assertEquals(CpuPinningTest.bits(allowed[1]), starter.get(), "the starting thread was pinned");
            Set<Integer> started = tidsNamed(comm);
            started.removeAll(before);
            assertFalse(started.isEmpty(), "no new timer thread");
            for (int tid : started) { // the inner runtime's, and the pinning one's if its idle timers started it
                assertEquals(CpuPinning.set(allowed), allowedOfThread(tid), "timer thread " + tid);
            }
        }
    }

    @Test
    void pin_osRefusesTheMask_workerRunsItsItemsUnpinned() throws Exception {
        int[] allowed = assumePinnable();
        assumeFalse(CpuPinning.set(allowed).get(1023), "CPU 1023 is allowed here: cannot build a mask the OS refuses");
        Faults.hook = (site, subject) -> {
            if (site.equals("pin")) {
                BitSet mask = (BitSet) subject;
                mask.clear();
                mask.set(1023); // no such CPU: sched_setaffinity fails with EINVAL
            }
        };
        try (WorkqueueRuntime rt = WorkqueueRuntime.builder().name("pinfail").cpus(2).pinWorkers(true).build()) {
            Workqueue wq = rt.alloc("refused", Set.of(), 0);
            for (int i = 0; i < 3; i++) {
                assertEquals(CpuPinning.set(allowed), allowedSeenByItem(wq, 1), "the worker runs unpinned");
            }
            String failure = CpuAffinity.lastFailure();
            assertNotNull(failure);
            assertTrue(failure.contains("sched_setaffinity(1023)") && failure.contains("EINVAL"), failure);
            assertTrue(rt.dump().contains("; last failure: "), rt.dump());
        }
    }

    @Test
    void pin_faultThrown_workerRunsItsItemsAndTheRuntimeSurvives() throws Exception {
        assumeTrue(CpuAffinity.supported(), "CPU pinning is not supported here: " + CpuAffinity.status());
        Faults.hook = (site, subject) -> {
            if (site.equals("pin")) {
                throw new AssertionError("injected fault at pin");
            }
        };
        try (WorkqueueRuntime rt = WorkqueueRuntime.builder().name("pinthrow").cpus(2).pinWorkers(true).build()) {
            Workqueue wq = rt.alloc("thrown", Set.of(), 0);
            CountDownLatch ran = new CountDownLatch(4);
            for (int cpu = 0; cpu < 2; cpu++) {
                assertTrue(wq.queueOn(cpu, new Work(self -> ran.countDown())));
                assertTrue(rt.systemUnbound().queue(new Work(self -> ran.countDown())));
            }
            assertTrue(ran.await(WAIT_S, SECONDS), "only " + (4 - ran.getCount()) + " of 4 items ran");
            String failure = String.valueOf(CpuAffinity.lastFailure());
            assertTrue(failure.contains("injected fault at pin"), failure);
        }
    }
}
