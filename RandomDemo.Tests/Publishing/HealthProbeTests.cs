using Microsoft.Extensions.Hosting;
using RandomDemo.Contracts;
using RandomDemo.Tests.Infrastructure;

namespace RandomDemo.Tests.Publishing;

/// <summary>The services' health-probe mode that the published compose healthchecks run.</summary>
public sealed class HealthProbeTests(GeneratorFixture generator) : IClassFixture<GeneratorFixture>
{
    [Fact]
    public async Task Grpc_probe_of_a_serving_generator_exits_0()
    {
        var probe = await Probe(HealthProbe.Grpc, generator.Process.BaseAddress.ToString());
        Assert.True(probe.ExitCode == 0, probe.Output);
    }

    [Theory]
    [InlineData(HealthProbe.Grpc)]
    [InlineData(HealthProbe.Http)]
    public async Task Probe_of_a_port_nothing_listens_on_exits_1(string kind)
    {
        var probe = await Probe(kind, $"http://127.0.0.1:{LoopbackPort.Free()}{HealthEndpoints.Health}");
        Assert.Equal(1, probe.ExitCode);
    }

    [Fact]
    public async Task Http_probe_of_the_h2c_only_generator_exits_1()
    {
        // The generator answers HTTP/1.1 with 400: why its healthcheck must speak gRPC.
        var probe = await Probe(HealthProbe.Http, new Uri(generator.Process.BaseAddress, HealthEndpoints.Health).ToString());
        Assert.Equal(1, probe.ExitCode);
    }

    [Fact]
    public async Task A_generator_told_its_port_by_HTTP_PORTS_as_in_a_container_passes_its_grpc_probe()
    {
        // The published environment sets HTTP_PORTS (all interfaces), not ASPNETCORE_URLS.
        var port = LoopbackPort.Free();
        await using var containerLike = await StartedProcess.StartServiceAsync(
            "RandomDemo.Generator",
            environment: new Dictionary<string, string?> { ["ASPNETCORE_URLS"] = null, ["HTTP_PORTS"] = port.ToString() },
            port: port);

        var probe = await Probe(HealthProbe.Grpc, $"http://localhost:{port}");

        Assert.True(probe.ExitCode == 0, probe.Output);
        Assert.Contains(containerLike.Output, line => line.Contains($"Now listening on: http://[::]:{port}"));
    }

    [Theory]
    [InlineData("tcp", "http://127.0.0.1:1")]
    [InlineData("grpc", "127.0.0.1:50051")]
    [InlineData("http", "")]
    public async Task A_probe_command_line_it_cannot_run_is_one_error_line_naming_the_flag_and_exit_code_2(string kind, string url)
    {
        var probe = await Probe(kind, url);

        Assert.Equal(HealthProbeMode.BadArgumentExitCode, probe.ExitCode);
        var line = Assert.Single(probe.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith($"error: {HealthProbe.Flag} takes", line);
    }

    private static Task<FinishedProcess> Probe(string kind, string url) =>
        StartedProcess.RunAsync("dotnet", Repository.BuildOutput("RandomDemo.Generator"), HealthProbe.Flag, kind, url);
}
