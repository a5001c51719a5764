using System.Globalization;

namespace RandomDemo.AppHost.Publishing;

/// <summary>
/// Compose cannot publish one host port for N replicas of a service: nginx publishes it instead and
/// spreads connections over the replicas (their addresses behind the service's name on the compose
/// network, resolved when nginx starts, after every replica is healthy). Its config is written next to
/// <c>docker-compose.yaml</c> and mounted read-only.
/// </summary>
internal static class ReplicaProxy
{
    /// <summary>The stable nginx image; <c>-alpine</c> for busybox <c>wget</c>, which the healthcheck uses.</summary>
    public const string DefaultImage = "docker.io/library/nginx:1.28-alpine";

    public const string ConfigSuffix = ".nginx.conf";

    /// <summary>Where the official image's main config includes server blocks from.</summary>
    private const string ConfigMountPath = "/etc/nginx/conf.d/default.conf";

    /// <summary>
    /// Who the replicas believe about <c>X-Forwarded-For</c>: the private ranges compose networks are cut from.
    /// A replica behind the proxy has no host port, so only containers on the app's network reach it,
    /// and the proxy replaces any client-sent <c>X-Forwarded-For</c> with the address it saw.
    /// </summary>
    public const string TrustedNetworks = "10.0.0.0/8,172.16.0.0/12,192.168.0.0/16";

    public static string NameOf(PublishedService service) => $"{service.Name}-proxy";

    public static string ConfigFileOf(PublishedService service) => $"{service.Name}{ConfigSuffix}";

    public static string VolumeOf(PublishedService service) => $"./{ConfigFileOf(service)}:{ConfigMountPath}:ro";

    /// <summary>True when compose needs a proxy in front of <paramref name="service"/>: a public port and more than one replica.</summary>
    public static bool IsNeededFor(PublishedService service) => service.Replicas > 1 && service.PublishedPort is not null;

    /// <summary>
    /// The server block: HTTP/1.1 to the replicas with keep-alive, no buffering (SSE must reach the
    /// browser as each event is written), reads that outlast the keep-alive comments, the client's
    /// address in <c>X-Forwarded-For</c>, and a refused or not-yet-ready (503) replica retried on the next.
    /// </summary>
    public static string Config(PublishedService service)
    {
        var port = service.ContainerPort.ToString(CultureInfo.InvariantCulture);
        return PublishOutput.GeneratedHeader + $$"""
            upstream {{service.Name}} {
                server {{service.Name}}:{{port}};
                keepalive 16;
            }

            server {
                listen {{port}};

                location / {
                    proxy_pass http://{{service.Name}};
                    proxy_http_version 1.1;
                    proxy_set_header Connection "";
                    proxy_set_header Host $host;
                    proxy_set_header X-Forwarded-For $remote_addr;
                    proxy_set_header X-Forwarded-Proto $scheme;
                    proxy_buffering off;
                    proxy_cache off;
                    proxy_read_timeout 1h;
                    proxy_send_timeout 1h;
                    proxy_next_upstream error timeout http_503;
                }
            }

            """;
    }
}
