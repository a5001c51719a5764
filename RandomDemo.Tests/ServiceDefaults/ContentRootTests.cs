using System.Net;
using RandomDemo.Tests.Infrastructure;
using Xunit.Abstractions;
using RandomDemo.Contracts;

namespace RandomDemo.Tests.ServiceDefaults;

/// <summary>A service reads the appsettings.json next to its assembly, whatever directory it is started from.</summary>
public sealed class ContentRootTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData("RandomDemo.Generator")]
    [InlineData("RandomDemo.Gateway")]
    [InlineData("RandomDemo.Streaming")]
    public async Task Service_started_from_another_directory_reads_its_own_appsettings(string project)
    {
        // Each appsettings.json sets Microsoft.AspNetCore to Warning; without the file the framework
        // default (Information) logs "Request starting ..." for every request.
        var elsewhere = Directory.CreateTempSubdirectory("randomdemo-cwd-");
        try
        {
            await using var service = await StartedProcess.StartServiceAsync(project, output, workingDirectory: elsewhere.FullName);
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(service.BaseAddress, HealthEndpoints.Health))
            {
                // The generator speaks HTTP/2 only (h2c, prior knowledge).
                Version = project == "RandomDemo.Generator" ? HttpVersion.Version20 : HttpVersion.Version11,
                VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            };
            using var response = await http.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);

            // A graceful stop logs (and flushes) after the request: any request line would be in the output by then.
            await service.StopAsync();
            Assert.Contains(service.Output, line => line.Contains("Application is shutting down", StringComparison.Ordinal));
            Assert.DoesNotContain(service.Output, line => line.Contains("Request starting", StringComparison.Ordinal));
        }
        finally
        {
            elsewhere.Delete(recursive: true);
        }
    }
}
