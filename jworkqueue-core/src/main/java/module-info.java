/**
 * jworkqueue: the Linux kernel's concurrency-managed workqueues (cmwq) for the JVM.
 *
 * <p>Only {@code io.jworkqueue} is exported; {@code io.jworkqueue.internal} holds the worker pools,
 * pool workqueues and the timer wheel and may change without notice.
 */
module io.jworkqueue {
    requires transitive java.management;
    requires jdk.jfr;

    exports io.jworkqueue;
    // JFR must reach the event classes (io.jworkqueue.QueueWork and friends).
    exports io.jworkqueue.internal.jfr to jdk.jfr;
}
