using Amazon.Runtime;
using AssumeRole.Extensions.Benchmarks.Infrastructure;
using BenchmarkDotNet.Attributes;

namespace AssumeRole.Extensions.Benchmarks.Timing;

/// <summary>
/// The warm sync path with <see cref="Threads"/> dedicated threads calling one provider at once. Every invocation
/// makes <see cref="TotalCalls"/> calls split evenly over the threads, so the reported time per operation is wall
/// time divided by calls: with 1 thread it is the single-thread cost; with 64 threads on C cores, perfect scaling
/// would show single-thread / C, and shared-state contention shows as anything above that.
/// </summary>
[MemoryDiagnoser]
public class ContendedWarmPathBenchmarks
{
    public const int TotalCalls = 64 * 8_192;

    private AssumeRoleCredentials _ours = null!;
    private AssumeRoleAWSCredentials _sdk = null!;
    private WorkerPool _pool = null!;

    [Params(1, 64)]
    public int Threads { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var sts = StsBench.Shared;
        var sdkRole = sts.AddRole("contended-sdk");
        var oursRole = sts.AddRole("contended-ours");
        _sdk = sts.Sdk(sdkRole);
        _ours = sts.Ours(oursRole);
        sts.WarmAndVerify(_sdk, sdkRole);
        sts.WarmAndVerify(_ours, oursRole);
        _pool = new WorkerPool(Threads, TotalCalls / Threads);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _pool.Dispose();
        _ours.Dispose();
        _sdk.Dispose();
    }

    [Benchmark(Baseline = true, Description = "SDK", OperationsPerInvoke = TotalCalls)]
    public void Sdk_GetCredentials() => _pool.Run(_sdk);

    [Benchmark(Description = "Ours", OperationsPerInvoke = TotalCalls)]
    public void Ours_GetCredentials() => _pool.Run(_ours);

    /// <summary>Threads created once and released together through a barrier for every invocation.</summary>
    internal sealed class WorkerPool : IDisposable
    {
        private readonly Barrier _start;
        private readonly Barrier _done;
        private readonly Thread[] _threads;
        private readonly int _callsPerThread;
        private AWSCredentials? _target;
        private volatile bool _stop;

        public WorkerPool(int threads, int callsPerThread)
        {
            _callsPerThread = callsPerThread;
            _start = new Barrier(threads + 1);
            _done = new Barrier(threads + 1);
            _threads = new Thread[threads];
            for (var i = 0; i < threads; i++)
            {
                _threads[i] = new Thread(Work) { IsBackground = true, Name = $"bench-worker-{i}" };
                _threads[i].Start();
            }
        }

        /// <summary>The last credentials a worker read, so that the calls cannot be optimised away.</summary>
        public ImmutableCredentials? Sink { get; private set; }

        public void Run(AWSCredentials target)
        {
            Volatile.Write(ref _target, target);
            _start.SignalAndWait();
            _done.SignalAndWait();
        }

        public void Dispose()
        {
            _stop = true;
            _start.SignalAndWait();
            foreach (var thread in _threads)
            {
                thread.Join();
            }

            _start.Dispose();
            _done.Dispose();
        }

        private void Work()
        {
            while (true)
            {
                _start.SignalAndWait();
                if (_stop)
                {
                    return;
                }

                var target = Volatile.Read(ref _target)!;
                ImmutableCredentials? last = null;
                for (var i = 0; i < _callsPerThread; i++)
                {
                    last = target.GetCredentials();
                }

                Sink = last;
                _done.SignalAndWait();
            }
        }
    }
}
