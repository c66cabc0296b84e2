package io.jworkqueue.stress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jworkqueue.Work;
import io.jworkqueue.Workqueue;
import io.jworkqueue.internal.ModelExecutor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.jetbrains.lincheck.Lincheck;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Lincheck model checking ({@link Lincheck#runConcurrentTest}) of the postconditions that
 * involve waiting, with a deterministic executor: the runtime starts no threads
 * ({@link ModelExecutor}), and the test's own threads play its workers, running the real worker
 * loop. Lincheck's scheduler so controls every thread that touches the runtime and explores their
 * interleavings, including those inside the queue, cancel, flush and worker code.
 *
 * <p>Each invocation builds its own engine (it runs no threads, so it needs no closing: it is
 * garbage once the invocation ends); a runtime shared between invocations would not do, since
 * Lincheck restores the static state it saw between invocations. Scenario threads hand their
 * failures to the main thread ({@link ScenarioThread}), which is where Lincheck looks for them.
 * {@code -Dlincheck.invocations=N} sets the invocations per test (default 300, about 30 s for
 * the four).
 *
 * <p>Each scenario has been shown to fail on a mutation of the engine: cancelSync that does not
 * wait for the running instance; an item flush that does not wait; disable that does not nest;
 * an ordered workqueue with max_active 2.
 */
@Timeout(value = 10, unit = java.util.concurrent.TimeUnit.MINUTES)
class LincheckModelTest {
    static final int INVOCATIONS = Integer.getInteger("lincheck.invocations", 300);
    /** How often the item of the cancelSync scenario requeues itself. */
    static final int REQUEUES = 3;

    /**
     * Runs every scenario once as plain Java before the model checker sees any of them, so the
     * engine's classes are loaded and initialised outside it. Under the model checker, a class
     * initialiser that one scenario thread runs while the checker has switched to another is a
     * JVM lock the checker cannot see (the blocked thread looks hung), and the first invocation
     * would also pay for loading and instrumenting them, which a loaded machine stretches past
     * the checker's invocation time limit. The scenarios assert here too.
     */
    @BeforeAll
    static void initialiseClassesOutsideTheModelChecker() {
        cancelSyncScenario();
        flushScenario();
        disableScenario();
        orderedScenario();
    }

    /** How many times a model-checking run that Lincheck reports as hung is started. */
    static final int HUNG_ATTEMPTS = 3;

    /**
     * Runs {@code scenario} under the model checker. A run that Lincheck reports as hung
     * ("Concurrent test has hung") is started again, up to {@link #HUNG_ATTEMPTS} times in all:
     * on a machine with both cores busy (load average 10 and more) the checker has reported the
     * trivial disable scenario as hung although it passes whenever run without that load, and its
     * own time limits cannot be set through {@code runConcurrentTest}. A real deadlock or livelock
     * hangs every attempt and still fails; any other failure (a broken postcondition) fails at
     * once.
     */
    static void modelCheck(Runnable scenario) {
        for (int attempt = 1; ; attempt++) {
            try {
                Lincheck.runConcurrentTest(INVOCATIONS, scenario);
                return;
            } catch (AssertionError e) {
                String m = String.valueOf(e.getMessage());
                if (attempt >= HUNG_ATTEMPTS || !m.contains("has hung")) {
                    throw e;
                }
                System.err.println("LincheckModelTest: attempt " + attempt + " reported as hung; trying again");
            }
        }
    }

    /** A thread playing a worker of {@code wq}'s pool until {@code stop} is set. */
    static ScenarioThread worker(Workqueue wq, AtomicBoolean stop) {
        return ScenarioThread.start(() -> {
            while (!stop.get()) {
                if (!ModelExecutor.runOnce(wq)) {
                    Thread.yield();
                }
            }
        });
    }

    /** Runs on the calling thread whatever is left. */
    static void runRest(Workqueue wq) {
        while (ModelExecutor.runOnce(wq)) {
            // until the pool would sleep
        }
    }

    // ------------------------------------------------------------------ cancelSync

    @Test
    void cancelSync_selfRequeueingItem_neitherPendingNorRunningAfter() {
        modelCheck(LincheckModelTest::cancelSyncScenario);
    }

    /**
     * After cancelSync returns the item is neither pending nor running, even if it requeues
     * itself, and it stays so.
     */
    static void cancelSyncScenario() {
        Workqueue cancel = ModelExecutor.unbound("mc-cancel");
        AtomicInteger running = new AtomicInteger();
        AtomicInteger runs = new AtomicInteger();
        Work w = new Work(self -> {
            running.incrementAndGet();
            // Requeues itself, a bounded number of times: an endless requeue would let the model
            // checker's adversarial scheduler keep the canceller off the pool lock for ever (the
            // lock is not fair, and neither is a scheduler that never runs a thread).
            if (runs.incrementAndGet() < REQUEUES) {
                cancel.queue(self);
            }
            running.decrementAndGet();
        });
        cancel.queue(w);
        AtomicBoolean stop = new AtomicBoolean();
        ScenarioThread worker = worker(cancel, stop);
        ScenarioThread canceller = ScenarioThread.start(() -> {
            w.cancelSync();
            assertFalse(w.isPending(), "pending after cancelSync");
            assertEquals(0, running.get(), "running after cancelSync");
        });
        canceller.join();
        stop.set(true);
        worker.join();
        runRest(cancel);
        assertFalse(w.isPending(), "requeued after cancelSync");
    }

    // ------------------------------------------------------------------ flush

    @Test
    void flushItem_afterQueue_instanceFinished() {
        modelCheck(LincheckModelTest::flushScenario);
    }

    /** After flush() of an item, the instance queued before it has finished. */
    static void flushScenario() {
        Workqueue flush = ModelExecutor.unbound("mc-flush");
        AtomicInteger done = new AtomicInteger();
        Work w = new Work(self -> done.incrementAndGet());
        AtomicBoolean stop = new AtomicBoolean();
        ScenarioThread worker = worker(flush, stop);
        Runnable queueAndFlush = () -> {
            int before = done.get();
            if (flush.queue(w)) {
                w.flush();
                assertTrue(done.get() > before, "flush returned before the queued instance finished");
            }
        };
        ScenarioThread a = ScenarioThread.start(queueAndFlush);
        ScenarioThread b = ScenarioThread.start(queueAndFlush);
        a.join();
        b.join();
        stop.set(true);
        worker.join();
        runRest(flush);
        assertFalse(w.isPending());
    }

    // ------------------------------------------------------------------ disable depth

    @Test
    void disableEnable_depth_queueRefusedUntilLastEnable() {
        modelCheck(LincheckModelTest::disableScenario);
    }

    /** disable / enable nest as a depth: queue calls fail until the last enable. */
    static void disableScenario() {
        Workqueue disable = ModelExecutor.unbound("mc-disable");
        AtomicInteger runs = new AtomicInteger();
        Work w = new Work(self -> runs.incrementAndGet());
        Runnable disableQueueEnable = () -> {
            w.disable();
            assertFalse(disable.queue(w), "queued while disabled");
            w.enable();
        };
        ScenarioThread a = ScenarioThread.start(disableQueueEnable);
        ScenarioThread b = ScenarioThread.start(disableQueueEnable);
        a.join();
        b.join();
        assertEquals(0, w.disableDepth());
        assertTrue(disable.queue(w), "not queueable after the last enable");
        runRest(disable);
        assertEquals(1, runs.get());
    }

    // ------------------------------------------------------------------ ordered

    @Test
    void ordered_concurrentQueuers_fifoAndOneAtATime() {
        modelCheck(LincheckModelTest::orderedScenario);
    }

    /**
     * An ordered workqueue runs one item at a time in queueing order: two threads each queue two
     * items and then play a worker of the pool (it has two) until all four have run.
     */
    static void orderedScenario() {
        Workqueue ordered = ModelExecutor.ordered("mc-ordered");
        OrderedProbe probe = new OrderedProbe();
        Work[] ws = probe.items;
        Runnable drive = () -> {
            while (probe.started() < ws.length) {
                if (!ModelExecutor.runOnce(ordered)) {
                    Thread.yield();
                }
            }
        };
        ScenarioThread a = ScenarioThread.start(() -> {
            assertTrue(ordered.queue(ws[0]));
            assertTrue(ordered.queue(ws[1]));
            drive.run();
        });
        ScenarioThread b = ScenarioThread.start(() -> {
            assertTrue(ordered.queue(ws[2]));
            assertTrue(ordered.queue(ws[3]));
            drive.run();
        });
        a.join();
        b.join();
        probe.check();
    }
}
