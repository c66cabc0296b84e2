package io.jworkqueue.benchmarks;

import io.jworkqueue.Work;
import io.jworkqueue.Workqueue;
import io.jworkqueue.WorkqueueRuntime;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/** Baseline executors, built the way their users build them, and their shutdown. */
final class Executors2 {
    private Executors2() {}

    static int cpus() {
        return Runtime.getRuntime().availableProcessors();
    }

    /** {@code Executors.newFixedThreadPool(n)}, spelled out. */
    static ThreadPoolExecutor fixedPool(int n) {
        return new ThreadPoolExecutor(n, n, 0L, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>());
    }

    /** {@code Executors.newVirtualThreadPerTaskExecutor()}: a new virtual thread per task. */
    static ExecutorService virtualPerTask() {
        return java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor();
    }

    /**
     * A runtime of {@code cpus} CPUs with the defaults, its unbound workers platform threads or,
     * with {@code virtualUnbound}, virtual threads ({@code virtualUnboundWorkers(true)}).
     */
    static WorkqueueRuntime runtime(int cpus, boolean virtualUnbound) {
        return WorkqueueRuntime.builder().cpus(cpus).virtualUnboundWorkers(virtualUnbound).build();
    }

    static ForkJoinPool forkJoinPool(int n) {
        return new ForkJoinPool(n);
    }

    /**
     * Submits a batch to whichever competitor a trial built: every item with {@code wq.queue(..)},
     * or, when {@code wq} is null, every task with {@code executor.execute(..)}.
     */
    static void submitAll(Workqueue wq, Work[] items, Executor executor, Runnable[] tasks) {
        if (wq != null) {
            for (Work w : items) {
                wq.queue(w);
            }
        } else {
            for (Runnable r : tasks) {
                executor.execute(r);
            }
        }
    }

    /** Shuts down whichever competitor a trial built: a baseline executor, or a runtime. */
    static void shutdown(ExecutorService e, WorkqueueRuntime runtime) {
        shutdown(e);
        if (runtime != null) {
            runtime.close();
        }
    }

    static void shutdown(ExecutorService e) {
        if (e == null) {
            return;
        }
        e.shutdownNow();
        try {
            e.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
        }
    }
}
