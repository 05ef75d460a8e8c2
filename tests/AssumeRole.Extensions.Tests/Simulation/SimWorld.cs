using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text;
using Amazon.Runtime;
using AssumeRole.Extensions.Caching;
using AssumeRole.Extensions.Diagnostics;
using AssumeRole.Extensions.MultiTenant;
using AssumeRole.Extensions.Refresh;
using AssumeRole.Extensions.Sts;
using AssumeRole.Extensions.Tests.Diagnostics;
using AssumeRole.Extensions.Tests.Fakes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AssumeRole.Extensions.Tests.Simulation;

/// <summary>
/// One seeded run of the whole engine: a session cache on a <see cref="SimClock"/> (suspends and wall-clock steps
/// included), the in-memory <see cref="SimSts"/> with every fault kind, 120 roles (single roles, chains of two or three
/// hops, roles with MFA, roles capped at one hour, tenant roles), providers created, called (sync and async), reloaded
/// and disposed, multi-tenant factories created, churned and disposed, loggers, activity listeners and meter listeners
/// that throw. The engine runs on this one thread (<see cref="RefreshScheduler.InlineExecution"/>), so a seed replays
/// exactly. After every step the invariants are checked; the first violation throws <see cref="SimulationFailure"/>
/// naming the seed, the step and the recent events.
/// </summary>
internal sealed class SimWorld : IDisposable
{
    /// <summary>How long after a resume (or a forward wall-clock step) old credentials may still be handed out: one heartbeat.</summary>
    public static readonly long JumpAllowanceMs = (long)SuspendMonitor.Period.TotalMilliseconds + 1;

    /// <summary>The longest a caller may wait (monotonic time) before the run calls it a hang.</summary>
    public static readonly TimeSpan HangBound = TimeSpan.FromMinutes(15);

    private const string BaseKey = "AKIASIMBASESOURCE001";
    private const int AsyncRoleCount = 60;
    private const int SyncRoleCount = 20;
    private const int TenantRoleCount = 40;

    private readonly Random _ops;
    private readonly Random _observers;
    private readonly BasicAWSCredentials _base = new(BaseKey, "base-secret");
    private readonly string _prefix;
    private readonly List<string> _asyncRoles = [];
    private readonly List<string> _syncRoles = [];
    private readonly List<string> _tenantRoles = [];
    private readonly List<ProviderHandle> _providers = [];
    private readonly List<FactoryHandle> _factories = [];
    private readonly List<CallRecord> _outstanding = [];
    private readonly Dictionary<string, CountingFetcher> _keyOwners = new(StringComparer.Ordinal);
    private readonly Queue<string> _recent = new();
    private readonly ActivitySource _callerSource;
    private readonly ActivityListener _activityListener;
    private readonly MeterListener _meterListener;
    private readonly TestMeterFactory _meters = new();
    private readonly ILoggerFactory _loggers;
    private readonly ConcurrentBag<Exception> _unobserved = [];
    private readonly ServiceProvider _services = new ServiceCollection().BuildServiceProvider();
    // ASSUMEROLE_SIM_TRACE_FILE: every event of the run to a file, for replaying a failing seed.
    private readonly StreamWriter? _traceFile = Environment.GetEnvironmentVariable("ASSUMEROLE_SIM_TRACE_FILE") is { Length: > 0 } path ? new StreamWriter(path) : null;
    private ulong _fingerprint = 14695981039346656037;
    private readonly long _startMs;
    private long _lastJumpMonotonicMs = long.MinValue / 2;
    private bool _observersBroken;
    private int _nextId;
    private int _drivingThread;
    private int _fetchers;
    private int _step;
    private string _op = "setup";

