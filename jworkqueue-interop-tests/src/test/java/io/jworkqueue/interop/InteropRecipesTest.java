package io.jworkqueue.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.benmanes.caffeine.cache.AsyncLoadingCache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.jworkqueue.Work;
import io.jworkqueue.Workqueue;
import io.jworkqueue.WorkqueueFlag;
import io.jworkqueue.WorkqueueRuntime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import kotlinx.coroutines.BuildersKt;
import kotlinx.coroutines.CoroutineDispatcher;
import kotlinx.coroutines.ExecutorsKt;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.core.task.TaskExecutor;
import org.springframework.scheduling.TaskScheduler;
import org.springframework.scheduling.concurrent.ConcurrentTaskExecutor;
import org.springframework.scheduling.concurrent.ConcurrentTaskScheduler;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * The recipes of {@code docs/INTEROP.md}, compiled against the libraries and run: each shows that
 * the library's tasks ran as work items of the workqueue (inside a work function, counted by the
 * workqueue's statistics) and gave the right result.
 */
class InteropRecipesTest {

    private WorkqueueRuntime runtime;
    private Workqueue wq;
    /** Tasks that found themselves running inside a work function. */
    private final AtomicInteger onWorkqueue = new AtomicInteger();

    @BeforeEach
    void setUp() {
        runtime = WorkqueueRuntime.builder().name("interop").cpus(2).build();
        wq = runtime.alloc("interop", Set.of(WorkqueueFlag.UNBOUND), 0);
    }

    @AfterEach
    void tearDown() {
        runtime.close();
    }

    /** Called by the libraries' tasks: counts the call if it runs as a work item. */
    private <T> T onWq(T value) {
        if (Work.current() != null) {
            onWorkqueue.incrementAndGet();
        }
        return value;
    }

    /**
     * @param calls how many calls of {@link #onWq} must have run inside work functions (a
     *     library may run several in one task: Reactor drains a batch of signals per task)
     */
    private void assertRanAsWorkItems(int calls) {
        assertTrue(onWorkqueue.get() >= calls, onWorkqueue.get() + " calls ran as work items, expected " + calls);
        wq.flush(); // the item that returned the result may still be finishing: its count comes after
        assertTrue(wq.stats().completed() >= 1, "the workqueue finished " + wq.stats().completed() + " items");
    }

    @Test
    @Timeout(60)
    void completableFuture_supplyAsyncOnTheExecutorView() throws Exception {
        // INTEROP.md: CompletableFuture
        Executor ex = wq.asExecutor();
        CompletableFuture<Integer> length = CompletableFuture
                .supplyAsync(() -> onWq("jworkqueue"), ex)          // runs as a Work on wq
                .thenApplyAsync(s -> onWq(s.length()), ex);         // so does each async stage
        assertEquals(10, length.get(30, TimeUnit.SECONDS));
        assertRanAsWorkItems(2);
    }

    @Test
    @Timeout(60)
    void spring_taskExecutorAndConcurrentTaskSchedulerOverTheScheduledView() throws Exception {
        // INTEROP.md: Spring
        ScheduledExecutorService ses = wq.asScheduledExecutorService();
        TaskExecutor taskExecutor = new ConcurrentTaskExecutor(ses);
        TaskScheduler taskScheduler = new ConcurrentTaskScheduler(ses, ses);

        CountDownLatch executed = new CountDownLatch(1);
        taskExecutor.execute(() -> onWq(executed).countDown());
        CountDownLatch once = new CountDownLatch(1);
        taskScheduler.schedule(() -> onWq(once).countDown(), Instant.now().plusMillis(20));
        CountDownLatch ticks = new CountDownLatch(3);
        ScheduledFuture<?> periodic = taskScheduler.scheduleAtFixedRate(() -> onWq(ticks).countDown(), Duration.ofMillis(10));

        assertTrue(executed.await(30, TimeUnit.SECONDS), "TaskExecutor.execute ran");
        assertTrue(once.await(30, TimeUnit.SECONDS), "TaskScheduler.schedule ran");
        assertTrue(ticks.await(30, TimeUnit.SECONDS), "scheduleAtFixedRate ticked three times");
        periodic.cancel(false);
        ses.close(); // stops the view (the workqueue stays)
        assertRanAsWorkItems(5);
        assertTrue(!wq.isDestroyed(), "closing the view leaves the workqueue alone");
    }

