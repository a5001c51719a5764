using RandomDemo.Tests.Infrastructure;

namespace RandomDemo.Tests.Publishing;

/// <summary>Output the publisher must not write: one message, a non-zero exit, nothing left behind.</summary>
public sealed class PublishFailureTests : IDisposable
{
    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("randomdemo-publish-bad-");

    public void Dispose() => _root.Delete(recursive: true);

    [Fact]
    public async Task A_directory_with_files_a_publish_did_not_write_is_refused_and_left_as_it_was()
    {
        var output = _root.CreateSubdirectory("out");
        await File.WriteAllTextAsync(Path.Combine(output.FullName, "notes.txt"), "mine");

        var publish = await StartedProcess.PublishWithAppHostAsync(output.FullName);

        Assert.NotEqual(0, publish.ExitCode);
        Assert.Contains("it holds notes.txt, which a publish did not write", publish.Output);
        Assert.DoesNotContain("   at ", publish.Output);
        Assert.Equal(["notes.txt"], output.EnumerateFileSystemInfos().Select(entry => entry.Name));
        Assert.Equal(["out"], _root.EnumerateFileSystemInfos().Select(entry => entry.Name));
    }

    [Fact]
    public async Task An_unwritable_path_is_refused_with_nothing_written()
    {
        // Below a regular file: no one, root included, can create a directory there.
        var file = Path.Combine(_root.FullName, "a-file");
        await File.WriteAllTextAsync(file, "");

        var publish = await StartedProcess.PublishWithAppHostAsync(Path.Combine(file, "out"));

        Assert.NotEqual(0, publish.ExitCode);
        Assert.Contains("Cannot write the output to", publish.Output);
        Assert.DoesNotContain("   at ", publish.Output);
        Assert.Equal(["a-file"], _root.EnumerateFileSystemInfos().Select(entry => entry.Name));
    }

    [Fact]
    public async Task A_bad_published_port_is_one_line_naming_the_setting_with_nothing_written()
    {
        var output = Path.Combine(_root.FullName, "out");

        var publish = await StartedProcess.PublishWithAppHostAsync(output, "--Ports:dashboard=http");

        Assert.Equal(2, publish.ExitCode);
        Assert.Contains("--Ports:dashboard must be a TCP port from 1 to 65535, not 'http'.", publish.Output);
        Assert.DoesNotContain("   at ", publish.Output);
        Assert.Empty(_root.EnumerateFileSystemInfos());
    }

    [Fact]
    public async Task A_previous_publish_is_replaced()
    {
        var output = Path.Combine(_root.FullName, "out");
        Assert.Equal(0, (await StartedProcess.PublishWithAppHostAsync(output)).ExitCode);
        var stale = Path.Combine(output, "k8s", "removed-resource.yaml");
        await File.WriteAllTextAsync(stale, "");

        var publish = await StartedProcess.PublishWithAppHostAsync(output);

        Assert.True(publish.ExitCode == 0, publish.Output);
        Assert.False(File.Exists(stale));
        Assert.True(File.Exists(Path.Combine(output, "docker-compose.yaml")));
        Assert.Equal(["out"], _root.EnumerateFileSystemInfos().Select(entry => entry.Name));
    }

    [Fact]
    public async Task Aspire_cli_publish_writes_the_same_files()
    {
        var output = Path.Combine(_root.FullName, "out");

        var publish = await StartedProcess.PublishWithAspireCliAsync(output);

        Assert.True(publish.ExitCode == 0, publish.Output);
        Assert.Equal([".env", "docker-compose.yaml", "k8s"], Directory.EnumerateFileSystemEntries(output).Select(Path.GetFileName).Order());
    }
}
