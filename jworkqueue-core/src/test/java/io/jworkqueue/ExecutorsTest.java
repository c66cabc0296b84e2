package io.jworkqueue;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;

/** The java.util.concurrent adapters: Executor and ScheduledExecutorService views of a workqueue. */
class ExecutorsTest {
    private static final long WAIT_S = 10;

    private static WorkqueueRuntime newRuntime() {
        return WorkqueueRuntime.builder().cpus(2).build();
    }

    // ------------------------------------------------------------------ Executor

    @Test
    void asExecutor_execute_runsOnAWorkerOfTheWorkqueue() throws Exception {
        try (WorkqueueRuntime rt = newRuntime()) {
            Workqueue wq = rt.alloc("ex_exec", Set.of(WorkqueueFlag.UNBOUND), 0);
            Executor ex = wq.asExecutor();
            CountDownLatch ran = new CountDownLatch(100);
            List<String> threads = java.util.Collections.synchronizedList(new ArrayList<>());
            for (int i = 0; i < 100; i++) {
                ex.execute(() -> {
                    threads.add(Thread.currentThread().getName());
                    ran.countDown();
                });
            }
            assertTrue(ran.await(WAIT_S, TimeUnit.SECONDS));
            wq.flush();
            assertEquals(100, wq.stats().completed());
            assertTrue(threads.stream().allMatch(n -> n.startsWith("kworker/u")), threads::toString);
        }
    }

    @Test
    void asExecutor_nullOrDestroyed_throwsNpeOrRejected() {
        try (WorkqueueRuntime rt = newRuntime()) {
            Workqueue wq = rt.alloc("ex_rej", Set.of(), 0);
            Executor ex = wq.asExecutor();
            assertThrows(NullPointerException.class, () -> ex.execute(null));
            wq.destroy();
            RejectedExecutionException e = assertThrows(RejectedExecutionException.class, () -> ex.execute(() -> {}));
            assertTrue(e.getMessage().contains("ex_rej"), e.getMessage());
            assertInstanceOf(IllegalStateException.class, e.getCause());
        }
    }

    // ------------------------------------------------------------------ ExecutorService

    @Test
    void submit_callableAndRunnable_futuresCompleteWithResultOrException() throws Exception {
        try (WorkqueueRuntime rt = newRuntime()) {
            ScheduledExecutorService es = rt.alloc("ex_submit", Set.of(), 0).asScheduledExecutorService();
            Future<Integer> f = es.submit(() -> 6 * 7);
            assertEquals(42, f.get(WAIT_S, TimeUnit.SECONDS));
            Future<String> r = es.submit(() -> {}, "done");
            assertEquals("done", r.get(WAIT_S, TimeUnit.SECONDS));
            Future<Object> boom = es.submit(() -> {
                throw new IllegalStateException("boom");
            });
            ExecutionException e = assertThrows(ExecutionException.class, () -> boom.get(WAIT_S, TimeUnit.SECONDS));
            assertEquals("boom", e.getCause().getMessage());
            es.shutdown();
            assertTrue(es.awaitTermination(WAIT_S, TimeUnit.SECONDS));
        }
    }

