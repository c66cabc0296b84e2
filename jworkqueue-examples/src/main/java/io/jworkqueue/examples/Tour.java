package io.jworkqueue.examples;

import io.jworkqueue.DelayedWork;
import io.jworkqueue.Work;
import io.jworkqueue.Workqueue;
import io.jworkqueue.WorkqueueFlag;
import io.jworkqueue.WorkqueueRuntime;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A short tour: queues, delays, debounces, cancels and flushes work, printing what happens.
 * Run it with the README's first command.
 */
public final class Tour {
    private static final long T0 = System.nanoTime();

    private Tour() {}

    private static void say(String fmt, Object... args) {
        long ms = (System.nanoTime() - T0) / 1_000_000;
        String thread = Thread.currentThread().getName();
        System.out.printf("%6d ms  %-12s %s%n", ms, thread.startsWith("kworker") ? thread : "main", String.format(fmt, args));
    }

    public static void main(String[] args) throws Exception {
        try (WorkqueueRuntime rt = WorkqueueRuntime.builder()
                .cpus(2)
                .uncaughtExceptionHandler((wq, work, failure) ->
                        say("workqueue '%s' reported a failure: %s (the worker goes on)", wq.name(), failure))
                .build()) {
            say("runtime with %d CPUs: %d worker threads before any work", rt.cpus(), rt.workerCount());

            // 1. A work item is its own queue node: queueing a pending item is a no-op.
            Work hello = new Work(self -> say("hello from a bound worker"));
            boolean first = rt.system().queueOn(0, hello);
            boolean second = rt.system().queueOn(0, hello);
            say("queue -> %b, queue again while pending -> %b", first, second);
            hello.flush();

            // 2. An ordered workqueue runs one item at a time in queueing order.
            Workqueue ordered = rt.allocOrdered("tour_ordered", Set.of());
            StringBuilder order = new StringBuilder();
            for (int i = 0; i < 5; i++) {
                int n = i;
                ordered.queue(new Work(self -> order.append(n)));
            }
            ordered.flush();
            say("ordered workqueue ran items in order: %s", order);

            // 3. Delayed work: a timer inside the item; flush() fires an armed timer at once.
            DelayedWork later = new DelayedWork(self -> say("delayed item ran"));
            rt.systemUnbound().queueDelayed(later, Duration.ofMillis(50));
            say("armed a 50 ms timer; %d ms left", later.getDelay(TimeUnit.MILLISECONDS));
            later.flush();

            // 4. Debounce with modDelayed: many events, one run, 30 ms after the last.
            AtomicInteger saves = new AtomicInteger();
            CountDownLatch saved = new CountDownLatch(1);
            DelayedWork save = new DelayedWork(self -> {
                say("debounced save #%d", saves.incrementAndGet());
                saved.countDown();
            });
            int pendingHits = 0;
            for (int i = 0; i < 10; i++) {
                if (rt.systemUnbound().modDelayed(save, Duration.ofMillis(30))) {
                    pendingHits++;
                }
                Thread.sleep(5); // the events arrive 5 ms apart
            }
            saved.await(5, TimeUnit.SECONDS);
            save.flush();
            say("10 edits -> %d save(s); modDelayed found it pending %d times", saves.get(), pendingHits);

            // 5. cancel() removes a pending instance; cancelSync() also waits for a running one.
            DelayedWork never = new DelayedWork(self -> say("this never prints"));
            rt.systemUnbound().queueDelayed(never, Duration.ofHours(1));
            say("cancel of an armed item -> %b, pending now %b", never.cancel(), never.isPending());

            Workqueue loop = rt.alloc("tour_loop", EnumSet.of(WorkqueueFlag.UNBOUND), 0);
            AtomicInteger spins = new AtomicInteger();
            Work selfRequeue = new Work(self -> {
                spins.incrementAndGet();
                loop.queue(self); // requeues itself forever
            });
            loop.queue(selfRequeue);
            while (spins.get() < 1000) {
                Thread.onSpinWait();
            }
            selfRequeue.cancelSync();
            int after = spins.get();
            loop.flush();
            say("cancelSync stopped a self-requeueing item after %d runs (still %d after a flush)", after, spins.get());

            // 6. A throwing function never kills its worker.
            rt.systemUnbound().queue(new Work(self -> {
                throw new IllegalStateException("boom");
            }));
            rt.systemUnbound().flush();

            // 7. Flushing your own workqueue from inside it would deadlock: it throws instead.
            CountDownLatch checked = new CountDownLatch(1);
            loop.queue(new Work(self -> {
                try {
                    loop.flush();
                } catch (IllegalStateException e) {
                    say("self-flush refused: %s", e.getMessage());
                }
                checked.countDown();
            }));
            checked.await(5, TimeUnit.SECONDS);

            say("stats: %s", loop.stats());
            say("%d worker threads; closing", rt.workerCount());
        }
        say("closed");
    }
}
