namespace AssumeRole.Extensions.StackExchangeRedis;

/// <summary>Options of a <see cref="RedisFleetCoordinator"/>.</summary>
public class RedisFleetCoordinatorOptions
{
    /// <summary>
    /// Gets or sets how long a lease lasts unless its holder releases it: long enough for one STS call (with its
    /// retries), and the longest a process waits for a holder that crashed before it takes over.
    /// </summary>
    /// <value>The default value is 10 seconds.</value>
    public TimeSpan LeaseTime { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Gets or sets how often a waiting process checks the lease itself, in case a release message was lost (Redis
    /// pub/sub delivers at most once, and not across a reconnect).
    /// </summary>
    /// <value>The default value is 1 second.</value>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Gets or sets the bound of each Redis command a waiting process sends (the subscription, the lease check): a
    /// Redis that stops answering mid-wait costs a waiter this long, after which it calls STS itself. Lease calls
    /// (take, release) are bounded by the provider's <see cref="AssumeRoleOptions.SecondLevelCacheTimeout"/> and its
    /// circuit breaker; keep the two alike.
    /// </summary>
    /// <value>The default value is 250 milliseconds (the default <c>SecondLevelCacheTimeout</c>).</value>
    public TimeSpan CommandTimeout { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>Gets or sets the prefix of lease keys (followed by the session's hex key).</summary>
    /// <value>The default value is <c>assume-role:v2:lease:</c>.</value>
    public string KeyPrefix { get; set; } = "assume-role:v2:lease:";

    /// <summary>Gets or sets the pub/sub channel on which releases are announced.</summary>
    /// <value>The default value is <c>assume-role:v2:released</c>.</value>
    public string Channel { get; set; } = "assume-role:v2:released";

    /// <summary>Gets or sets the Redis database of the leases.</summary>
    /// <value>The default value is -1 (the connection's default database).</value>
    public int Database { get; set; } = -1;

    /// <summary>Gets or sets the clock of the waits.</summary>
    /// <value>The default value is <see cref="TimeProvider.System"/>.</value>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;
}
