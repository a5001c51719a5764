namespace RandomDemo.Contracts;

/// <summary>
/// The resource names of the AppHost, which are also the service-discovery names
/// (<c>http://generator</c>) and the telemetry service names.
/// </summary>
public static class ServiceNames
{
    public const string Generator = "generator";
    public const string Gateway = "gateway";
    public const string Streaming = "streaming";
}
