package io.jworkqueue.stress;

import java.util.concurrent.atomic.AtomicReference;

/**
 * A thread of a scenario whose failure is not lost: what it throws is kept and thrown again by
 * {@link #join()} in the thread that started it. (A test fails on what its own thread throws; a
 * failure in another thread would only be printed. The same holds for Lincheck's model checker,
 * which fails an invocation on what the main thread of the block throws.)
 */
final class ScenarioThread {
    private final Thread thread;
    private final AtomicReference<Throwable> failure = new AtomicReference<>();

    private ScenarioThread(Runnable r) {
        thread = new Thread(() -> {
            try {
                r.run();
            } catch (Throwable t) {
                failure.set(t);
            }
        });
    }

    /** Starts {@code r} on a new thread. */
    static ScenarioThread start(Runnable r) {
        ScenarioThread t = new ScenarioThread(r);
        t.thread.start();
        return t;
    }

    /** Waits for the thread to end, then throws what it threw (an Error as it is). */
    void join() {
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while joining a scenario thread", e);
        }
        Throwable t = failure.get();
        if (t instanceof Error e) {
            throw e;
        }
        if (t != null) {
            throw new AssertionError("scenario thread failed", t);
        }
    }
}
