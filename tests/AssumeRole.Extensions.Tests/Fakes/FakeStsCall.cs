using Amazon.Runtime;
using Amazon.SecurityToken.Model;

namespace AssumeRole.Extensions.Tests.Fakes;

/// <summary>One call the STS double received: the action, the access key it was signed with, the request and when.</summary>
internal sealed record FakeStsCall(string Action, string? SourceAccessKey, AmazonWebServiceRequest Request, DateTimeOffset At)
{
    public string? RoleArn => Request switch
    {
        AssumeRoleRequest r => r.RoleArn,
        AssumeRoleWithWebIdentityRequest w => w.RoleArn,
        _ => null,
    };

    public int? DurationSeconds => Request switch
    {
        AssumeRoleRequest r => r.DurationSeconds,
        AssumeRoleWithWebIdentityRequest w => w.DurationSeconds,
        GetSessionTokenRequest g => g.DurationSeconds,
        _ => null,
    };
}
