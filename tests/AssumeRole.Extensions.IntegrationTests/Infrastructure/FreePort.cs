using System.Net;
using System.Net.Sockets;

namespace AssumeRole.Extensions.IntegrationTests.Infrastructure;

/// <summary>Finds a loopback TCP port nobody listens on, for servers that cannot be told to pick one themselves.</summary>
public static class FreePort
{
    public static int Next()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
