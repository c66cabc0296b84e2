package io.jworkqueue;

import io.jworkqueue.internal.DropAware;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Delayed;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.FutureTask;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.RunnableFuture;
import java.util.concurrent.RunnableScheduledFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Adapters from a {@link Workqueue} to the {@code java.util.concurrent} executor interfaces, for
 * code written against {@link Executor} or {@link ScheduledExecutorService}. Each task becomes a
 * fresh {@link Work} (a {@link DelayedWork} when scheduled, armed on the runtime's timer wheel)
 * queued on the workqueue, so tasks get the workqueue's policy: its pools, {@code maxActive},
 * ordering, freezing.
 *
 * <p><b>Ownership.</b> A view made by {@link #newScheduledExecutorService(Workqueue)} (or
 * {@link Workqueue#asScheduledExecutorService()}) does not own the workqueue: its
 * {@code shutdown}, {@code shutdownNow} and {@code close} stop the <em>view</em> (no new tasks;
 * its own tasks finish or are drained) and leave the workqueue, and other users of it, alone.
 * A view made by {@link #newOwningScheduledExecutorService(Workqueue)} also destroys the
 * workqueue once it has terminated. Destroying the workqueue behind a view's back makes the
 * view reject new tasks, and completes the futures of its delayed and periodic tasks still
 * waiting for their timer as cancelled (so does closing the runtime): no {@code get()} waits
 * forever, and a view shut down then terminates. {@code awaitTermination} with a zero, negative
 * or already expired timeout returns at once; a huge one waits as long as it can.
 */
public final class WorkqueueExecutors {
    private WorkqueueExecutors() {}

    /**
     * An {@link Executor} whose {@code execute(r)} queues {@code r} on {@code wq} as a fresh
     * {@link Work}. What {@code r} throws goes to the runtime's uncaught-exception handler.
     *
     * @param wq the workqueue
     * @return the executor
     * @throws NullPointerException if {@code wq} is null; {@code execute(null)} too
     */
    public static Executor executor(Workqueue wq) {
        Objects.requireNonNull(wq, "wq");
        return new WorkqueueExecutor(wq);
    }

    /**
     * A {@link ScheduledExecutorService} view of {@code wq} that does not own it (see the class
     * comment).
     *
     * @param wq the workqueue
     * @return a new view
     */
    public static ScheduledExecutorService newScheduledExecutorService(Workqueue wq) {
        return new View(Objects.requireNonNull(wq, "wq"), false);
    }

    /**
     * A {@link ScheduledExecutorService} view that owns {@code wq}: once the view has terminated
     * (after {@code shutdown} or {@code shutdownNow}, when its tasks are done) it destroys the
     * workqueue, so {@code awaitTermination} and {@code close} return with the workqueue destroyed.
     *
     * @param wq the workqueue, used by nobody else
     * @return a new owning view
     */
    public static ScheduledExecutorService newOwningScheduledExecutorService(Workqueue wq) {
        return new View(Objects.requireNonNull(wq, "wq"), true);
    }

    private static RejectedExecutionException rejected(Workqueue wq, Object task, RuntimeException cause) {
        return new RejectedExecutionException("workqueue '" + wq.name() + "' rejected " + task
                + (cause != null ? ": " + cause.getMessage() : ": the executor view is shut down"), cause);
    }

    /** The plain {@link Executor}. */
    private record WorkqueueExecutor(Workqueue wq) implements Executor {
        @Override
        public void execute(Runnable command) {
            Objects.requireNonNull(command, "command");
            try {
                wq.queue(new Work(self -> command.run()));
            } catch (IllegalStateException e) {
                throw rejected(wq, command, e);
            }
        }

        @Override
        public String toString() {
            return "Executor[" + wq.name() + "]";
        }
    }

    /**
     * The {@link ScheduledExecutorService} view. Outstanding tasks (queued, armed, running, also
     * when cancelled while running, or periodic between runs) are kept in {@link #tasks}; the
     * view terminates once it is shut down and that set is empty. As in {@link java.util.concurrent.ScheduledThreadPoolExecutor}
     * with its default policies, {@code shutdown} cancels periodic tasks and lets delayed ones
     * run; {@code shutdownNow} returns the tasks never started without cancelling them.
     */
    private static final class View extends AbstractExecutorService implements ScheduledExecutorService {
        private final Workqueue wq;
        private final boolean owning;
        private final Set<Task<?>> tasks = ConcurrentHashMap.newKeySet();
        private volatile boolean shutdown;
        private volatile boolean terminated;
        private boolean terminating; // guarded by this

        View(Workqueue wq, boolean owning) {
            this.wq = wq;
            this.owning = owning;
        }

        // ------------------------------------------------------------------ tasks

        /** A task: a FutureTask run by its own work item. */
        private final class Task<V> extends FutureTask<V> implements RunnableScheduledFuture<V> {
            final Runnable source; // what shutdownNow returns
            final Work work;
            /** 0: one-shot; > 0: fixed rate; < 0: fixed delay (nanos). */
            final long period;
            volatile long time; // nanoTime of the (next) trigger
            private Thread runner; // guarded by this: the thread running it, for shutdownNow

            Task(Callable<V> c, Runnable source, long delayNanos, long period, boolean delayed) {
                super(c);
                this.source = source == null ? this : source;
                this.period = period;
                this.time = System.nanoTime() + Math.max(0, delayNanos);
                this.work = delayed ? new DroppableWork(this) : new Work(self -> runTask());
            }

            Task(Runnable r, V result, Runnable source, long delayNanos, long period, boolean delayed) {
                this(Executors.callable(r, result), source, delayNanos, period, delayed);
            }

            View view() {
                return View.this;
            }

            private void runTask() {
                synchronized (this) {
                    runner = Thread.currentThread();
                }
                try {
                    if (!isPeriodic()) {
                        run();
                    } else if (runAndReset()) {
                        rearm();
                    }
                } finally {
                    synchronized (this) {
                        runner = null;
                    }
                    if (isDone()) {
                        retire();
                    }
                }
            }

            /** Leaves the view's books: the task is done and no longer running. */
            private void retire() {
                tasks.remove(this);
                if (shutdown) {
                    tryTerminate();
                }
            }

            private void rearm() {
                if (shutdown) {
                    cancel(false);
                    return;
                }
                long now = System.nanoTime();
                time = period > 0 ? time + period : now - period;
                try {
                    wq.queueDelayed((DelayedWork) work, Duration.ofNanos(time - now));
                } catch (IllegalStateException e) {
                    cancel(false);
                }
                if (isDone()) {
                    work.cancel(); // cancelled while re-arming: cancel() may have missed the timer
                }
            }

            synchronized void interruptIfRunning() {
                if (runner != null) {
                    runner.interrupt();
                }
            }

            @Override
            public boolean isPeriodic() {
                return period != 0;
            }

            @Override
            public long getDelay(TimeUnit unit) {
                return unit.convert(time - System.nanoTime(), TimeUnit.NANOSECONDS);
            }

            @Override
            public int compareTo(Delayed o) {
                if (o == this) {
                    return 0;
                }
                return Long.compare(getDelay(TimeUnit.NANOSECONDS), o.getDelay(TimeUnit.NANOSECONDS));
            }

            /**
             * Cancels the future, then takes the item off the workqueue or its timer, and only
             * then leaves the view's books: an owning view that terminates now destroys a
             * workqueue with no timer of this task left armed. Nothing of the view is in flight
             * then, so that destroy does not wait.
             */
            @Override
            public boolean cancel(boolean mayInterruptIfRunning) {
                boolean cancelled = super.cancel(mayInterruptIfRunning);
                if (cancelled) {
                    work.cancel(); // dequeue or disarm: a task not yet started never runs
                    synchronized (this) {
                        if (runner != null) {
                            return true; // cancelled while running: it leaves when its run ends (runTask)
                        }
                    }
                    retire();
                }
                return cancelled;
            }

            @Override
            public String toString() {
                return "Task[" + (source == this ? "" : source + ", ") + super.toString() + "]";
            }
        }

        /** A scheduled task's item: its future is cancelled if the timer is dropped unrun. */
        private static final class DroppableWork extends DelayedWork implements DropAware {
            private final Task<?> task;

            DroppableWork(Task<?> task) {
                super(self -> task.runTask());
                this.task = task;
            }

            @Override
            public void timerDropped() {
                task.cancel(false); // the workqueue was destroyed or the runtime closed
            }
        }

        private void submitTask(Task<?> t, long delayNanos) {
            tasks.add(t);
            if (shutdown) {
                tasks.remove(t);
                tryTerminate();
                throw rejected(wq, t.source, null);
            }
            try {
                if (t.work instanceof DelayedWork dw) {
                    wq.queueDelayed(dw, Duration.ofNanos(Math.max(0, delayNanos)));
                } else {
                    wq.queue(t.work);
                }
            } catch (IllegalStateException e) {
                tasks.remove(t);
                if (shutdown) {
                    tryTerminate();
                }
                throw rejected(wq, t.source, e);
            }
        }

        @Override
        protected <T> RunnableFuture<T> newTaskFor(Runnable runnable, T value) {
            return new Task<>(runnable, value, null, 0, 0, false);
        }

        @Override
        protected <T> RunnableFuture<T> newTaskFor(Callable<T> callable) {
            return new Task<>(callable, null, 0, 0, false);
        }

        @Override
        public void execute(Runnable command) {
            Objects.requireNonNull(command, "command");
            if (command instanceof Task<?> t && t.view() == this && !t.isDone() && !tasks.contains(t)) {
                submitTask(t, 0); // from submit / invokeAll / invokeAny via newTaskFor
            } else {
                submitTask(new Task<>(command, null, command, 0, 0, false), 0);
            }
        }

        @Override
        public ScheduledFuture<?> schedule(Runnable command, long delay, TimeUnit unit) {
            Objects.requireNonNull(command, "command");
            Objects.requireNonNull(unit, "unit");
            long d = unit.toNanos(delay);
            Task<?> t = new Task<>(command, null, null, d, 0, true);
            submitTask(t, d);
            return t;
        }

        @Override
        public <V> ScheduledFuture<V> schedule(Callable<V> callable, long delay, TimeUnit unit) {
            Objects.requireNonNull(callable, "callable");
            Objects.requireNonNull(unit, "unit");
            long d = unit.toNanos(delay);
            Task<V> t = new Task<>(callable, null, d, 0, true);
            submitTask(t, d);
            return t;
        }

        private ScheduledFuture<?> periodic(Runnable command, long initialDelay, long period, TimeUnit unit, boolean rate) {
            Objects.requireNonNull(command, "command");
            Objects.requireNonNull(unit, "unit");
            if (period <= 0) {
                throw new IllegalArgumentException("workqueue '" + wq.name() + "': period " + period + " " + unit
                        + " must be positive");
            }
            long d = unit.toNanos(initialDelay);
            long p = Math.max(1, unit.toNanos(period));
            Task<?> t = new Task<>(command, null, null, d, rate ? p : -p, true);
            submitTask(t, d);
            return t;
        }

        @Override
        public ScheduledFuture<?> scheduleAtFixedRate(Runnable command, long initialDelay, long period, TimeUnit unit) {
            return periodic(command, initialDelay, period, unit, true);
        }

        @Override
        public ScheduledFuture<?> scheduleWithFixedDelay(Runnable command, long initialDelay, long delay, TimeUnit unit) {
            return periodic(command, initialDelay, delay, unit, false);
        }

        // ------------------------------------------------------------------ lifecycle

        @Override
        public void shutdown() {
            shutdown = true;
            for (Task<?> t : tasks) {
                if (t.isPeriodic()) {
                    t.cancel(false);
                }
            }
            tryTerminate();
        }

        @Override
        public List<Runnable> shutdownNow() {
            shutdown = true;
            List<Runnable> never = new ArrayList<>();
            List<Task<?>> running = new ArrayList<>();
            // Take every waiting task off the workqueue before interrupting anyone: a running task
            // that ends early on its interrupt would otherwise let the next one start (on an
            // ordered workqueue, say) before this loop reaches it.
            for (Task<?> t : tasks) {
                if (t.work.cancel()) {
                    // Was queued or armed, now off the workqueue: it never starts (for a periodic
                    // task, never again). Returned as the JDK executors do, not cancelled.
                    tasks.remove(t);
                    never.add(t.source);
                } else {
                    running.add(t);
                }
            }
            for (Task<?> t : running) {
                t.interruptIfRunning();
            }
            tryTerminate();
            return never;
        }

        @Override
        public boolean isShutdown() {
            return shutdown;
        }

        @Override
        public boolean isTerminated() {
            return terminated;
        }

        private void tryTerminate() {
            synchronized (this) {
                if (terminated || terminating || !shutdown || !tasks.isEmpty()) {
                    return;
                }
                terminating = true;
            }
            if (!owning || wq.isDestroyed()) {
                markTerminated();
            } else if (Work.current() != null) {
                // Possibly on one of the workqueue's own items, which cannot destroy it: hand off.
                try {
                    wq.runtime().systemUnbound().queue(new Work(self -> destroyAndTerminate()));
                } catch (IllegalStateException e) {
                    markTerminated(); // the runtime is closing: its close destroys the workqueue
                }
            } else {
                destroyAndTerminate();
            }
        }

        private void destroyAndTerminate() {
            try {
                wq.destroy();
            } finally {
                markTerminated();
            }
        }

        private synchronized void markTerminated() {
            terminated = true;
            notifyAll();
        }

        @Override
        public boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
            // toNanos saturates. An expired timeout returns at once; a positive one less the
            // (non-negative) time elapsed cannot overflow, where a deadline now + timeout might.
            long nanos = unit.toNanos(timeout);
            long start = System.nanoTime();
            synchronized (this) {
                if (nanos <= 0) {
                    return terminated;
                }
                while (!terminated) {
                    long left = nanos - (System.nanoTime() - start);
                    if (left <= 0) {
                        return false;
                    }
                    TimeUnit.NANOSECONDS.timedWait(this, left);
                }
                return true;
            }
        }

        @Override
        public String toString() {
            return "ScheduledExecutorService[" + wq.name() + (owning ? ", owning" : "")
                    + (terminated ? ", terminated" : shutdown ? ", shutdown" : "") + ", tasks=" + tasks.size() + "]";
        }
    }
}
