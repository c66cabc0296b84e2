package io.jworkqueue;

/**
 * The function a {@link Work} item runs: the kernel's {@code work_func_t}.
 *
 * <p>The function receives the item itself, so it can requeue it, read fields of a subclass,
 * or hand it to {@link Work#current()}-style bookkeeping. It runs on a worker thread with the
 * interrupt status cleared. If it throws, the worker survives: the throwable goes to the
 * runtime's {@link WorkExceptionHandler} and the item counts as completed.
 */
@FunctionalInterface
public interface WorkFunction {
    /**
     * Runs one instance of the work item.
     *
     * @param self the item being run
     * @throws Exception anything; it is reported, never propagated to the worker
     */
    void run(Work self) throws Exception;
}
