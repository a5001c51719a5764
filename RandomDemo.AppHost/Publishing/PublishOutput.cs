namespace RandomDemo.AppHost.Publishing;

/// <summary>
/// Writes the output all or nothing: into a staging directory beside the output directory, moved into
/// place only when everything is written. An output directory may already hold a previous publish
/// (our files are replaced), nothing else.
/// </summary>
internal static class PublishOutput
{
    public const string KubernetesDirectory = "k8s";

    /// <summary>First line of every file written, so that an edit goes to the AppHost instead.</summary>
    public const string GeneratedHeader = "# Written by `aspire publish` from the RandomDemo AppHost's app model: change the AppHost and publish again.\n";

    private static readonly string[] OwnEntries = [ComposeFile.FileName, ComposeFile.EnvironmentFileName, KubernetesDirectory];

    /// <summary>A file or directory a publish writes: the fixed ones, and a proxy config per replicated public service.</summary>
    private static bool IsOwnEntry(string name) => OwnEntries.Contains(name) || name.EndsWith(ReplicaProxy.ConfigSuffix, StringComparison.Ordinal);

    public static void Write(string outputDirectory, Action<string> writeInto)
    {
        var output = Path.GetFullPath(outputDirectory);
        CheckHoldsOnlyOwnFiles(output);

        var parent = Path.GetDirectoryName(output) ?? throw new PublishException($"Cannot publish into {output}: choose a directory below it.");
        var staging = Path.Combine(parent, $".{Path.GetFileName(output)}.publishing-{Guid.NewGuid():N}");
        try
        {
            Directory.CreateDirectory(staging);
            writeInto(staging);
            MoveIntoPlace(staging, output);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new PublishException($"Cannot write the output to {output}: {e.Message}", e);
        }
        finally
        {
            if (Directory.Exists(staging))
            {
                Directory.Delete(staging, recursive: true);
            }
        }
    }

    private static void CheckHoldsOnlyOwnFiles(string output)
    {
        if (File.Exists(output))
        {
            throw new PublishException($"Cannot publish into {output}: it is a file, not a directory.");
        }

        if (!Directory.Exists(output))
        {
            return;
        }

        var foreign = Directory.EnumerateFileSystemEntries(output)
            .Where(entry => !IsOwnEntry(Path.GetFileName(entry)))
            .Concat(Directory.Exists(Path.Combine(output, KubernetesDirectory))
                ? Directory.EnumerateFileSystemEntries(Path.Combine(output, KubernetesDirectory)).Where(entry => Path.GetExtension(entry) != ".yaml" || Directory.Exists(entry))
                : [])
            .Order(StringComparer.Ordinal)
            .FirstOrDefault();
        if (foreign is not null)
        {
            throw new PublishException($"Cannot publish into {output}: it holds {Path.GetRelativePath(output, foreign)}, which a publish did not write. Choose an empty or new directory.");
        }
    }

    private static void MoveIntoPlace(string staging, string output)
    {
        if (!Directory.Exists(output))
        {
            Directory.Move(staging, output);
            return;
        }

        // A previous publish: its files give way to the new ones (a removed resource's manifest goes too).
        foreach (var entry in Directory.EnumerateFileSystemEntries(output).Where(entry => IsOwnEntry(Path.GetFileName(entry))).ToList())
        {
            if (Directory.Exists(entry))
            {
                Directory.Delete(entry, recursive: true);
            }
            else
            {
                File.Delete(entry);
            }
        }

        foreach (var entry in Directory.EnumerateFileSystemEntries(staging))
        {
            var target = Path.Combine(output, Path.GetFileName(entry));
            if (Directory.Exists(entry))
            {
                Directory.Move(entry, target);
            }
            else
            {
                File.Move(entry, target);
            }
        }
    }
}
