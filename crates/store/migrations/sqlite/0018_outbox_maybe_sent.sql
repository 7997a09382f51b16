-- Whether an earlier attempt at an outbound message may have reached WeChat without wxbase
-- learning how it went (a timeout, a network failure, -1, or a lease that ran out under a
-- send): 1 once any attempt was such, kept through later attempts. A subscribe message that
-- WeChat then refuses with 43101 is `unconfirmed` rather than `failed`: the earlier attempt
-- most likely delivered it and used its one-time grant.
ALTER TABLE messages ADD COLUMN maybe_sent INTEGER NOT NULL DEFAULT 0;