    @Test
    @Timeout(60)
    void reactor_schedulersFromExecutorService() {
        // INTEROP.md: Reactor
        Scheduler scheduler = Schedulers.fromExecutorService(wq.asScheduledExecutorService(), "wq-interop");
        try {
            int sum = Flux.range(1, 100)
                    .publishOn(scheduler)                            // onNext signals run as work items
                    .map(i -> onWq(i * 2))
                    .reduce(0, Integer::sum)
                    .block(Duration.ofSeconds(30));
            assertEquals(10100, sum);
            Long tick = Mono.delay(Duration.ofMillis(10), scheduler) // a DelayedWork on the timer wheel
                    .map(this::onWq)
                    .block(Duration.ofSeconds(30));
            assertEquals(0L, tick);
        } finally {
            scheduler.dispose(); // shuts the view down, not the workqueue
        }
        assertRanAsWorkItems(101);
    }

    @Test
    @Timeout(60)
    void kotlinCoroutines_asCoroutineDispatcherFromJava() throws Exception {
        // INTEROP.md: Kotlin coroutines (Kotlin: wq.asExecutor().asCoroutineDispatcher())
        CoroutineDispatcher dispatcher = ExecutorsKt.from(wq.asExecutor());
        String result = BuildersKt.runBlocking(dispatcher, (scope, continuation) -> onWq("ran on " + wq.name()));
        assertEquals("ran on interop", result);
        assertRanAsWorkItems(1);
    }

    @Test
    @Timeout(60)
    void caffeine_executorRunsLoadsAndListeners() throws Exception {
        // INTEROP.md: Caffeine
        List<String> removed = new java.util.concurrent.CopyOnWriteArrayList<>();
        CountDownLatch removal = new CountDownLatch(1);
        AsyncLoadingCache<String, Integer> cache = Caffeine.newBuilder()
                .executor(wq.asExecutor())                           // loads, refreshes, listeners
                .removalListener((String key, Integer value, com.github.benmanes.caffeine.cache.RemovalCause cause) -> {
                    removed.add(onWq(key));
                    removal.countDown();
                })
                .buildAsync(key -> onWq(key.length()));
        assertEquals(5, cache.get("hello").get(30, TimeUnit.SECONDS));
        assertEquals(Integer.valueOf(5), cache.synchronous().getIfPresent("hello"));
        cache.synchronous().invalidate("hello");
        assertTrue(removal.await(30, TimeUnit.SECONDS), "the removal listener ran");
        assertEquals(List.of("hello"), removed);
        assertRanAsWorkItems(2);
    }

    @Test
    @Timeout(60)
    void destroyedWorkqueue_tasksAreRejectedNotLost() {
        Executor ex = wq.asExecutor();
        Scheduler scheduler = Schedulers.fromExecutorService(wq.asScheduledExecutorService(), "wq-destroyed");
        wq.destroy();
        // CompletableFuture: execute throws, and supplyAsync with it.
        assertThrows(RejectedExecutionException.class, () -> CompletableFuture.supplyAsync(() -> 1, ex));
        // Reactor: the rejection arrives as the error signal.
        Throwable e = assertThrows(Throwable.class,
                () -> Mono.fromCallable(() -> 1).subscribeOn(scheduler).block(Duration.ofSeconds(30)));
        assertTrue(e instanceof RejectedExecutionException || e.getCause() instanceof RejectedExecutionException, e.toString());
        scheduler.dispose();
    }
}
