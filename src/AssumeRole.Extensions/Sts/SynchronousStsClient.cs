using Amazon.Runtime;
using Amazon.Runtime.Internal;
using Amazon.Runtime.Internal.Transform;
using Amazon.SecurityToken;
using Amazon.SecurityToken.Model;
using Amazon.SecurityToken.Model.Internal.MarshallTransformations;

namespace AssumeRole.Extensions.Sts;

/// <summary>
/// The SDK's STS client with its synchronous operations reachable. On .NET 8 the SDK keeps them internal (its own
/// <c>AssumeRoleAWSCredentials.GetCredentials()</c> uses them); they run the request pipeline synchronously, over
/// <see cref="HttpClient"/>'s blocking <c>Send</c>, on the calling thread. Used only by <see cref="SynchronousFetch"/>.
/// </summary>
internal sealed class SynchronousStsClient(AWSCredentials credentials, AmazonSecurityTokenServiceConfig config)
    : AmazonSecurityTokenServiceClient(credentials, config)
{
    public AssumeRoleResponse AssumeRoleBlocking(AssumeRoleRequest request) =>
        Invoke<AssumeRoleResponse>(request, Options(AssumeRoleRequestMarshaller.Instance, AssumeRoleResponseUnmarshaller.Instance));

    public AssumeRoleWithWebIdentityResponse AssumeRoleWithWebIdentityBlocking(AssumeRoleWithWebIdentityRequest request) =>
        Invoke<AssumeRoleWithWebIdentityResponse>(request, Options(AssumeRoleWithWebIdentityRequestMarshaller.Instance, AssumeRoleWithWebIdentityResponseUnmarshaller.Instance));

    public GetSessionTokenResponse GetSessionTokenBlocking(GetSessionTokenRequest request) =>
        Invoke<GetSessionTokenResponse>(request, Options(GetSessionTokenRequestMarshaller.Instance, GetSessionTokenResponseUnmarshaller.Instance));

    public GetCallerIdentityResponse GetCallerIdentityBlocking(GetCallerIdentityRequest request) =>
        Invoke<GetCallerIdentityResponse>(request, Options(GetCallerIdentityRequestMarshaller.Instance, GetCallerIdentityResponseUnmarshaller.Instance));

    private static InvokeOptions Options(IMarshaller<IRequest, AmazonWebServiceRequest> marshaller, ResponseUnmarshaller unmarshaller) =>
        new() { RequestMarshaller = marshaller, ResponseUnmarshaller = unmarshaller };
}
