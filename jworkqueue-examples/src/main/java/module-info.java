/** A runnable tour of the jworkqueue API. */
module io.jworkqueue.examples {
    requires io.jworkqueue;
}
