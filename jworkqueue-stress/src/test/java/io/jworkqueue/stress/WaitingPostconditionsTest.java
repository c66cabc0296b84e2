package io.jworkqueue.stress;

import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Timeout;

/**
 * The fallback for {@link LincheckWaitingTest}, which Lincheck 3.7 cannot model-check on this
 * runtime (see there): the same scenario bodies, run as real races many times over. Each
 * repetition starts a fresh runtime and real threads, so interleavings vary from run to run;
 * the assertions are the same postconditions. Not exhaustive, unlike model checking: the
 * jcstress layer and the torture test cover the same ground with many more interleavings.
 */
@Timeout(value = 60, unit = java.util.concurrent.TimeUnit.SECONDS)
class WaitingPostconditionsTest {
    static final int N = 50;

    @RepeatedTest(N)
    void cancelSync_selfRequeueingItem_neitherPendingNorRunningAfter() {
        LincheckWaitingTest.cancelSync_selfRequeueingItemScenario();
    }

    @RepeatedTest(N)
    void flushItem_afterQueue_instanceFinished() {
        LincheckWaitingTest.flushItem_afterQueueScenario();
    }

    @RepeatedTest(N)
    void disableEnable_depth_queueRefusedUntilLastEnable() {
        LincheckWaitingTest.disableEnable_depthScenario();
    }

    @RepeatedTest(N)
    void ordered_concurrentQueuers_fifoPerQueuerAndOneAtATime() {
        LincheckWaitingTest.ordered_concurrentQueuersScenario();
    }
}
