namespace AssumeRole.Extensions.Diagnostics;

/// <summary>
/// The names of the meter, the activity source, the instruments and their tags, in one place so that the docs
/// (README.md, "Observability"), the code and the tests cannot drift apart. Tag values are bounded sets, except the role
/// ARN, which appears only on the expiry gauge (bounded by <see cref="AssumeRoleTelemetry.MaxExpiryGaugeRoles"/>) and
/// on spans.
/// </summary>
internal static class TelemetryNames
{
    /// <summary>The meter name, and the activity source name.</summary>
    public const string Source = "AssumeRole.Extensions";

    public const string StsRequests = "aws.assume_role.sts.requests";
    public const string StsDuration = "aws.assume_role.sts.duration";
    public const string Refreshes = "aws.assume_role.refreshes";
    public const string CacheLookups = "aws.assume_role.cache.lookups";
    public const string TimeToExpiry = "aws.assume_role.session.time_to_expiry";

    public const string StsActivity = "STS";
    public const string RefreshActivity = "AssumeRole refresh";

    public const string ActionTag = "aws.sts.action";
    public const string OutcomeTag = "aws.assume_role.outcome";
    public const string ErrorTypeTag = "error.type";
    public const string TriggerTag = "aws.assume_role.trigger";
    public const string CacheLevelTag = "aws.assume_role.cache.level";
    public const string CacheResultTag = "aws.assume_role.cache.result";
    public const string RoleArnTag = "aws.assume_role.role_arn";
    public const string HopTag = "aws.assume_role.hop";
    public const string SessionNameTag = "aws.assume_role.session_name";
    public const string RequestIdTag = "aws.request_id";
    public const string RpcSystemTag = "rpc.system";
    public const string RpcServiceTag = "rpc.service";
    public const string RpcMethodTag = "rpc.method";

    public const string Success = "success";
    public const string Failure = "failure";
    public const string Canceled = "canceled";

    public const string MemoryLevel = "memory";
    public const string DistributedLevel = "distributed";
    public const string FileLevel = "file";

    public const string Hit = "hit";
    public const string Miss = "miss";
    public const string Error = "error";
}
