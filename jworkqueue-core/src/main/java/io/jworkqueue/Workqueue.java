package io.jworkqueue;

import java.time.Duration;
import java.util.Set;

/**
 * A workqueue, the kernel's {@code workqueue_struct}: a named domain that carries policy
 * (ordering, {@code maxActive}, priority, freezing, forward-progress guarantee) but owns no
 * threads. Its items run on the worker pools of the {@link WorkqueueRuntime} that allocated it,
 * shared with every other workqueue of that runtime.
 *
 * <p>Obtain one from {@link WorkqueueRuntime#alloc(String, Set, int)} and its siblings.
 * Implementations are thread-safe. Queue calls never block; {@link #flush()}, {@link #drain()},
 * {@link #destroy()} and {@link #close()} may.
 *
 * <p><b>A destroyed workqueue.</b> Once {@link #destroy()} has returned, calls that read or wait
 * return at once, as there is nothing left to wait for: {@link #flush()} and {@link #drain()}
 * return, {@link #isCongested(int)} is false, {@link #destroy()} and {@link #close()} do
 * nothing, the queries ({@link #stats()}, {@link #info()}, {@link #maxActive()}, ...) answer.
 * Calls that would change it throw {@link IllegalStateException} naming the workqueue: every
 * queue call ({@code workqueue 'x' is destroyed; cannot queue ...}) and
 * {@link #setMaxActive(int)} ({@code workqueue 'x' is destroyed}). Argument checks come first
 * (a bad CPU index is still an {@link IllegalArgumentException}).
 */
public interface Workqueue extends AutoCloseable {

    /** @return the name given at allocation */
    String name();

    /** @return the flags given at allocation (unmodifiable); ordered workqueues include {@code UNBOUND} */
    Set<WorkqueueFlag> flags();

    /** @return the current {@code max_active}: per CPU for bound workqueues, system-wide for unbound ones */
    int maxActive();

    /** @return true for an ordered workqueue: one item at a time, in queueing order */
    boolean isOrdered();

    /**
     * {@code queue_work}: queues the item on the pool of the current CPU (for a worker thread, its
     * own pool; otherwise the CPU the runtime's locator reports). Never blocks.
     *
     * @param w the item
     * @return true if queued; false if it was already pending or is disabled
     * @throws NullPointerException if {@code w} is null
     * @throws IllegalStateException if this workqueue is destroyed, or draining and the caller is
     *     not one of its own items; the item is then left not pending
     */
    boolean queue(Work w);

    /**
     * {@code queue_work_on}: queues the item on the given CPU's pool. For an unbound workqueue
     * the CPU only selects the affinity pod.
     *
     * @param cpu the CPU, {@code 0 <= cpu < runtime.cpus()}
     * @param w the item
     * @return true if queued; false if it was already pending or is disabled
     * @throws IllegalArgumentException if {@code cpu} is out of range
     * @throws NullPointerException if {@code w} is null
     * @throws IllegalStateException as for {@link #queue(Work)}
     */
    boolean queueOn(int cpu, Work w);

    /**
     * {@code queue_delayed_work}: arms the item's timer to queue it here after {@code delay}
     * (zero or negative: queue at once, without the timer). If the item is already pending,
     * nothing changes, the existing timer included.
     *
     * @param w the item
     * @param delay how long to wait
     * @return true if armed or queued; false if already pending or disabled
     * @throws NullPointerException if an argument is null
     * @throws IllegalStateException as for {@link #queue(Work)}
     */
    boolean queueDelayed(DelayedWork w, Duration delay);

    /**
     * {@code queue_delayed_work_on}: as {@link #queueDelayed(DelayedWork, Duration)}, the timer
     * queueing on {@code cpu}'s pool.
     *
     * @param cpu the CPU, {@code 0 <= cpu < runtime.cpus()}
     * @param w the item
     * @param delay how long to wait
     * @return true if armed or queued; false if already pending or disabled
     */
    boolean queueDelayedOn(int cpu, DelayedWork w, Duration delay);

    /**
     * {@code mod_delayed_work}: whatever state the item is in (timer armed, queued, idle), takes
     * it and re-arms it with the new delay (zero: queue now). The debounce primitive: calling it on
     * every event runs the item once, {@code delay} after the last event.
     *
     * <p>A disabled item is left alone.
     *
     * @param w the item
     * @param delay the new delay
     * @return false if the item was idle (it is now armed or queued), true if it was pending and
     *     has been re-armed; also false if the item is disabled: then nothing was queued or armed
     *     (check {@link Work#disableDepth()} or {@link Work#isPending()} to tell the two apart)
     * @throws NullPointerException if an argument is null
     * @throws IllegalStateException as for {@link #queue(Work)}
     */
    boolean modDelayed(DelayedWork w, Duration delay);

    /**
     * {@code mod_delayed_work_on}: as {@link #modDelayed(DelayedWork, Duration)} targeting {@code cpu}.
     *
     * @param cpu the CPU, {@code 0 <= cpu < runtime.cpus()}
     * @param w the item
     * @param delay the new delay
     * @return false if the item was idle (or is disabled: nothing queued), true if it was pending
     */
    boolean modDelayedOn(int cpu, DelayedWork w, Duration delay);

