using System.Diagnostics;
using AssumeRole.Extensions.Sts;
using Microsoft.Extensions.Logging;

namespace AssumeRole.Extensions.Diagnostics;

/// <content>Metrics, span and log of each STS request.</content>
internal sealed partial class AssumeRoleTelemetry
{
    /// <summary>
    /// Starts the client span of one STS request; a child of the refresh span, whose hop it repeats. Never throws: a
    /// throwing <see cref="ActivityListener"/> loses the span, not the request.
    /// </summary>
    public static Activity? StartStsCall(string action, string? roleArn, string? sessionName)
    {
        Activity? activity = null;
        try
        {
            if (!ActivitySource.HasListeners())
            {
                return null;
            }

            var parent = Activity.Current;
            var hop = parent is not null && ReferenceEquals(parent.Source, ActivitySource) ? parent.GetTagItem(TelemetryNames.HopTag) : null;
            activity = ActivitySource.StartActivity(TelemetryNames.StsActivity + "." + action, ActivityKind.Client);
            if (activity is { IsAllDataRequested: true })
            {
                activity.SetTag(TelemetryNames.RpcSystemTag, "aws-api");
                activity.SetTag(TelemetryNames.RpcServiceTag, TelemetryNames.StsActivity);
                activity.SetTag(TelemetryNames.RpcMethodTag, action);
                activity.SetTag(TelemetryNames.RoleArnTag, roleArn);
                activity.SetTag(TelemetryNames.SessionNameTag, sessionName);
                activity.SetTag(TelemetryNames.HopTag, hop);
            }

            return activity;
        }
        catch (Exception)
        {
            Stop(activity);
            return null;
        }
    }

    /// <summary>
    /// Records one STS request. <paramref name="error"/> is the gateway's raw exception: only its error code and
    /// request id are used, because its message may echo what was sent (STS repeats an invalid external ID). Never throws.
    /// </summary>
    public void StsCallCompleted(Activity? activity, ILogger logger, string action, string? roleArn, TimeSpan elapsed, string? requestId, Exception? error)
    {
        string outcome;
        string? errorType = null;
        if (error is null)
        {
            outcome = TelemetryNames.Success;
        }
        else
        {
            outcome = error is OperationCanceledException ? TelemetryNames.Canceled : TelemetryNames.Failure;
            errorType = ErrorTypeOf(error);
            requestId ??= (error as StsCallException)?.RequestId;
        }

        var tags = new TagList { { TelemetryNames.ActionTag, action }, { TelemetryNames.OutcomeTag, outcome } };
        if (errorType is not null)
        {
            tags.Add(TelemetryNames.ErrorTypeTag, errorType);
        }

        try
        {
            _stsRequests.Add(1, tags);
            _stsDuration.Record(elapsed.TotalSeconds, tags);
            if (activity is not null)
            {
                activity.SetTag(TelemetryNames.OutcomeTag, outcome);
                activity.SetTag(TelemetryNames.RequestIdTag, requestId);
                if (errorType is null)
                {
                    activity.SetStatus(ActivityStatusCode.Ok);
                }
                else
                {
                    activity.SetTag(TelemetryNames.ErrorTypeTag, errorType);
                    activity.SetStatus(ActivityStatusCode.Error, errorType);
                }
            }
        }
        catch (Exception)
        {
            // A meter listener failed: the measurement is lost, the request's outcome is not.
        }

        Log.StsCallCompleted(logger, action, roleArn, outcome, elapsed.TotalMilliseconds, errorType, requestId);
    }
}