    public SimWorld(int seed)
    {
        Seed = seed;
        _prefix = string.Create(CultureInfo.InvariantCulture, $"sim{seed}");
        _ops = new Random(seed);
        _observers = new Random(seed ^ 0x5EED);
        Clock = new SimClock(TestEngine.RealNow());
        _startMs = Clock.MonotonicMs;
        Sts = new SimSts(Clock, new Random(seed ^ 0x575), Trace) { OnExpiredSource = key => _keyOwners.GetValueOrDefault(key)?.MarkForced() };
        _loggers = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Trace).AddProvider(new BreakableLoggerProvider(this)));
        Cache = new SessionCache(Clock, _loggers.CreateLogger("AssumeRole.Extensions.SessionCache"))
        {
            MaxSessions = 150,
            IdleTimeout = TimeSpan.FromMinutes(10),
        };
        Cache.Scheduler.InlineExecution = true;
        var jitter = new Random(seed ^ 0x1177E5);
        Context = new AssumeRoleContext(Clock, _loggers, Cache, (source, _, _) => (Sts.ViewFor(source), false), new DurationCaps(maxEntries: 50), jitter.NextDouble, AssumeRoleTelemetry.For(_meters))
            .WithFetcherDecorator(f => new CountingFetcher(f, this));

        for (var i = 0; i < AsyncRoleCount; i++)
        {
            var role = Role("a", i);
            _asyncRoles.Add(role);
            if (i % 6 == 5)
            {
                Sts.OneHourRoles.Add(role);
            }

            if (i % 10 == 7)
            {
                Sts.MfaRoles.Add(role);
            }
        }

        for (var i = 0; i < SyncRoleCount; i++)
        {
            _syncRoles.Add(Role("s", i));
            Sts.SyncSafeRoles.Add(_syncRoles[^1]);
        }

        for (var i = 0; i < TenantRoleCount; i++)
        {
            _tenantRoles.Add(Role("t", i));
        }

        // Process-wide listeners, so they only ever act on this run's spans and meter.
        _callerSource = new ActivitySource("AssumeRole.Simulation." + _prefix + "." + Guid.NewGuid().ToString("N"));
        _activityListener = new ActivityListener
        {
            ShouldListenTo = s => s.Name == TelemetryNames.Source || s.Name == _callerSource.Name,
            Sample = Sample,
        };
        ActivitySource.AddActivityListener(_activityListener);
        using (var root = _callerSource.StartActivity("simulation"))
        {
            _root = root!.Context;
        }

        _meterListener = new MeterListener
        {
            InstrumentPublished = (instrument, listener) =>
            {
                if (ReferenceEquals(instrument.Meter.Scope, _meters))
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            },
        };
        _meterListener.SetMeasurementEventCallback<long>((_, _, _, _) => MaybeThrow("meter listener"));
        _meterListener.SetMeasurementEventCallback<double>((_, _, _, _) => MaybeThrow("meter listener"));
        _meterListener.Start();
        TaskScheduler.UnobservedTaskException += OnUnobserved;
    }

    public int Seed { get; }

    public SimClock Clock { get; }

    public SimSts Sts { get; }

    public SessionCache Cache { get; }

    public AssumeRoleContext Context { get; }

    /// <summary>Hash of every event of the run: equal for two runs of one seed, or replay is not exact.</summary>
    public ulong Fingerprint => _fingerprint;

    public int RoleCount => _asyncRoles.Count + _syncRoles.Count + _tenantRoles.Count;

    public long CallsChecked { get; private set; }

    public long CredentialsHandedOut { get; private set; }

    public long CallerFailures { get; private set; }

    public long AllowanceUses { get; private set; }

    /// <summary>Runs <paramref name="operations"/> steps, checking the invariants after each, then tears everything down and checks what is left.</summary>
    public void Run(int operations)
    {
        // No synchronization context: the test framework's would post every continuation of the run to the pool, off
        // this thread, and the run would no longer replay exactly.
        var context = SynchronizationContext.Current;
        SynchronizationContext.SetSynchronizationContext(null);
        _drivingThread = Environment.CurrentManagedThreadId;
        try
        {
            RunSteps(operations);
        }
        finally
        {
            SynchronizationContext.SetSynchronizationContext(context);
        }
    }

    private void RunSteps(int operations)
    {
        for (_step = 0; _step < operations; _step++)
        {
            Step();
            if (Clock.CallbackFailures.Count > 0)
            {
                Violation($"a timer callback threw: {Clock.CallbackFailures[0]}");
            }

            CheckOutstanding();
            if (_step % 5_000 == 4_999)
            {
                // Credentials a day past expiry can no longer be handed out unnoticed: an unknown key is a violation too.
                Sts.Prune(Clock.TrueNow - TimeSpan.FromDays(1));
                foreach (var key in _keyOwners.Keys.Where(k => Sts.Lookup(k) is null).ToList())
                {
                    _keyOwners.Remove(key);
                }
            }
        }

        _op = "teardown";
        TearDown();
    }

    public void Violation(string what) => throw new SimulationFailure(Seed, _step, _op, what, [.. _recent]);

    public int NextFetcherId() => ++_fetchers;

    public void Issued(string accessKey, CountingFetcher owner) => _keyOwners[accessKey] = owner;

    public void Dispose()
    {
        TaskScheduler.UnobservedTaskException -= OnUnobserved;
        _traceFile?.Dispose();
        _activityListener.Dispose();
        _meterListener.Dispose();
        _callerSource.Dispose();
        _meters.Dispose();
        _loggers.Dispose();
        _services.Dispose();
    }

    private string Role(string kind, int i) => string.Create(CultureInfo.InvariantCulture, $"arn:aws:iam::123456789012:role/{_prefix}/{kind}{i:D3}");

    private void Step()
    {
        var roll = _ops.NextDouble();
        if (roll < 0.30)
        {
            AsyncCall();
        }
        else if (roll < 0.38)
        {
            SyncCall();
        }
        else if (roll < 0.50)
        {
            TenantCall();
        }
        else if (roll < 0.70)
        {
            Advance(TimeSpan.FromMilliseconds(_ops.Next(0, 2_000)));
        }
        else if (roll < 0.78)
        {
            Advance(TimeSpan.FromSeconds(_ops.Next(5, 300)));
        }
        else if (roll < 0.79)
        {
            Advance(TimeSpan.FromMinutes(_ops.Next(10, 90)));
        }
        else if (roll < 0.80)
        {
            Suspend();
        }
        else if (roll < 0.805)
        {
            StepWall();
        }
        else if (roll < 0.85)
        {
            CreateProvider();
        }
        else if (roll < 0.87)
        {
            DisposeProvider();
        }
        else if (roll < 0.88)
        {
            ReloadProvider();
        }
        else if (roll < 0.89)
        {
            CreateFactory();
        }
        else if (roll < 0.895)
        {
            DisposeFactory();
        }
        else if (roll < 0.94)
        {
            SetFault();
        }
        else if (roll < 0.96)
        {
            ClearFault();
        }
        else if (roll < 0.97)
        {
            _observersBroken = !_observersBroken;
            Trace($"observers {(_observersBroken ? "broken" : "fixed")}");
        }
        else if (roll < 0.98)
        {
            _op = "sweep";
            Trace($"sweep evicted {Cache.Sweep()}");
        }
        else
        {
            Advance(TimeSpan.FromMilliseconds(_ops.Next(0, 500)));
        }
    }

    private void Advance(TimeSpan by)
    {
        _op = "advance " + by;
        Trace(_op);
        Clock.Advance(by);
    }

    private void Suspend()
    {
        var duration = TimeSpan.FromSeconds(_ops.Next(5, 3 * 3600));
        _op = "suspend " + duration;
        Trace(_op);
        Clock.Suspend(duration);
        _lastJumpMonotonicMs = Clock.MonotonicMs;
    }

    private void StepWall()
    {
        // A step forward now and then, undone later: while the wall clock is wrong, its check is off (see Check).
        var by = TimeSpan.FromMinutes(_ops.Next(1, 60)) * (_ops.Next(2) == 0 ? 1 : -1);
        _op = "wall step " + by;
        Trace(_op);
        Clock.StepWall(by);
        if (by > TimeSpan.Zero)
        {
            _lastJumpMonotonicMs = Clock.MonotonicMs;
        }

        _wallStepped += by;
    }

    private TimeSpan _wallStepped;

    private ProviderHandle? LiveProvider(Func<ProviderHandle, bool>? filter = null)
    {
        var live = _providers.Where(p => !p.Disposed && (filter is null || filter(p))).ToList();
        return live.Count == 0 ? null : live[_ops.Next(live.Count)];
    }

    private void AsyncCall()
    {
        if (LiveProvider() is not { } handle)
        {
            CreateProvider();
            return;
        }

        _op = $"async call p{handle.Id}";
        Call(new CallRecord(++_nextId, handle.Spec.Target, handle.Spec.PreviousRole, handle.Spec.Mandatory, handle, null), () => handle.Provider.GetCredentialsAsync(CancellationToken.None));
    }

    private void SyncCall()
    {
        // A sync caller blocks its thread until the refresh it waits for ends: it may only run when no refresh is parked
        // on the clock (on one thread, that would wait for ever), and only on roles whose refreshes never wait for the
        // clock (no retries, no MFA). It runs on a helper thread, bounded, so that a hang is reported, not suffered.
        var handle = LiveProvider(p => p.Spec.SyncSafe);
        if (handle is null || AnyRefreshPending())
        {
            AsyncCall();
            return;
        }

        _op = $"sync call p{handle.Id}";
        var call = new CallRecord(++_nextId, handle.Spec.Target, handle.Spec.PreviousRole, handle.Spec.Mandatory, handle, null);
        Call(call, () => RunBlocking(handle.Provider.GetCredentials));
    }

    private void TenantCall()
    {
        var live = _factories.Where(f => !f.Disposed).ToList();
        if (live.Count == 0)
        {
            CreateFactory();
            return;
        }

        var factory = live[_ops.Next(live.Count)];
        var i = _ops.Next(TenantRoleCount);
        var key = new TenantKey(_tenantRoles[i], ExternalIdOf(i), "tenant-app");
        var target = new Target(key.RoleArn, key.RoleSessionName!, key.ExternalId);
        var sync = _ops.Next(3) == 0 && !AnyRefreshPending();
        _op = $"tenant {(sync ? "sync" : "async")} call f{factory.Id} t{i}";
        var call = new CallRecord(++_nextId, target, null, null, null, factory);
        if (sync)
        {
            var credentials = factory.Factory.GetCredentials(key.RoleArn, key.ExternalId, key.RoleSessionName);
            Call(call, () => RunBlocking(credentials.GetCredentials));
        }
        else
        {
            Call(call, () => factory.Factory.Lease(key).GetCredentialsAsync(CancellationToken.None));
        }
    }

    private static string? ExternalIdOf(int tenant) => tenant % 4 == 3 ? null : string.Create(CultureInfo.InvariantCulture, $"tenant-ext-{tenant:D3}");

    private bool AnyRefreshPending() => Cache.Snapshot().Any(s => s.PendingRefresh is { IsCompleted: false });

    private Task<ImmutableCredentials> RunBlocking(Func<ImmutableCredentials> call)
    {
        ImmutableCredentials? result = null;
        Exception? error = null;
        var done = 0;
        var thread = new Thread(() =>
        {
            try
            {
                result = call();
            }
            catch (Exception ex)
            {
                error = ex;
            }
            finally
            {
                Volatile.Write(ref done, 1);
            }
        });
        thread.Start();

        // Polled against the stopwatch, not a timed Join: CI reruns the suites under libfaketime, whose shifted
        // CLOCK_REALTIME breaks timed waits (a Join with a timeout returned at once, before the caller had run).
        var started = Stopwatch.GetTimestamp();
        var spinner = default(SpinWait);
        while (Volatile.Read(ref done) == 0)
        {
            if (Stopwatch.GetElapsedTime(started) > TimeSpan.FromMinutes(1))
            {
                Violation("a sync caller stayed blocked (the refresh it waited for never ended)");
            }

            spinner.SpinOnce();
        }

        thread.Join();
        return error is null ? Task.FromResult(result!) : Task.FromException<ImmutableCredentials>(error);
    }

    private void Call(CallRecord call, Func<Task<ImmutableCredentials>> start)
    {
        Trace($"call#{call.Id}: {_op}");
        call.Started = Snapshot();
        Task<ImmutableCredentials> task;
        using (var activity = _callerSource.StartActivity("caller", ActivityKind.Internal, _root))
        {
            try
            {
                task = start();
            }
            catch (Exception ex)
            {
                task = Task.FromException<ImmutableCredentials>(ex);
            }
        }

        call.Task = task;
        if (task.IsCompleted)
        {
            Complete(call);
            return;
        }

        _outstanding.Add(call);

        // With inline execution the task completes on this thread, inside the engine, at the exact simulated time.
        // A completion on another thread means a continuation left the inline execution (as a second awaiter of one
        // task does: .NET queues it to the pool): the run would race real time and no longer replay exactly.
        _ = task.ContinueWith(
            _ =>
            {
                if (Environment.CurrentManagedThreadId != _drivingThread)
                {
                    call.EndedOffThread = true;
                    return;
                }

                call.Ended = Snapshot();
            },
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
    }

    private void CheckOutstanding()
    {
        for (var i = _outstanding.Count - 1; i >= 0; i--)
        {
            var call = _outstanding[i];
            if (call.Task!.IsCompleted)
            {
                _outstanding.RemoveAt(i);
                Complete(call);
            }
            else if (TimeSpan.FromMilliseconds(Clock.MonotonicMs - call.Started.MonotonicMs) > HangBound)
            {
                var session = call.Provider is { Disposed: false } provider ? provider.Provider.Session : null;
                var status = session?.GetStatus();
                Violation($"call#{call.Id} for {call.Target.RoleArn} (p{call.Provider?.Id}{(call.Provider?.Disposed == true ? " disposed" : string.Empty)} f{call.Factory?.Id}) has waited {(Clock.MonotonicMs - call.Started.MonotonicMs) / 60000.0:F1} min; "
                    + $"session: {status}; pending refresh: {session?.PendingRefresh?.Status}; source: {(session is null ? null : SourceOf(session)?.GetStatus())}");
            }
        }
    }

    private void Complete(CallRecord call)
    {
        if (call.EndedOffThread)
        {
            Violation($"call#{call.Id} for {call.Target.RoleArn} completed off the thread driving the run: a continuation left the inline execution, so the run races real time");
        }

        var at = call.Ended ?? Snapshot();
        CallsChecked++;
        var task = call.Task!;
        if (task.IsCompletedSuccessfully)
        {
            CheckCredentials(call, task.Result, at);
            return;
        }

        CallerFailures++;
        var error = task.Exception?.InnerException;
        switch (error)
        {
            case AssumeRoleException typed when !string.IsNullOrEmpty(typed.RoleArn) && typed.ErrorCode is not null:
                Trace($"call#{call.Id} -> {typed.ErrorCode} ({typed.RoleArn[(typed.RoleArn.LastIndexOf('/') + 1)..]})");
                return;
            case ObjectDisposedException when call.Provider?.Disposed == true || call.Factory?.Disposed == true:
                Trace($"call#{call.Id} -> disposed");
                return;
            default:
                Violation($"call#{call.Id} for {call.Target.RoleArn} failed with {(error is null ? "cancellation" : error.GetType().Name + ": " + error.Message)}, not a typed error naming the role and a code");
                return;
        }
    }

    private void CheckCredentials(CallRecord call, ImmutableCredentials credentials, Moment at)
    {
        CredentialsHandedOut++;
        Trace($"call#{call.Id} -> {credentials.AccessKey}");
        var issued = Sts.Lookup(credentials.AccessKey);
        if (issued is null)
        {
            Violation($"call#{call.Id} got credentials STS never issued ({credentials.AccessKey})");
            return;
        }

        // Tenants (and roles, sessions, external IDs) never mix.
        if (issued.RoleArn != call.Target.RoleArn || issued.SessionName != call.Target.SessionName || issued.ExternalId != call.Target.ExternalId)
        {
            Violation($"call#{call.Id} for {call.Target} got credentials issued for {issued.RoleArn} as {issued.SessionName} with external ID {issued.ExternalId ?? "(none)"}");
        }

        var signer = issued.SigningKey is { } k ? Sts.Lookup(k) : null;
        if (call.PreviousRole is { } previous ? signer?.RoleArn != previous : issued.SigningKey != BaseKey)
        {
            Violation($"call#{call.Id} for {call.Target.RoleArn} got credentials signed by {issued.SigningKey} ({signer?.RoleArn ?? "the base source"}), expected {call.PreviousRole ?? "the base source"}");
        }

        // No credentials expired or inside the mandatory window, by the true (monotonic + suspended) clock and by the
        // wall clock, except within one heartbeat after a resume.
        var mandatory = call.Mandatory ?? AssumeRoleDefaults.MandatoryRefreshWindow;
        if (at.MonotonicMs - _lastJumpMonotonicMs <= JumpAllowanceMs)
        {
            AllowanceUses++;
            return;
        }

        if (at.TrueNow >= issued.Expires - mandatory)
        {
            Violation($"call#{call.Id} got {credentials.AccessKey} with {(issued.Expires - at.TrueNow).TotalSeconds:F1} s left (true time), inside its {mandatory.TotalSeconds:F0} s mandatory window");
        }

        if (at.WallStepped == TimeSpan.Zero && at.WallNow >= issued.Expires - mandatory)
        {
            Violation($"call#{call.Id} got {credentials.AccessKey} with {(issued.Expires - at.WallNow).TotalSeconds:F1} s left by the wall clock, inside its {mandatory.TotalSeconds:F0} s mandatory window");
        }
    }

    private Moment Snapshot() => new(Clock.MonotonicMs, Clock.TrueNow, Clock.GetUtcNow(), _wallStepped);

    private void CreateProvider()
    {
        if (_providers.Count(p => !p.Disposed) >= 150)
        {
            DisposeProvider();
            return;
        }

        var spec = NewSpec();
        _op = $"create p{_nextId + 1} {spec}";
        Trace(_op);
        try
        {
            var provider = new AssumeRoleCredentials(spec.ToOptions(_base, Sts.MfaRoles), Context);
            _providers.Add(new ProviderHandle(++_nextId, spec, provider));
        }
        catch (ArgumentException ex) when (ex.Message.Contains("Refresh", StringComparison.Ordinal) || ex.Message.Contains("Duration", StringComparison.Ordinal))
        {
            // A configuration validation rejects (a mandatory window too long for a hop): fine, it names the field.
            Trace("rejected: " + ex.Message[..Math.Min(80, ex.Message.Length)]);
        }
    }

    private void DisposeProvider()
    {
        if (LiveProvider() is not { } handle)
        {
            return;
        }

        _op = $"dispose p{handle.Id}";
        Trace(_op);
        handle.Disposed = true;
        handle.Provider.Dispose();
    }

    private void ReloadProvider()
    {
        if (LiveProvider() is not { } handle)
        {
            return;
        }

        var spec = NewSpec(syncSafe: handle.Spec.SyncSafe);
        _op = $"reload p{handle.Id} {spec}";
        Trace(_op);
        try
        {
            handle.Provider.Reconfigure(spec.ToOptions(_base, Sts.MfaRoles), Context);
            handle.Spec = spec;
        }
        catch (ArgumentException)
        {
            Trace("reload rejected; the provider keeps its session");
        }
    }

    private void CreateFactory()
    {
        if (_factories.Count(f => !f.Disposed) >= 3)
        {
            DisposeFactory();
            return;
        }

        _op = $"create f{_nextId + 1}";
        Trace(_op);
        var options = new MultiTenantOptions
        {
            SourceCredentials = _base,
            RoleSessionName = "tenant-app",
            MaxTenants = 15,
            IdleTimeout = TimeSpan.FromMinutes(_ops.Next(2, 30)),
            StsCallsPerSecond = 10_000,
            DurationSeconds = _ops.Next(2) == 0 ? null : 900,
        };
        _factories.Add(new FactoryHandle(++_nextId, new TenantCredentialsFactory(Options.Create(options), Context, _services)));
    }

    private void DisposeFactory()
    {
        var live = _factories.Where(f => !f.Disposed).ToList();
        if (live.Count == 0)
        {
            return;
        }

        var factory = live[_ops.Next(live.Count)];
        _op = $"dispose f{factory.Id}";
        Trace(_op);
        factory.Disposed = true;
        factory.Factory.Dispose();
    }

    private void SetFault()
    {
        var all = _asyncRoles.Concat(_syncRoles).Concat(_tenantRoles).ToList();
        var role = all[_ops.Next(all.Count)];
        var kind = (SimFaultKind)_ops.Next(Enum.GetValues<SimFaultKind>().Length);
        if (_tenantRoles.Contains(role) && kind is SimFaultKind.Timeout or SimFaultKind.Latency)
        {
            // Tenant sessions keep the default StsRequestTimeout, which Polly runs on a real-time timer (see SimSts):
            // a call that waits on the simulated clock could meet it at a real-time moment, and the run would not
            // replay. Tenant roles get the faults that answer at once.
            kind = SimFaultKind.ServerError;
        }

        var probability = new[] { 0.3, 0.7, 1.0 }[_ops.Next(3)];
        var duration = kind == SimFaultKind.AccessDenied ? TimeSpan.FromMinutes(_ops.Next(1, 20)) : TimeSpan.FromSeconds(_ops.Next(10, 1800));
        var fault = new SimFault(kind, probability, Clock.TrueNow + duration, TimeSpan.FromSeconds(_ops.Next(1, 120)));
        _op = $"fault {kind} p={probability} on {role[(role.LastIndexOf('/') + 1)..]} for {duration}";
        Trace(_op);
        Sts.SetFault(role, fault);
    }

    private void ClearFault()
    {
        var all = _asyncRoles.Concat(_syncRoles).Concat(_tenantRoles).ToList();
        var role = all[_ops.Next(all.Count)];
        _op = $"clear fault on {role[(role.LastIndexOf('/') + 1)..]}";
        Trace(_op);
        Sts.ClearFault(role);
    }

    private ProviderSpec NewSpec(bool? syncSafe = null)
    {
        var roll = _ops.NextDouble();
        var sessionName = _ops.Next(2) == 0 ? "app" : "svc";
        if (syncSafe == true || (syncSafe is null && roll < 0.25))
        {
            // Sync-safe: roles whose refreshes never wait for the clock (no retries, no MFA, no latency when blocking).
            var hops = _ops.Next(4) == 0 ? 2 : 1;
            var roles = Enumerable.Range(0, hops).Select(_ => _syncRoles[_ops.Next(_syncRoles.Count)]).ToList();
            return new ProviderSpec(
                [.. roles.Select((r, i) => new SimHop(r, i == hops - 1 ? sessionName : "hop", null, Pick(null, 900, 3600)))],
                Mandatory: null,
                Retries: 0,
                SyncSafe: true,
                NeverAnsweringMfa: false);
        }

        var count = roll < 0.45 ? _ops.Next(2, 4) : 1;
        var chain = Enumerable.Range(0, count).Select(_ => _asyncRoles[_ops.Next(_asyncRoles.Count)]).ToList();
        var specHops = chain.Select((r, i) => new SimHop(
            r,
            i == count - 1 ? sessionName : "hop",
            _ops.Next(3) == 0 ? "ext-" + r[(r.LastIndexOf('/') + 1)..] : null,
            i == count - 1 ? Pick(null, 900, 1800, 3600, 7200, 14400) : Pick(null, 900, 3600))).ToList();
        TimeSpan? mandatory = _ops.Next(4) == 0 ? TimeSpan.FromMinutes(Pick(2, 5, 10)!.Value) : null;
        return new ProviderSpec(specHops, mandatory, Retries: _ops.Next(3), SyncSafe: false, NeverAnsweringMfa: _ops.Next(30) == 0);
    }

    private int? Pick(params int?[] values) => values[_ops.Next(values.Length)];

    private void TearDown()
    {
        foreach (var provider in _providers.Where(p => !p.Disposed))
        {
            provider.Disposed = true;
            provider.Provider.Dispose();
        }

        foreach (var factory in _factories.Where(f => !f.Disposed))
        {
            factory.Disposed = true;
            factory.Factory.Dispose();
        }

        // Let what was cancelled or is counting down end (per-request timeouts, rate-gate windows, MFA prompt bounds).
        for (var i = 0; i < 30; i++)
        {
            Clock.Advance(TimeSpan.FromSeconds(10));
        }

        CheckOutstanding();
        if (_outstanding.Count > 0)
        {
            Violation($"{_outstanding.Count} calls never completed after every provider was disposed");
        }

        var sessions = Cache.Snapshot();
        foreach (var session in sessions)
        {
            // What is left is what the chains' hops hold on their sources, until the cache lets those hops go.
            var held = sessions.Count(s => !s.IsDisposed && ReferenceEquals(SourceOf(s), session));
            if (session.Leases > held)
            {
                Violation($"a session of {session.RoleArn} still has {session.Leases} leases after every provider was disposed ({held} held by hops)");
            }

            // A session a hop still holds keeps refreshing (proactively, or a retry in its backoff) until the cache
            // lets the hop go; any other must be idle by now.
            if (held == 0 && session.PendingRefresh is { IsCompleted: false })
            {
                Violation($"a refresh of {session.RoleArn} is still running after every provider was disposed");
            }
        }

        Cache.Dispose();
        foreach (var session in sessions.Where(s => s.PendingRefresh is { IsCompleted: false }))
        {
            Violation($"a refresh of {session.RoleArn} is still running after the cache was disposed");
        }

        if (Cache.Count != 0)
        {
            Violation($"{Cache.Count} sessions left in the cache after it was disposed");
        }

        if (Clock.ArmedTimers != 0)
        {
            Violation($"{Clock.ArmedTimers} timers still armed after everything was disposed, first created at:\n{Clock.ArmedTimerOrigins[0]}");
        }

        if (Cache.Clock.Monitor.IsRunning)
        {
            Violation("the suspend heartbeat still runs after its cache was disposed");
        }

        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        var mine = _unobserved.Where(e => e.ToString().Contains(_prefix + "/", StringComparison.Ordinal)).ToList();
        if (mine.Count > 0)
        {
            Violation($"{mine.Count} unobserved task exceptions, first: {mine[0]}");
        }
    }

    /// <summary>The session a hop's credentials are assumed from, through the decorators of the run.</summary>
    private static RefreshingSession? SourceOf(RefreshingSession session) => session.Fetcher switch
    {
        CountingFetcher counting => counting.Parent,
        RateLimitedFetcher { Inner: CountingFetcher counting } => counting.Parent,
        _ => session.SourceSession,
    };

    private void OnUnobserved(object? sender, UnobservedTaskExceptionEventArgs e)
    {
        foreach (var inner in e.Exception.InnerExceptions)
        {
            _unobserved.Add(inner);
        }
    }

    private ActivitySamplingResult Sample(ref ActivityCreationOptions<ActivityContext> options)
    {
        if (options.Source == _callerSource)
        {
            return ActivitySamplingResult.AllDataAndRecorded;
        }

        // An engine span of this run is linked to (or a child of) a caller span of this run's source.
        var trace = _root.TraceId;
        var ours = options.Links?.Any(l => l.Context.TraceId == trace) == true;
        if (!ours)
        {
            return ActivitySamplingResult.None;
        }

        MaybeThrow("activity listener");
        return ActivitySamplingResult.AllDataAndRecorded;
    }

    // Every caller span of the run is a child of one root span: its trace id marks the run's engine spans.
    private readonly ActivityContext _root;

    private void MaybeThrow(string what)
    {
        if (_observersBroken && _observers.NextDouble() < 0.5)
        {
            throw new InvalidOperationException(what + " down");
        }
    }

    public void Trace(string line)
    {
        var entry = string.Create(CultureInfo.InvariantCulture, $"[{_step} t={Clock.MonotonicMs - _startMs}] {line}");
        foreach (var b in Encoding.UTF8.GetBytes(entry))
        {
            _fingerprint = (_fingerprint ^ b) * 1099511628211;
        }

        _traceFile?.WriteLine(Environment.CurrentManagedThreadId == _drivingThread ? entry : $"{entry} ({(Thread.CurrentThread.IsThreadPoolThread ? "pool" : "helper")} thread)");
        _recent.Enqueue(entry);
        if (_recent.Count > 80)
        {
            _recent.Dequeue();
        }
    }

    /// <summary>A logging provider that throws (half the time) while the run's observers are broken.</summary>
    private sealed class BreakableLoggerProvider(SimWorld world) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new BreakableLogger(world);

        public void Dispose()
        {
        }

        private sealed class BreakableLogger(SimWorld world) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                world.MaybeThrow("logger");
        }
    }
}