    /**
     * {@code flush_workqueue}: waits until every item queued before the call has finished,
     * including items still waiting for {@code maxActive}. Items queued afterwards, chained ones
     * included, are not waited for, so a busy workqueue cannot hold a flusher forever. Timers
     * that have not fired are not waited for. Any number of threads may flush at once.
     *
     * @throws IllegalStateException if called from one of this workqueue's own items
     */
    void flush();

    /**
     * Timed {@code flush_workqueue}: as {@link #flush()}, waiting at most {@code timeout}, for a
     * service that must stop within a deadline. A flush that times out leaves nothing behind:
     * later flushes, timed or not, work as before.
     *
     * @param timeout the longest wait; zero or negative only checks
     * @return true if every item queued before the call has finished (also when there was none),
     *     false if the timeout expired first
     * @throws NullPointerException if {@code timeout} is null
     * @throws IllegalStateException if called from one of this workqueue's own items
     */
    boolean flush(Duration timeout);

    /**
     * {@code drain_workqueue}: flushes repeatedly until nothing is left. While draining, only the
     * workqueue's own items may queue to it (chained work); other queue calls throw
     * {@link IllegalStateException}. Timers that expire during the drain still queue.
     *
     * @throws IllegalStateException if called from one of this workqueue's own items
     */
    void drain();

    /**
     * {@code destroy_workqueue}: cancels armed timers that target this workqueue (reporting each
     * through {@link System.Logger} at {@code WARNING}, as the kernel warns), drains it, and
     * releases it. Queued work runs to completion first; afterwards every queue call throws
     * {@link IllegalStateException}. Idempotent.
     *
     * @throws IllegalStateException if called from one of this workqueue's own items, or on a
     *     system workqueue
     */
    void destroy();

    /** Same as {@link #destroy()}, for try-with-resources. */
    @Override
    void close();

    /**
     * {@code workqueue_set_max_active}: changes {@code maxActive}. Raising it activates waiting
     * items at once; lowering it lets running items finish.
     *
     * @param maxActive {@code 1..2048}, or 0 for the default (1024)
     * @throws IllegalArgumentException if out of range
     * @throws IllegalStateException for an ordered workqueue, whose limit is fixed at 1, or a
     *     destroyed one
     */
    void setMaxActive(int maxActive);

    /**
     * {@code enable_and_queue_work}: {@link Work#enable()}, and if that leaves the item enabled,
     * {@link #queue(Work)}.
     *
     * @param w the item
     * @return true if the item became enabled (and was queued unless already pending)
     * @throws NullPointerException if {@code w} is null
     * @throws IllegalStateException if the item is not disabled, or as {@link #queue(Work)}
     */
    default boolean enableAndQueue(Work w) {
        java.util.Objects.requireNonNull(w, "work");
        if (w.enable()) {
            queue(w);
            return true;
        }
        return false;
    }

    /**
     * The attributes of an unbound workqueue.
     *
     * @return the current attributes
     * @throws IllegalStateException for a bound workqueue
     */
    WorkqueueAttrs attrs();

    /**
     * {@code apply_workqueue_attrs}: new items go to pools with the new attributes while items
     * already on the old ones finish there; an ordered workqueue stays FIFO (its new pool starts
     * only after the old one drains).
     *
     * @param attrs the new attributes
     * @throws NullPointerException if {@code attrs} is null
     * @throws IllegalArgumentException if {@code attrs.cpus()} names a CPU the runtime lacks
     * @throws IllegalStateException for a bound or destroyed workqueue
     */
    void applyAttrs(WorkqueueAttrs attrs);

    /**
     * {@code workqueue_congested}: whether the pool workqueue serving {@code cpu} has items
     * waiting because {@code maxActive} is reached. Advisory.
     *
     * @param cpu the CPU, {@code 0 <= cpu < runtime.cpus()}
     * @return true if congested
     */
    boolean isCongested(int cpu);

    /** @return true once {@link #destroy()} has finished */
    boolean isDestroyed();

    /** @return a snapshot of the workqueue's statistics counters */
    WorkqueueStats stats();

    /**
     * @return a snapshot of this workqueue: configuration, load, counters and serving pools (the
     *     entry {@link WorkqueueRuntime#workqueueInfos()} holds for it)
     */
    WorkqueueInfo info();

    /**
     * An {@link java.util.concurrent.Executor} whose {@code execute(r)} queues {@code r} here as a
     * fresh {@link Work}; see {@link WorkqueueExecutors#executor(Workqueue)}.
     *
     * @return the executor; {@code execute} throws {@link NullPointerException} for null and
     *     {@link java.util.concurrent.RejectedExecutionException} when this workqueue is
     *     destroyed or draining
     */
    default java.util.concurrent.Executor asExecutor() {
        return WorkqueueExecutors.executor(this);
    }

    /**
     * A new {@link java.util.concurrent.ScheduledExecutorService} view of this workqueue (submit,
     * invokeAll/invokeAny, schedule on the timer wheel, fixed rate and fixed delay). The view
     * does not own the workqueue: its {@code shutdown}/{@code shutdownNow}/{@code close} stop the
     * view, not the workqueue. See {@link WorkqueueExecutors}.
     *
     * @return a new, non-owning view
     */
    default java.util.concurrent.ScheduledExecutorService asScheduledExecutorService() {
        return WorkqueueExecutors.newScheduledExecutorService(this);
    }

    /** @return the runtime whose pools serve this workqueue */
    WorkqueueRuntime runtime();
}
