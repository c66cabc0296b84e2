package io.jworkqueue;

/**
 * Receives what a {@link WorkFunction} threw. Set one with
 * {@link WorkqueueRuntime.Builder#uncaughtExceptionHandler(WorkExceptionHandler)}; the default
 * logs through {@link System.Logger} at {@code ERROR} naming the workqueue and the function.
 *
 * <p>The handler runs on the worker thread right after the failed item. A handler that throws
 * is itself logged and ignored; the worker goes on either way.
 */
@FunctionalInterface
public interface WorkExceptionHandler {
    /**
     * Reports one failure.
     *
     * @param workqueue the workqueue the item ran for
     * @param work the item whose function threw
     * @param failure what it threw
     */
    void uncaughtException(Workqueue workqueue, Work work, Throwable failure);
}
