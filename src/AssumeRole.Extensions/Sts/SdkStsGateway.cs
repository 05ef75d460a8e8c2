using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Runtime.CompilerServices;
using Amazon;
using Amazon.Runtime;
using Amazon.SecurityToken;
using Amazon.SecurityToken.Model;

namespace AssumeRole.Extensions.Sts;

/// <summary>
/// STS through the AWS SDK client: the SDK signs (SigV4) and parses; we turn its retries off (our Polly pipeline owns
/// retries) and read the response's HTTP <c>Date</c> so that lifetimes are measured on the server's clock.
/// One instance serves every refresh of every session with the same source and endpoint.
/// </summary>
internal sealed class SdkStsGateway : IStsGateway
{
    private readonly AmazonSecurityTokenServiceClient _client;
    private readonly AWSCredentials _source;
    private readonly StsEndpoint _endpoint;

    // Blocking clients for sync callers (see SynchronousFetch), one per request timeout: a blocking call cannot be
    // cancelled, so its bound is the HTTP client's own timeout. Created on first use; usually there is one.
    private readonly ConcurrentDictionary<TimeSpan, SynchronousStsClient> _blocking = new();

    // The SDK raises AfterResponseEvent with the request object we passed in, which lets concurrent calls on one
    // client each find their own response Date.
    private readonly ConditionalWeakTable<AmazonWebServiceRequest, StrongBox<DateTimeOffset?>> _serverDates = new();

    public SdkStsGateway(AWSCredentials sourceCredentials, StsEndpoint endpoint)
    {
        ArgumentNullException.ThrowIfNull(sourceCredentials);
        _source = Guard(sourceCredentials);
        _endpoint = endpoint;
        _client = new AmazonSecurityTokenServiceClient(_source, Config(endpoint, timeout: null));
        _client.AfterResponseEvent += OnAfterResponse;
    }

    public async Task<StsCredentials> AssumeRoleAsync(AssumeRoleRequest request, CancellationToken cancellationToken)
    {
        var date = Track(request);
        var response = SynchronousFetch.RequestTimeout is { } timeout
            ? Block(() => Blocking(timeout).AssumeRoleBlocking(request), cancellationToken)
            : await CallAsync(() => _client.AssumeRoleAsync(request, cancellationToken), cancellationToken).ConfigureAwait(false);
        return Map(response.Credentials, date.Value, response.AssumedRoleUser?.Arn, response.ResponseMetadata?.RequestId);
    }

    public async Task<StsCredentials> AssumeRoleWithWebIdentityAsync(AssumeRoleWithWebIdentityRequest request, CancellationToken cancellationToken)
    {
        var date = Track(request);
        var response = SynchronousFetch.RequestTimeout is { } timeout
            ? Block(() => Blocking(timeout).AssumeRoleWithWebIdentityBlocking(request), cancellationToken)
            : await CallAsync(() => _client.AssumeRoleWithWebIdentityAsync(request, cancellationToken), cancellationToken).ConfigureAwait(false);
        return Map(response.Credentials, date.Value, response.AssumedRoleUser?.Arn, response.ResponseMetadata?.RequestId);
    }

    public async Task<StsCredentials> GetSessionTokenAsync(GetSessionTokenRequest request, CancellationToken cancellationToken)
    {
        var date = Track(request);
        var response = SynchronousFetch.RequestTimeout is { } timeout
            ? Block(() => Blocking(timeout).GetSessionTokenBlocking(request), cancellationToken)
            : await CallAsync(() => _client.GetSessionTokenAsync(request, cancellationToken), cancellationToken).ConfigureAwait(false);
        return Map(response.Credentials, date.Value, null, response.ResponseMetadata?.RequestId);
    }

    public async Task<string> GetCallerArnAsync(CancellationToken cancellationToken) =>
        (await GetCallerIdentityAsync(cancellationToken).ConfigureAwait(false)).Arn;

