using System.Net;
using System.Xml;
using AssumeRole.Extensions.Sts;
using Amazon.Runtime;
using Amazon.Runtime.Internal.Transform;
using Amazon.SecurityToken;

namespace AssumeRole.Extensions.Tests.Sts;

public sealed class SdkStsGatewayClassifyTests
{
    [Theory]
    [InlineData("Throttling", HttpStatusCode.BadRequest, true)]
    [InlineData("InternalFailure", HttpStatusCode.InternalServerError, true)]
    [InlineData("IDPCommunicationError", HttpStatusCode.BadRequest, true)]
    [InlineData(null, HttpStatusCode.TooManyRequests, true)]
    [InlineData(null, HttpStatusCode.BadGateway, true)]
    [InlineData("AccessDenied", HttpStatusCode.Forbidden, false)]
    [InlineData("ValidationError", HttpStatusCode.BadRequest, false)]
    [InlineData("ExpiredToken", HttpStatusCode.Forbidden, false)]
    public void Classify_ServiceError_TransientOnlyForRetryableCodesAndStatuses(string? code, HttpStatusCode status, bool transient)
    {
        var error = new AmazonSecurityTokenServiceException("message", ErrorType.Sender, code, "request-1", status);

        var classified = SdkStsGateway.Classify(error);

        Assert.NotNull(classified);
        Assert.Equal(code, classified!.ErrorCode);
        Assert.Equal(status, classified.StatusCode);
        Assert.Equal("request-1", classified.RequestId);
        Assert.Equal(transient, classified.IsTransient);
    }

    [Fact]
    public void Classify_UnreadableResponseWithStatus200_IsTransientMalformedResponse()
    {
        var error = new AmazonUnmarshallingException("request-2", "AssumeRoleResult", new XmlException("unexpected end"), HttpStatusCode.OK);

        var classified = SdkStsGateway.Classify(error);

        Assert.Equal("MalformedResponse", classified!.ErrorCode);
        Assert.True(classified.IsTransient);
    }

    [Fact]
    public void Classify_ConnectionFailure_IsTransientConnectionError()
    {
        var classified = SdkStsGateway.Classify(new HttpRequestException("Connection refused", new System.Net.Sockets.SocketException(111)));

        Assert.Equal("ConnectionError", classified!.ErrorCode);
        Assert.True(classified.IsTransient);
    }

    [Fact]
    public void Classify_OurOwnSourceFailure_PassesThroughUnclassified() =>
        Assert.Null(SdkStsGateway.Classify(new AssumeRoleException("source hop failed")));
}
