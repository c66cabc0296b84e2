package io.jworkqueue.benchmarks;

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

    static ForkJoinPool forkJoinPool(int n) {
        return new ForkJoinPool(n);
    }

    /** Shuts down whichever competitor a trial built: a baseline executor, or a runtime. */
    static void shutdown(ExecutorService e, io.jworkqueue.WorkqueueRuntime runtime) {
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
