package io.jworkqueue;

import io.jworkqueue.internal.WorkOps;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * A work item with its own timer, the kernel's {@code delayed_work}. Queue it with
 * {@link Workqueue#queueDelayed(DelayedWork, java.time.Duration)}: the timer records the target
 * workqueue and CPU and queues the item there when it expires. Re-arm it with
 * {@link Workqueue#modDelayed(DelayedWork, java.time.Duration)} (the debounce primitive).
 *
 * <p>The timer node lives inside the item, so arming, re-arming and cancelling allocate nothing
 * and take constant time. Timers have millisecond resolution and fire no earlier than asked.
 *
 * <p>{@link #cancel()}, {@link #cancelSync()}, {@link #flush()} and the {@code disable} calls
 * behave as the kernel's {@code *_delayed_work} variants: they also stop an armed timer, and
 * {@link #flush()} fires an armed timer at once before waiting.
 */
public class DelayedWork extends Work {
    // Guarded by the runtime's timer wheel lock (T), see internal.TimerWheel.
    @SuppressWarnings("unused")
    private DelayedWork timerNext, timerPrev;
    @SuppressWarnings("unused")
    private long expiresTick;
    @SuppressWarnings("unused")
    private int timerBucket;
    @SuppressWarnings("unused")
    private volatile int timerState;
    /** O: the workqueue and CPU the timer queues to, recorded when armed. */
    @SuppressWarnings("unused")
    private volatile Object target;
    @SuppressWarnings("unused")
    private int targetCpu;

    /**
     * Creates an idle delayed item ({@code INIT_DELAYED_WORK}).
     *
     * @param fn the function to run
     * @throws NullPointerException if {@code fn} is null
     */
    public DelayedWork(WorkFunction fn) {
        super(fn);
    }

    /**
     * Creates an idle delayed item with a description ({@link Work#Work(String, WorkFunction)}).
     *
     * @param description what the item does, shown in dumps, JFR events and reports
     * @param fn the function to run
     * @throws NullPointerException if {@code description} or {@code fn} is null
     */
    public DelayedWork(String description, WorkFunction fn) {
        super(description, fn);
    }

    /**
     * {@code delayed_work_pending}-style query of the timer: whether the timer is armed.
     *
     * @return true if the timer is armed and has not fired yet
     */
    public final boolean isTimerArmed() {
        return WorkOps.isTimerArmed(this);
    }

    /**
     * The time left until the armed timer fires, rounded to the timer's millisecond resolution.
     *
     * @param unit the unit of the result
     * @return the remaining delay (zero or negative when due), or {@link Long#MAX_VALUE} if the
     *     timer is not armed
     * @throws NullPointerException if {@code unit} is null
     */
    public final long getDelay(TimeUnit unit) {
        Objects.requireNonNull(unit, "unit");
        return WorkOps.remainingDelay(this, unit);
    }
}
