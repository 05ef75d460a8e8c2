using System.Net;
using System.Net.Sockets;
using System.Text;
using Amazon.Runtime;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;

namespace AssumeRole.Extensions.IntegrationTests.Validation;

/// <summary>
/// Review of issue #13, findings 1 and 2, as the reviewer reproduced them: a hostile or broken endpoint behind
/// <c>ServiceUrl</c> (plain http) answers with an error code and a request id that carry CR/LF, a bidi override and the
/// external ID, and a message quoting the external ID in base64. The real SDK client parses the answer (the XML
/// entities become real CR/LF); none of it may reach the exception or log events 5 and 16.
/// </summary>
public sealed class IssuesTestsHostileEndpoint
{
    private const string ExternalId = "Tenant/Secret=42-abcdefgh";

    [Fact]
    public async Task GetCredentials_HostileErrorResponse_FixedCodeNoRequestIdNoSecretNoControlCharacters()
    {
        var base64 = Convert.ToBase64String(Encoding.UTF8.GetBytes(ExternalId));
        var body = $"""
            <ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
              <Error><Type>Sender</Type><Code>Throttling&#13;&#10;[CRIT] forged &#x202E; {ExternalId}</Code><Message>Value {base64} at 'externalId' is invalid</Message></Error>
              <RequestId>req-1&#13;&#10;FORGED-REQID {ExternalId}</RequestId>
            </ErrorResponse>
            """;
        await using var endpoint = new HostileEndpoint(body);
        var logs = new FakeLogCollector();
        using var loggerFactory = new LoggerFactory([new FakeLoggerProvider(logs)], new LoggerFilterOptions { MinLevel = LogLevel.Trace });
        using var credentials = new AssumeRoleCredentials(
            new AssumeRoleOptions
            {
                RoleArn = "arn:aws:iam::123456789012:role/Deploy",
                ExternalId = ExternalId,
                ServiceUrl = endpoint.Url.ToString(),
                Region = "us-east-1",
                SourceCredentials = new BasicAWSCredentials("AKIAEXAMPLEHOSTILE01", "hostile-test-secret"),
                MaxStsRetries = 0,
            },
            null,
            loggerFactory);

        var ex = await Assert.ThrowsAsync<AssumeRoleException>(() => credentials.GetCredentialsAsync(TestContext.Current.CancellationToken));

        Assert.True(endpoint.Requests > 0, "the endpoint was not called");
        Assert.Equal("UnrecognizedErrorCode", ex.ErrorCode);
        Assert.Null(ex.RequestId);
        Assert.Contains("withheld", ex.Message, StringComparison.Ordinal);
        var events = logs.GetSnapshot().Where(r => r.Id.Id is 5 or 16).ToList();
        Assert.Contains(events, r => r.Id.Id == 5);
        Assert.Contains(events, r => r.Id.Id == 16);
        var texts = new List<string?> { ex.Message, ex.InnerException?.Message };
        texts.AddRange(events.Select(r => r.Message));
        texts.AddRange(events.SelectMany(r => r.StructuredState ?? []).Select(p => p.Value));
        texts.AddRange(events.Select(r => r.Exception?.Message));
        foreach (var text in texts.Where(t => t is not null))
        {
            Assert.DoesNotContain('\r', text!);
            Assert.DoesNotContain('\n', text!);
            Assert.DoesNotContain('\u202E', text!);
            Assert.DoesNotContain("FORGED", text!, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain(ExternalId, text!, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain(base64, text!, StringComparison.Ordinal);
        }
    }

    /// <summary>An HTTP/1.1 server on loopback that answers every request with HTTP 400 and the same body.</summary>
    private sealed class HostileEndpoint : IAsyncDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly CancellationTokenSource _stop = new();
        private readonly byte[] _response;
        private readonly Task _loop;
        private int _requests;

        public HostileEndpoint(string body)
        {
            var content = Encoding.UTF8.GetBytes(body);
            _response = [.. Encoding.ASCII.GetBytes($"HTTP/1.1 400 Bad Request\r\nContent-Type: text/xml\r\nContent-Length: {content.Length}\r\nConnection: close\r\n\r\n"), .. content];
            _listener.Start();
            _loop = Task.Run(ServeAsync);
        }

        public Uri Url => new($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/");

        public int Requests => Volatile.Read(ref _requests);

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            _listener.Stop();
            await _loop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            _stop.Dispose();
        }

        private async Task ServeAsync()
        {
            while (!_stop.IsCancellationRequested)
            {
                TcpClient client;
                try
                {
                    client = await _listener.AcceptTcpClientAsync(_stop.Token);
                }
                catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
                {
                    return;
                }

                using (client)
                {
                    // Every wait on the client is bounded: a stuck client must not hang the test.
                    using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
                    timeout.CancelAfter(TimeSpan.FromSeconds(30));
                    try
                    {
                        var stream = client.GetStream();
                        await ReadRequestAsync(stream, timeout.Token);
                        Interlocked.Increment(ref _requests);
                        await stream.WriteAsync(_response, timeout.Token);
                    }
                    catch (Exception ex) when (ex is OperationCanceledException or IOException)
                    {
                        // The client went away; serve the next one.
                    }
                }
            }
        }

        private static async Task ReadRequestAsync(NetworkStream stream, CancellationToken cancellationToken)
        {
            var buffer = new byte[64 * 1024];
            var read = 0;
            int headerEnd;
            while ((headerEnd = Encoding.ASCII.GetString(buffer, 0, read).IndexOf("\r\n\r\n", StringComparison.Ordinal)) < 0)
            {
                var n = await stream.ReadAsync(buffer.AsMemory(read), cancellationToken);
                if (n == 0)
                {
                    throw new IOException("the client closed the connection");
                }

                read += n;
            }

            var headers = Encoding.ASCII.GetString(buffer, 0, headerEnd);
            var length = headers.Split("\r\n")
                .Where(h => h.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase))
                .Select(h => int.Parse(h["Content-Length:".Length..].Trim(), System.Globalization.CultureInfo.InvariantCulture))
                .FirstOrDefault();
            while (read < headerEnd + 4 + length)
            {
                var n = await stream.ReadAsync(buffer.AsMemory(read), cancellationToken);
                if (n == 0)
                {
                    throw new IOException("the client closed the connection");
                }

                read += n;
            }
        }
    }
}
