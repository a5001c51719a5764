using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Reflection;
using Xunit.Abstractions;

namespace RandomDemo.Tests.Infrastructure;

/// <summary>
/// One RandomDemo service running as a real process from its build output, listening on a
/// loopback port chosen at run time. Output goes to the test's output; disposal kills it.
/// </summary>
public sealed class ServiceProcess : IAsyncDisposable
{
    public static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);
    public static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(10);

    private readonly Process _process;
    private readonly ConcurrentQueue<string> _lines = new();
    private readonly TaskCompletionSource _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ITestOutputHelper? _output;

    private ServiceProcess(string name, int port, Process process, ITestOutputHelper? output)
    {
        Name = name;
        Port = port;
        _process = process;
        _output = output;
    }

    public string Name { get; }

    public int Port { get; }

    public int ProcessId => _process.Id;

    public Uri BaseAddress => new($"http://127.0.0.1:{Port}");

    public bool HasExited => _process.HasExited;

    /// <summary>Everything the process has written so far, stdout and stderr.</summary>
    public IReadOnlyCollection<string> Output => _lines;

    /// <summary>
    /// Starts <paramref name="project"/> (e.g. "RandomDemo.Generator") on <paramref name="port"/>
    /// (a free one when null) in <paramref name="workingDirectory"/> (its output folder when null)
    /// and returns once Kestrel says it is listening.
    /// </summary>
    public static async Task<ServiceProcess> StartAsync(
        string project,
        ITestOutputHelper? output = null,
        IReadOnlyDictionary<string, string?>? environment = null,
        int? port = null,
        string? workingDirectory = null,
        CancellationToken cancellationToken = default)
    {
        var dll = BuildOutput(project);
        var chosenPort = port ?? FreePort();
        var startInfo = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workingDirectory ?? Path.GetDirectoryName(dll)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        startInfo.ArgumentList.Add(dll);
        startInfo.Environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{chosenPort}";
        startInfo.Environment["ASPNETCORE_ENVIRONMENT"] = "Development";
        startInfo.Environment["Logging__Console__FormatterName"] = "simple";
        startInfo.Environment["Logging__Console__FormatterOptions__SingleLine"] = "true";
        startInfo.Environment.Remove("OTEL_EXPORTER_OTLP_ENDPOINT");
        foreach (var (key, value) in environment ?? new Dictionary<string, string?>())
        {
            startInfo.Environment[key] = value;
        }

        var process = new Process { StartInfo = startInfo, EnableRaisingEvents = true };
        var service = new ServiceProcess(project, chosenPort, process, output);
        process.OutputDataReceived += (_, e) => service.OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => service.OnLine(e.Data);
        process.Exited += (_, _) => service._listening.TrySetException(
            new InvalidOperationException($"{project} exited with code {process.ExitCode} before listening:\n{string.Join('\n', service._lines)}"));
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        try
        {
            await service._listening.Task.WaitAsync(StartTimeout, cancellationToken);
        }
        catch (InvalidOperationException) when (process.HasExited)
        {
            // The exit is often seen before the last lines of output are read, and those say why.
            await Task.WhenAny(process.WaitForExitAsync(CancellationToken.None), Task.Delay(StopTimeout, CancellationToken.None));
            var exitCode = process.ExitCode;
            await service.DisposeAsync();
            throw new InvalidOperationException($"{project} exited with code {exitCode} before listening:\n{string.Join('\n', service._lines)}");
        }
        catch
        {
            await service.DisposeAsync();
            throw;
        }

        return service;
    }

    /// <summary>A TCP port on loopback that nothing listens on right now.</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Path of a service's built assembly, in the same configuration as these tests.</summary>
    public static string BuildOutput(string project)
    {
        var configuration = typeof(ServiceProcess).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";
        var dll = Path.Combine(RepositoryRoot, project, "bin", configuration, "net10.0", project + ".dll");
        return File.Exists(dll) ? dll : throw new FileNotFoundException($"{project} is not built (looked for {dll})", dll);
    }

    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    /// <summary>Waits until at least <paramref name="count"/> lines of output satisfy <paramref name="match"/>.</summary>
    public Task WaitForLinesAsync(Func<string, bool> match, int count, string what, TimeSpan timeout) =>
        Eventually.UntilAsync(() => _lines.Count(match), seen => seen >= count, timeout, $"{count} lines of {Name} output: {what}");

    /// <summary>SIGTERM, then waits for a graceful exit (killed if it takes longer than <see cref="StopTimeout"/>).</summary>
    public async Task StopAsync()
    {
        if (_process.HasExited)
        {
            return;
        }

        try
        {
            ProcessSignals.Send(_process.Id, UnixSignal.SIGTERM);
        }
        catch (System.ComponentModel.Win32Exception) when (_process.HasExited)
        {
            // It ended between the check and the signal.
            return;
        }

        using var timeout = new CancellationTokenSource(StopTimeout);
        try
        {
            await _process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            Kill();
        }
    }

    /// <summary>SIGKILL: the process ends at once, as in a crash.</summary>
    public void Kill()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(StopTimeout);
        }
    }

    public ValueTask DisposeAsync()
    {
        Kill();
        _process.Dispose();
        return ValueTask.CompletedTask;
    }

    private void OnLine(string? line)
    {
        if (line is null)
        {
            return;
        }

        _lines.Enqueue(line);
        if (line.Contains("Now listening on:", StringComparison.Ordinal))
        {
            _listening.TrySetResult();
        }

        try
        {
            _output?.WriteLine($"[{Name}] {line}");
        }
        catch (InvalidOperationException)
        {
            // The test has finished; its output no longer takes lines.
        }
    }

    private static string FindRepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "RandomDemo.sln")))
            {
                return dir.FullName;
            }
        }

        throw new DirectoryNotFoundException("RandomDemo.sln not found above " + AppContext.BaseDirectory);
    }
}