    public async Task<CallerIdentity> GetCallerIdentityAsync(CancellationToken cancellationToken)
    {
        var request = new GetCallerIdentityRequest();
        var date = Track(request);
        var response = SynchronousFetch.RequestTimeout is { } timeout
            ? Block(() => Blocking(timeout).GetCallerIdentityBlocking(request), cancellationToken)
            : await CallAsync(() => _client.GetCallerIdentityAsync(request, cancellationToken), cancellationToken).ConfigureAwait(false);
        return new CallerIdentity(response.Arn, date.Value);
    }

    public void Dispose()
    {
        _client.AfterResponseEvent -= OnAfterResponse;
        _client.Dispose();
        foreach (var (_, blocking) in _blocking)
        {
            blocking.AfterResponseEvent -= OnAfterResponse;
            blocking.Dispose();
        }
    }

    private static AmazonSecurityTokenServiceConfig Config(StsEndpoint endpoint, TimeSpan? timeout)
    {
        var config = new AmazonSecurityTokenServiceConfig { MaxErrorRetry = 0 };
        if (endpoint.ServiceUrl is { } url)
        {
            config.ServiceURL = url;
            config.AuthenticationRegion = endpoint.Region;
        }
        else
        {
            config.RegionEndpoint = RegionEndpoint.GetBySystemName(endpoint.Region);
        }

        if (timeout is { } t)
        {
            config.Timeout = t;
        }

        return config;
    }

    /// <summary>
    /// The source as the SDK client sees it: wrapped so that its failures name the setting. Anonymous credentials stay
    /// as they are (the SDK checks their type to skip signing).
    /// </summary>
    private static AWSCredentials Guard(AWSCredentials source) => source switch
    {
        AnonymousAWSCredentials => source,
        Refresh.SessionCredentials => new SourceCredentialsGuard(source, "the previous hop's session", ownSession: true),
        _ => new SourceCredentialsGuard(source, "SourceCredentials, or the AWS SDK's default chain when it is not set"),
    };

    private SynchronousStsClient Blocking(TimeSpan timeout) =>
        _blocking.GetOrAdd(timeout, static (t, self) =>
        {
            var client = new SynchronousStsClient(self._source, Config(self._endpoint, t));
            client.AfterResponseEvent += self.OnAfterResponse;
            return client;
        }, this);

    private StrongBox<DateTimeOffset?> Track(AmazonWebServiceRequest request)
    {
        var box = new StrongBox<DateTimeOffset?>();
        _serverDates.AddOrUpdate(request, box);
        return box;
    }

