package dev.superquic.it;

import org.junit.jupiter.api.Nested;

/**
 * Hostile input and operators' traps (issue 15), over real QUIC and real processes: one nested
 * group per kind, each test bounded in time (a class or the suite's default timeout). The checks
 * live in classes of their own, one per group, so that each stays readable.
 *
 * <ol>
 * <li>{@link Memory}: memory is bounded by configuration, not by what peers announce or send.
 * <li>{@link ConnectionLimits}, {@link SessionLimits}, {@link SlowPeers}: limits that hold.
 * <li>{@link AddressValidation}: Retry, and no more than 3x the bytes an unvalidated address sent.
 * <li>{@link Startup}: a taken port and unusable files are refused; rejected handshakes are logged
 *     and counted; counters read 0 from the start.
 * <li>{@link ReplyAddresses}: replies leave from the address the client used.
 * <li>{@link Settings}: config file, environment and exit codes as the README says.
 * </ol>
 */
class HostileInputTest {
    @Nested
    class Memory extends MemoryChecks {
    }

    @Nested
    class ConnectionLimits extends ConnectionLimitChecks {
    }

    @Nested
    class SessionLimits extends SessionLimitChecks {
    }

    @Nested
    class SlowPeers extends SlowPeerChecks {
    }

    @Nested
    class AddressValidation extends AddressValidationChecks {
    }

    @Nested
    class Startup extends StartupChecks {
    }

    @Nested
    class ReplyAddresses extends ReplyAddressChecks {
    }

    @Nested
    class Settings extends SettingsChecks {
    }
}
