using System.Net;
using Amazon.Runtime;

namespace AssumeRole.Extensions.IntegrationTests.Infrastructure;

/// <summary>Assertions on STS errors as the AWS SDK surfaces them.</summary>
public static class StsAssert
{
    public static async Task<AmazonServiceException> FailsAsync(
        Func<Task> call, HttpStatusCode status, string code, string? exactMessage = null)
    {
        var error = await Assert.ThrowsAnyAsync<AmazonServiceException>(call);
        Assert.Equal(code, error.ErrorCode);
        Assert.Equal(status, error.StatusCode);
        if (exactMessage is not null)
        {
            Assert.Equal(exactMessage, error.Message);
        }

        return error;
    }
}