    private void OnAfterResponse(object sender, ResponseEventArgs e)
    {
        if (e is not WebServiceResponseEventArgs args || args.Request is null || !_serverDates.TryGetValue(args.Request, out var box))
        {
            return;
        }

        foreach (var (name, value) in args.ResponseHeaders ?? new Dictionary<string, string>())
        {
            if (string.Equals(name, "Date", StringComparison.OrdinalIgnoreCase)
                && DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var date))
            {
                box.Value = date;
                return;
            }
        }
    }

    /// <summary>A blocking call on this thread, with the same error translation as <see cref="CallAsync"/>.</summary>
    private static T Block<T>(Func<T> call, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        try
        {
            return call();
        }
        catch (Exception ex) when (SourceFailureIn(ex) is { } sourceFailure)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(sourceFailure);
            throw;
        }
        catch (Exception ex) when (Classify(ex) is { } classified)
        {
            throw classified;
        }
    }

    private static async Task<T> CallAsync<T>(Func<Task<T>> call, CancellationToken cancellationToken)
    {
        try
        {
            return await call().ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex) when (SourceFailureIn(ex) is { } sourceFailure)
        {
            // The client could not get its own (source) credentials: a chained hop's source session failed. That
            // failure already names its hop; surface it unchanged instead of as this hop's client error.
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(sourceFailure);
            throw;
        }
        catch (Exception ex) when (Classify(ex) is { } classified)
        {
            throw classified;
        }
    }

    private static Exception? SourceFailureIn(Exception ex)
    {
        for (var e = ex; e is not null; e = e.InnerException)
        {
            // A hop of ours, or the guard around the source credentials (SourceCredentialsFailed).
            if (e is AssumeRoleException or StsCallException)
            {
                return e;
            }
        }

        return null;
    }

    /// <summary>Turns what the SDK or the network threw into a classified <see cref="StsCallException"/>.</summary>
    internal static StsCallException? Classify(Exception ex)
    {
        switch (ex)
        {
            case AssumeRoleException:
                // A source session of ours failed while the SDK resolved this client's credentials: it already names
                // its hop, STS code and transience, which the fetcher surfaces as they are.
                return null;

            // Before the service case: the SDK's unmarshalling error is an AmazonServiceException too (with the
            // response's status, often 200), but what it means is "STS sent something unreadable": transient.
            case AmazonUnmarshallingException or System.Xml.XmlException:
                return new StsCallException("MalformedResponse", "STS sent a response that could not be parsed.", null, null, isTransient: true, ex);

            case AmazonServiceException service when service.ErrorCode is not null || service.StatusCode != 0:
            {
                var status = service.StatusCode == 0 ? (HttpStatusCode?)null : service.StatusCode;
                var transient = StsCallException.IsTransientCode(service.ErrorCode) || (int)service.StatusCode >= 500
                    || service.StatusCode == HttpStatusCode.TooManyRequests
                    || (service.ErrorCode is null && IsNetworkFailure(service.InnerException));
                // The SDK exception keeps the endpoint's raw code and request id: it is kept as the cause only when
                // both are in STS's shapes (StsCallException keeps nothing else).
                var raw = string.Equals(StsResponseFields.ErrorCode(service.ErrorCode), service.ErrorCode, StringComparison.Ordinal)
                    && string.Equals(StsResponseFields.RequestId(service.RequestId), service.RequestId, StringComparison.Ordinal);
                return new StsCallException(service.ErrorCode, service.Message, status, service.RequestId, transient, raw ? service : null);
            }

            case OperationCanceledException or TimeoutException:
                return new StsCallException("RequestTimeout", "The STS request timed out.", null, null, isTransient: true, ex);

            case var _ when IsNetworkFailure(ex):
                return new StsCallException("ConnectionError", $"STS could not be reached: {ex.GetBaseException().Message}", null, null, isTransient: true, ex);

            case AmazonClientException client:
                return new StsCallException("ClientError", client.Message, null, null, isTransient: IsNetworkFailure(client.InnerException), ex);

            default:
                return null;
        }
    }

    private static bool IsNetworkFailure(Exception? ex)
    {
        for (var e = ex; e is not null; e = e.InnerException)
        {
            if (e is HttpRequestException or IOException or System.Net.Sockets.SocketException or TimeoutException or OperationCanceledException)
            {
                return true;
            }
        }

        return false;
    }

    private static StsCredentials Map(Credentials? credentials, DateTimeOffset? serverDate, string? assumedRoleArn, string? requestId)
    {
        if (credentials?.AccessKeyId is null || credentials.SecretAccessKey is null || credentials.Expiration is not { } expiration)
        {
            throw new StsCallException("MalformedResponse", "STS answered without credentials or expiration.", null, requestId, isTransient: true);
        }

        var accountId = AccountIdOf(assumedRoleArn);
        var immutable = accountId is null
            ? new ImmutableCredentials(credentials.AccessKeyId, credentials.SecretAccessKey, credentials.SessionToken)
            : new ImmutableCredentials(credentials.AccessKeyId, credentials.SecretAccessKey, credentials.SessionToken, accountId);
        var expirationUtc = expiration.Kind == DateTimeKind.Local ? expiration.ToUniversalTime() : DateTime.SpecifyKind(expiration, DateTimeKind.Utc);
        return new StsCredentials(immutable, expirationUtc, serverDate, assumedRoleArn, requestId);
    }

    /// <summary>The account of <c>arn:aws:sts::123456789012:assumed-role/R/S</c>, for the SDK's account-based endpoints.</summary>
    internal static string? AccountIdOf(string? arn)
    {
        var parts = arn?.Split(':', 6);
        return parts is { Length: 6 } && parts[4].Length == 12 && parts[4].All(char.IsAsciiDigit) ? parts[4] : null;
    }
}
