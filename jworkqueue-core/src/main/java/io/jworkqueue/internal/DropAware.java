package io.jworkqueue.internal;

/**
 * A delayed item that must hear when its armed timer is dropped without queueing it: its
 * workqueue was destroyed (or its runtime closed) first. The executor views implement it so
 * that the future of a scheduled task completes, as cancelled, instead of waiting forever.
 * {@link #timerDropped()} runs after the item's PENDING is released, on the thread that
 * destroyed the workqueue or on the timer thread; it must be short and never block.
 */
public interface DropAware {
    /** The item's timer was dropped: the item will not run for it. */
    void timerDropped();
}
