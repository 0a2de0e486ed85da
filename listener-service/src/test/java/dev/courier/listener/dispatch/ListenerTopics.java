package dev.courier.listener.dispatch;

/** The topics the listener's tests create, with their partition counts (KafkaBrokerResource format). */
final class ListenerTopics {
    static final String ALL = "courier.requests:3,courier.results:1,courier.failures:1,"
            + "courier.delay.1s:2,courier.delay.10s:2,courier.delay.1m:1,courier.delay.10m:1,courier.delay.1h:1";

    private ListenerTopics() {}
}