    @Test
    void invokeAllAndInvokeAny_runEveryTaskOrReturnOne() throws Exception {
        try (WorkqueueRuntime rt = newRuntime()) {
            ScheduledExecutorService es = rt.alloc("ex_invoke", Set.of(WorkqueueFlag.UNBOUND), 0).asScheduledExecutorService();
            List<Callable<Integer>> calls = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                int v = i;
                calls.add(() -> v * v);
            }
            List<Future<Integer>> all = es.invokeAll(calls, WAIT_S, TimeUnit.SECONDS);
            for (int i = 0; i < 10; i++) {
                assertTrue(all.get(i).isDone());
                assertEquals(i * i, all.get(i).get());
            }
            Integer any = es.invokeAny(List.<Callable<Integer>>of(() -> {
                throw new IllegalStateException("no");
            }, () -> 7), WAIT_S, TimeUnit.SECONDS);
            assertEquals(7, any);
            assertThrows(ExecutionException.class, () -> es.invokeAny(List.<Callable<Integer>>of(() -> {
                throw new IllegalStateException("no");
            })));
            es.shutdown();
            assertTrue(es.awaitTermination(WAIT_S, TimeUnit.SECONDS));
        }
    }

    @Test
    void cancel_notStarted_neverRuns_running_interruptedWhenAsked() throws Exception {
        try (WorkqueueRuntime rt = newRuntime()) {
            // ordered: the second task waits behind the first
            ScheduledExecutorService es = rt.allocOrdered("ex_cancel", Set.of()).asScheduledExecutorService();
            CountDownLatch started = new CountDownLatch(1);
            CountDownLatch interrupted = new CountDownLatch(1);
            Future<?> running = es.submit(() -> {
                started.countDown();
                try {
                    Thread.sleep(TimeUnit.SECONDS.toMillis(WAIT_S * 3));
                } catch (InterruptedException e) {
                    interrupted.countDown();
                }
            });
            AtomicBoolean ranWaiting = new AtomicBoolean();
            Future<?> waiting = es.submit(() -> ranWaiting.set(true));
            assertTrue(started.await(WAIT_S, TimeUnit.SECONDS));
            assertTrue(waiting.cancel(false));
            assertTrue(waiting.isCancelled());
            assertThrows(CancellationException.class, waiting::get);
            assertTrue(running.cancel(false)); // no interrupt: it keeps sleeping
            assertTrue(running.isCancelled());
            // cancel(false) did not interrupt; now a fresh running task, cancelled with interrupt
            CountDownLatch started2 = new CountDownLatch(1);
            es.shutdownNow(); // interrupts the first (cancelled) sleeper
            assertTrue(interrupted.await(WAIT_S, TimeUnit.SECONDS));
            assertTrue(es.awaitTermination(WAIT_S, TimeUnit.SECONDS));
            assertFalse(ranWaiting.get(), "a task cancelled before it started ran");

            ScheduledExecutorService es2 = rt.alloc("ex_cancel2", Set.of(WorkqueueFlag.UNBOUND), 0).asScheduledExecutorService();
            CountDownLatch interrupted2 = new CountDownLatch(1);
            Future<?> f2 = es2.submit(() -> {
                started2.countDown();
                try {
                    Thread.sleep(TimeUnit.SECONDS.toMillis(WAIT_S * 3));
                } catch (InterruptedException e) {
                    interrupted2.countDown();
                }
            });
            assertTrue(started2.await(WAIT_S, TimeUnit.SECONDS));
            assertTrue(f2.cancel(true));
            assertTrue(interrupted2.await(WAIT_S, TimeUnit.SECONDS));
            es2.shutdown();
            assertTrue(es2.awaitTermination(WAIT_S, TimeUnit.SECONDS));
        }
    }

    // Repeated: the iteration order of the view's task set decides whether the running task is
    // interrupted before the waiting ones are taken off; with interrupt-first, about one run in
    // eight let the next task start and lose it from the returned list.
    @RepeatedTest(50)
    void shutdownNow_returnsTasksNeverStarted_andInterruptsRunning() throws Exception {
        try (WorkqueueRuntime rt = newRuntime()) {
            Workqueue wq = rt.allocOrdered("ex_now", Set.of());
            ScheduledExecutorService es = wq.asScheduledExecutorService();
            CountDownLatch started = new CountDownLatch(1);
            CountDownLatch interrupted = new CountDownLatch(1);
            es.execute(() -> {
                started.countDown();
                try {
                    Thread.sleep(TimeUnit.SECONDS.toMillis(WAIT_S * 3));
                } catch (InterruptedException e) {
                    interrupted.countDown();
                }
            });
            assertTrue(started.await(WAIT_S, TimeUnit.SECONDS));
            AtomicInteger ran = new AtomicInteger();
            Runnable r1 = ran::incrementAndGet;
            Runnable r2 = ran::incrementAndGet;
            es.execute(r1);
            es.execute(r2);
            Future<?> f3 = es.submit(ran::incrementAndGet);
            ScheduledFuture<?> delayed = es.schedule(ran::incrementAndGet, 1, TimeUnit.HOURS);
            List<Runnable> never = es.shutdownNow();
            assertEquals(4, never.size(), never::toString);
            assertTrue(never.contains(r1) && never.contains(r2), never::toString);
            assertTrue(never.contains(f3));
            assertTrue(never.contains(delayed));
            assertTrue(es.isShutdown());
            assertTrue(interrupted.await(WAIT_S, TimeUnit.SECONDS));
            assertTrue(es.awaitTermination(WAIT_S, TimeUnit.SECONDS));
            assertTrue(es.isTerminated());
            assertEquals(0, ran.get());
            assertThrows(RejectedExecutionException.class, () -> es.execute(() -> {}));
            // the view does not own the workqueue
            assertFalse(wq.isDestroyed());
            CountDownLatch still = new CountDownLatch(1);
            assertTrue(wq.queue(new Work(self -> still.countDown())));
            assertTrue(still.await(WAIT_S, TimeUnit.SECONDS));
        }
    }

    @Test
    void shutdown_previouslySubmittedRun_awaitTerminationWaits() throws Exception {
        try (WorkqueueRuntime rt = newRuntime()) {
            ScheduledExecutorService es = rt.allocOrdered("ex_shut", Set.of()).asScheduledExecutorService();
            CountDownLatch gate = new CountDownLatch(1);
            AtomicInteger ran = new AtomicInteger();
            es.execute(() -> {
                try {
                    assertTrue(gate.await(WAIT_S, TimeUnit.SECONDS));
                } catch (InterruptedException e) {
                    throw new AssertionError(e);
                }
                ran.incrementAndGet();
            });
            for (int i = 0; i < 5; i++) {
                es.execute(ran::incrementAndGet);
            }
            ScheduledFuture<?> later = es.schedule(ran::incrementAndGet, 50, TimeUnit.MILLISECONDS);
            es.shutdown();
            assertTrue(es.isShutdown());
            assertThrows(RejectedExecutionException.class, () -> es.submit(() -> 1));
            assertFalse(es.awaitTermination(50, TimeUnit.MILLISECONDS));
            assertFalse(es.isTerminated());
            gate.countDown();
            assertTrue(es.awaitTermination(WAIT_S, TimeUnit.SECONDS));
            assertTrue(es.isTerminated());
            assertTrue(later.isDone());
            assertEquals(7, ran.get());
        }
    }

    @Test
    void schedule_withDelay_runsNoEarlierThanTheDelay() throws Exception {
        try (WorkqueueRuntime rt = newRuntime()) {
            ScheduledExecutorService es = rt.alloc("ex_sched", Set.of(), 0).asScheduledExecutorService();
            long t0 = System.nanoTime();
            ScheduledFuture<Long> f = es.schedule(() -> System.nanoTime() - t0, 100, TimeUnit.MILLISECONDS);
            assertTrue(f.getDelay(TimeUnit.MILLISECONDS) > 0);
            long took = f.get(WAIT_S, TimeUnit.SECONDS);
            assertTrue(took >= TimeUnit.MILLISECONDS.toNanos(100), "ran after " + took + " ns");
            ScheduledFuture<?> cancelled = es.schedule(() -> fail("cancelled task ran"), 50, TimeUnit.MILLISECONDS);
            assertTrue(cancelled.cancel(false));
            CountDownLatch after = new CountDownLatch(1);
            es.schedule(after::countDown, 150, TimeUnit.MILLISECONDS);
            assertTrue(after.await(WAIT_S, TimeUnit.SECONDS)); // the cancelled one's time has passed
            assertTrue(cancelled.isCancelled());
            es.close();
            assertTrue(es.isTerminated());
        }
    }

    @Test
    void scheduleAtFixedRateAndWithFixedDelay_repeatUntilCancelled() throws Exception {
        try (WorkqueueRuntime rt = newRuntime()) {
            ScheduledExecutorService es = rt.alloc("ex_periodic", Set.of(), 0).asScheduledExecutorService();
            CountDownLatch rate = new CountDownLatch(5);
            CountDownLatch delay = new CountDownLatch(5);
            ScheduledFuture<?> r = es.scheduleAtFixedRate(rate::countDown, 0, 10, TimeUnit.MILLISECONDS);
            ScheduledFuture<?> d = es.scheduleWithFixedDelay(delay::countDown, 5, 10, TimeUnit.MILLISECONDS);
            assertTrue(rate.await(WAIT_S, TimeUnit.SECONDS));
            assertTrue(delay.await(WAIT_S, TimeUnit.SECONDS));
            assertTrue(r.cancel(false));
            assertTrue(r.isDone());
            assertThrows(IllegalArgumentException.class, () -> es.scheduleAtFixedRate(() -> {}, 0, 0, TimeUnit.SECONDS));
            es.shutdown(); // cancels the remaining periodic task
            assertTrue(es.awaitTermination(WAIT_S, TimeUnit.SECONDS));
            assertTrue(d.isCancelled());
        }
    }

    @Test
    void owningView_terminated_destroysTheWorkqueue() throws Exception {
        try (WorkqueueRuntime rt = newRuntime()) {
            Workqueue wq = rt.alloc("ex_owned", Set.of(), 0);
            ScheduledExecutorService es = WorkqueueExecutors.newOwningScheduledExecutorService(wq);
            assertEquals(3, es.submit(() -> 3).get(WAIT_S, TimeUnit.SECONDS));
            es.close();
            assertTrue(es.isTerminated());
            assertTrue(wq.isDestroyed());
            // terminating from one of its own items hands the destroy off
            Workqueue wq2 = rt.alloc("ex_owned2", Set.of(), 0);
            ScheduledExecutorService es2 = WorkqueueExecutors.newOwningScheduledExecutorService(wq2);
            CountDownLatch gate = new CountDownLatch(1);
            es2.execute(() -> {
                try {
                    gate.await(WAIT_S, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            es2.shutdown();
            gate.countDown();
            assertTrue(es2.awaitTermination(WAIT_S, TimeUnit.SECONDS));
            assertTrue(wq2.isDestroyed());
        }
    }
}
