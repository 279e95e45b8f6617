package dev.concierge.server.auth;

import com.github.benmanes.caffeine.cache.Ticker;
import dev.concierge.server.ChatServer;
import java.time.Duration;

/**
 * Agent sign-in settings, built by {@link ChatServer.Builder}.
 *
 * @param sessionMaxAge the absolute session lifetime, however often a session is used
 * @param loginThrottle the sign-in attempt buckets ({@link LoginThrottle})
 * @param ticker time for session idle expiry, the sign-in throttle and the per-connection message
 *               rate limit ({@link RateLimiter}): the system's outside tests
 * @param passwordCheck how passwords are checked: {@link PasswordHasher#verify} outside tests
 */
public record AuthConfig(
        Duration sessionMaxAge,
        LoginThrottle.Limits loginThrottle,
        Ticker ticker,
        AgentAuth.PasswordCheck passwordCheck) {}
