/** A {@code SessionStore} and channel log in Redis (Lettuce), shared by the nodes of a cluster. */
@SuppressWarnings("requires-automatic") // Lettuce has no module descriptor
module dev.superquic.store.redis {
    requires transitive dev.superquic.server;
    requires lettuce.core;
    requires org.slf4j;

    exports dev.superquic.store.redis;
}
