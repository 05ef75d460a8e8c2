using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace AssumeRole.Extensions.Tests.Diagnostics;

/// <summary>An <see cref="IMeterFactory"/> like the DI one: meters scoped to it, disposed with it.</summary>
internal sealed class TestMeterFactory : IMeterFactory
{
    private readonly ConcurrentQueue<Meter> _meters = new();

    public Meter Create(MeterOptions options)
    {
        var meter = new Meter(new MeterOptions(options.Name) { Version = options.Version, Tags = options.Tags, Scope = this });
        _meters.Enqueue(meter);
        return meter;
    }

    public void Dispose()
    {
        foreach (var meter in _meters)
        {
            meter.Dispose();
        }
    }
}
