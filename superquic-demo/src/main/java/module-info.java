/** The demo services that the ready-to-run server offers (echo, kv, feed, ...). */
module dev.superquic.demo {
    requires transitive dev.superquic.server;
    requires org.slf4j;

    exports dev.superquic.demo;
}
