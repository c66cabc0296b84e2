package io.jworkqueue.internal.jfr;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

/** {@code io.jworkqueue.Lockup}: The watchdog found a pool whose worklist has waited longer than the threshold without an item starting. */
@Name("io.jworkqueue.Lockup")
@Label("Workqueue Lockup")
@Category({"jworkqueue"})
@Description("The watchdog found a pool whose worklist has waited longer than the threshold without an item starting.")
@StackTrace(false)
public final class LockupEvent extends jdk.jfr.Event {
    @Label("Pool")
    @Description("The pool id")
    int pool;

    @Label("Pool Attributes")
    @Description("cpus, flags and nice of the pool, as in the kernel's report")
    String poolAttributes;

    @jdk.jfr.Timespan(jdk.jfr.Timespan.MILLISECONDS)
    @Label("Stuck")
    @Description("How long the pool has not started an item")
    long stuckMillis;

}
