using System.Net;
using System.Net.Sockets;

namespace RandomDemo.Tests.Infrastructure;

public static class LoopbackPort
{
    /// <summary>A TCP port on loopback that nothing listens on right now.</summary>
    public static int Free()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
