using AssumeRole.Extensions.Testing.Faults;

namespace AssumeRole.Extensions.Testing;

/// <summary>
/// The faults the <see cref="StsEmulator"/> injects. Faults are checked in the order added, before authentication,
/// as a throttling front end would: every matching latency fault adds its delay, then the first matching error,
/// reset or malformed-body fault decides the response.
/// </summary>
public sealed class StsFaults
{
    private readonly object _gate = new();
    private readonly List<Entry> _entries = [];
    private readonly Random _random;
    private readonly List<TaskCompletionSource> _delayWaiters = [];
    private int _delayedCalls;

    internal StsFaults(Random random) => _random = random;

    /// <summary>Gets the faults still active (not used up, not removed), in the order added.</summary>
    public IReadOnlyList<StsFault> Active
    {
        get
        {
            lock (_gate)
            {
                return [.. _entries.Select(entry => entry.Fault)];
            }
        }
    }

    /// <summary>Gets the number of calls currently held by a latency fault.</summary>
    public int DelayedCallCount => Volatile.Read(ref _delayedCalls);

    /// <summary>
    /// Completes once a call is being held by a latency fault (at once if one already is), so that a test using a
    /// <c>FakeTimeProvider</c> knows when to advance the time, without polling or sleeping.
    /// </summary>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>A task that completes when a call is delayed.</returns>
    public Task WaitForDelayedCallAsync(CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            if (_delayedCalls > 0)
            {
                return Task.CompletedTask;
            }

            var waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _delayWaiters.Add(waiter);
            return waiter.Task.WaitAsync(cancellationToken);
        }
    }

    /// <summary>Adds a fault.</summary>
    /// <param name="fault">The fault, e.g. <c>StsFault.Throttling(times: 3)</c>.</param>
    /// <returns>The same fault, to pass to <see cref="Remove(StsFault)"/> later.</returns>
    public StsFault Add(StsFault fault)
    {
        ArgumentNullException.ThrowIfNull(fault);
        lock (_gate)
        {
            _entries.Add(new Entry(fault) { Remaining = fault.Times });
        }

        return fault;
    }

    /// <summary>Removes a fault, e.g. to end an <see cref="StsFault.Outage(string?, string?)"/>.</summary>
    /// <param name="fault">The fault returned by <see cref="Add(StsFault)"/>.</param>
    /// <returns><see langword="true"/> if the fault was still active.</returns>
    public bool Remove(StsFault fault)
    {
        lock (_gate)
        {
            return _entries.RemoveAll(entry => ReferenceEquals(entry.Fault, fault)) > 0;
        }
    }

    /// <summary>Removes every fault.</summary>
    public void Clear()
    {
        lock (_gate)
        {
            _entries.Clear();
        }
    }

    /// <summary>Picks the faults that hit one call, using up one of their <see cref="StsFault.Times"/>.</summary>
    internal (TimeSpan Delay, StsFault? Terminal) Evaluate(string action, string? roleArn)
    {
        var delay = TimeSpan.Zero;
        StsFault? terminal = null;
        lock (_gate)
        {
            foreach (var entry in _entries.ToList())
            {
                var fault = entry.Fault;
                if ((fault.Kind != StsFaultKind.Latency && terminal is not null) || !fault.Matches(action, roleArn))
                {
                    continue;
                }

                if (fault.Probability < 1.0 && _random.NextDouble() >= fault.Probability)
                {
                    continue;
                }

                if (fault.Kind == StsFaultKind.Latency)
                {
                    delay += fault.Delay;
                }
                else
                {
                    terminal = fault;
                }

                if (entry.Remaining is { } remaining)
                {
                    entry.Remaining = remaining - 1;
                    if (entry.Remaining == 0)
                    {
                        _entries.Remove(entry);
                    }
                }
            }
        }

        return (delay, terminal);
    }

    internal void OnDelayStarted()
    {
        List<TaskCompletionSource> waiters;
        lock (_gate)
        {
            _delayedCalls++;
            waiters = [.. _delayWaiters];
            _delayWaiters.Clear();
        }

        foreach (var waiter in waiters)
        {
            waiter.TrySetResult();
        }
    }

    internal void OnDelayEnded()
    {
        lock (_gate)
        {
            _delayedCalls--;
        }
    }

    private sealed class Entry(StsFault fault)
    {
        public StsFault Fault { get; } = fault;

        public int? Remaining { get; set; }
    }
}
