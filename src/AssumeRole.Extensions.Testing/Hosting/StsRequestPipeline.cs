using System.Globalization;
using System.Text;
using AssumeRole.Extensions.Testing.Actions;
using AssumeRole.Extensions.Testing.Calls;
using AssumeRole.Extensions.Testing.Faults;
using AssumeRole.Extensions.Testing.Protocol;
using AssumeRole.Extensions.Testing.Signing;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace AssumeRole.Extensions.Testing.Hosting;

/// <summary>
/// Handles one HTTP request: read the raw body (SigV4 hashes it), parse the query parameters, apply injected
/// faults, run the action, write the XML answer with STS's headers, and record the call.
/// </summary>
internal sealed class StsRequestPipeline
{
    private readonly StsService _service;
    private readonly StsFaults _faults;
    private readonly CallLog _calls;
    private readonly TimeProvider _time;

    public StsRequestPipeline(StsService service, StsFaults faults, CallLog calls, TimeProvider time)
    {
        _service = service;
        _faults = faults;
        _calls = calls;
        _time = time;
    }

    public async Task HandleAsync(HttpContext context)
    {
        var requestId = Guid.NewGuid().ToString();
        var record = new CallRecordBuilder(requestId, _time.GetUtcNow());
        var body = await ReadBodyAsync(context.Request, context.RequestAborted).ConfigureAwait(false);

        // The Query protocol also allows GET with the parameters in the query string.
        var form = HttpMethods.IsGet(context.Request.Method)
            ? context.Request.QueryString.Value?.TrimStart('?') ?? string.Empty
            : Encoding.UTF8.GetString(body);
        var request = SessionRequest.Parse(QueryParameters.Parse(form));
        Describe(record, request, context.Request);

        var (delay, fault) = _faults.Evaluate(request.Action, request.RoleArn);
        if (delay > TimeSpan.Zero)
        {
            // The timer must exist before waiters hear of the delay: a test that advances a fake clock on that signal
            // would otherwise move time before the timer starts counting.
            var delayed = Task.Delay(delay, _time, context.RequestAborted);
            _faults.OnDelayStarted();
            try
            {
                await delayed.ConfigureAwait(false);
            }
            finally
            {
                _faults.OnDelayEnded();
            }
        }

        if (fault is not null && await ApplyFaultAsync(context, fault, record).ConfigureAwait(false))
        {
            return;
        }

        var target = context.Features.Get<IHttpRequestFeature>();
        var rawTarget = target?.RawTarget ?? "/";
        var queryStart = rawTarget.IndexOf('?', StringComparison.Ordinal);
        var signed = new SignedRequest(
            context.Request.Method,
            queryStart < 0 ? rawTarget : rawTarget[..queryStart],
            queryStart < 0 ? string.Empty : rawTarget[(queryStart + 1)..],
            context.Request.Headers,
            body);

        try
        {
            var response = _service.Execute(request, signed, record);
            _calls.Add(record.Build(StsCallRecord.SuccessOutcome, StatusCodes.Status200OK, null));
            await WriteAsync(context, StatusCodes.Status200OK, requestId, response).ConfigureAwait(false);
        }
        catch (StsException error)
        {
            await WriteErrorAsync(context, error, record).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            // A bug in the emulator must still reach the test as a recorded, well-formed STS answer.
            var failure = new StsException(500, "InternalFailure", exception.Message);
            await WriteErrorAsync(context, failure, record).ConfigureAwait(false);
        }
    }

    private async Task<bool> ApplyFaultAsync(HttpContext context, StsFault fault, CallRecordBuilder record)
    {
        switch (fault.Kind)
        {
            case StsFaultKind.Error:
                await WriteErrorAsync(context, new StsException(fault.StatusCode, fault.ErrorCode!, fault.ErrorMessage!), record).ConfigureAwait(false);
                return true;
            case StsFaultKind.ConnectionReset:
                _calls.Add(record.Build("ConnectionReset", 0, null));
                context.Abort();
                return true;
            case StsFaultKind.MalformedBody:
                _calls.Add(record.Build("MalformedBody", StatusCodes.Status200OK, null));
                var truncated = $"<{record.Action}Response xmlns=\"{StsDefaults.XmlNamespace}\"><{record.Action}Result><Credentials><AccessKeyId>ASIA";
                await WriteAsync(context, StatusCodes.Status200OK, record.RequestId, Encoding.UTF8.GetBytes(truncated)).ConfigureAwait(false);
                return true;
            default:
                return false;
        }
    }

    private async Task WriteErrorAsync(HttpContext context, StsException error, CallRecordBuilder record)
    {
        _calls.Add(record.Build(error.Code, error.StatusCode, error.Message));
        await WriteAsync(context, error.StatusCode, record.RequestId, StsXml.Error(error, record.RequestId)).ConfigureAwait(false);
    }

    private async Task WriteAsync(HttpContext context, int statusCode, string requestId, byte[] body)
    {
        var response = context.Response;
        response.StatusCode = statusCode;
        response.ContentType = "text/xml";
        response.ContentLength = body.Length;
        response.Headers["x-amzn-RequestId"] = requestId;

        // Clients measure session lifetime on the server's clock through this header, so it comes from the emulator clock.
        response.Headers.Date = _time.GetUtcNow().ToString("r", CultureInfo.InvariantCulture);
        await response.Body.WriteAsync(body, context.RequestAborted).ConfigureAwait(false);
    }

    private static async Task<byte[]> ReadBodyAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
        return buffer.ToArray();
    }

    private static void Describe(CallRecordBuilder record, SessionRequest request, HttpRequest http)
    {
        record.Action = request.Action;
        record.RoleArn = request.RoleArn;
        record.RoleSessionName = request.RoleSessionName;
        record.DurationSeconds = request.DurationSeconds;
        record.ExternalId = request.ExternalId;
        record.SerialNumber = request.SerialNumber;
        record.Tags = request.TagPairs;
        record.TransitiveTagKeys = request.TransitiveTagKeys ?? [];
        record.PolicyArns = request.PolicyArns?.OfType<string>().ToList() ?? [];
        record.ProvidedContextProviderArns = request.ProvidedContexts?.Select(c => c.ProviderArn).OfType<string>().ToList() ?? [];
        record.Policy = request.Policy;
        record.SourceIdentity = request.SourceIdentity;
        if (AuthorizationHeader.TryParse(http.Headers.Authorization.ToString(), out var header, out _))
        {
            record.CallerAccessKeyId = header.AccessKeyId;
        }
    }
}
