namespace AssumeRole.Extensions.Testing.Calls;

/// <summary>The thread-safe list of <see cref="StsCallRecord"/>s behind <see cref="StsEmulator.Calls"/>.</summary>
internal sealed class CallLog
{
    private readonly object _gate = new();
    private readonly List<StsCallRecord> _records = [];

    public void Add(StsCallRecord record)
    {
        lock (_gate)
        {
            _records.Add(record);
        }
    }

    public IReadOnlyList<StsCallRecord> Snapshot()
    {
        lock (_gate)
        {
            return [.. _records];
        }
    }

    public void Clear()
    {
        lock (_gate)
        {
            _records.Clear();
        }
    }
}
