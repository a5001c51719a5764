using k8s;
using k8s.Models;
using RandomDemo.Tests.Infrastructure;
using YamlDotNet.RepresentationModel;

namespace RandomDemo.Tests.Publishing;

/// <summary>One publish of the real app model into a temporary directory, parsed, shared by a test class.</summary>
public class PublishedOutput : IAsyncLifetime
{
    /// <summary>AppHost settings the publish runs with (none: the default app).</summary>
    protected virtual string[] PublishArguments => [];

    public string Directory { get; } = System.IO.Directory.CreateTempSubdirectory("randomdemo-publish-").FullName;

    public string ComposeFile => Path.Combine(Directory, "docker-compose.yaml");

    public string KubernetesDirectory => Path.Combine(Directory, "k8s");

    /// <summary>The compose file's <c>services</c>, by name.</summary>
    public YamlMappingNode ComposeServices { get; private set; } = null!;

    public YamlMappingNode Compose { get; private set; } = null!;

    public IReadOnlyDictionary<string, string> EnvironmentFile { get; private set; } = null!;

    public IReadOnlyList<V1Deployment> Deployments { get; private set; } = null!;

    public IReadOnlyList<V1Service> Services { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var publish = await StartedProcess.PublishWithAppHostAsync(Directory, PublishArguments);
        Assert.True(publish.ExitCode == 0, $"publish exited {publish.ExitCode}:\n{publish.Output}");

        var stream = new YamlStream();
        stream.Load(new StringReader(await File.ReadAllTextAsync(ComposeFile)));
        Compose = (YamlMappingNode)stream.Documents.Single().RootNode;
        ComposeServices = (YamlMappingNode)Compose.Children["services"];
        EnvironmentFile = (await File.ReadAllLinesAsync(Path.Combine(Directory, ".env")))
            .Where(line => !line.StartsWith('#'))
            .Select(line => line.Split('=', 2))
            .ToDictionary(pair => pair[0], pair => pair[1]);

        var objects = new List<object>();
        foreach (var file in System.IO.Directory.EnumerateFiles(KubernetesDirectory, "*.yaml"))
        {
            objects.AddRange(KubernetesYaml.LoadAllFromString(await File.ReadAllTextAsync(file)));
        }

        Deployments = [.. objects.OfType<V1Deployment>()];
        Services = [.. objects.OfType<V1Service>()];
    }

    public Task DisposeAsync()
    {
        System.IO.Directory.Delete(Directory, recursive: true);
        return Task.CompletedTask;
    }

    /// <summary>docker-compose's own check of the compose file (1.29: the strictest reader of the two).</summary>
    public Task<FinishedProcess> CheckComposeFileAsync() => StartedProcess.RunAsync("docker-compose", "-f", ComposeFile, "config", "-q");

    /// <summary>Every manifest against the Kubernetes schemas, offline (KubernetesValidator/validate.mjs).</summary>
    public Task<FinishedProcess> ValidateKubernetesManifestsAsync()
    {
        var validator = Path.Combine(Repository.Root, "RandomDemo.Tests", "Publishing", "KubernetesValidator");
        Assert.True(System.IO.Directory.Exists(Path.Combine(validator, "node_modules")), $"{validator} has no node_modules: run scripts/install-prerequisites.sh");
        return StartedProcess.RunAsync(["node", Path.Combine(validator, "validate.mjs"), .. System.IO.Directory.GetFiles(KubernetesDirectory, "*.yaml")]);
    }

    public YamlMappingNode ComposeService(string name) => (YamlMappingNode)ComposeServices.Children[name];

    public static IReadOnlyDictionary<string, string> Mapping(YamlNode node) =>
        ((YamlMappingNode)node).Children.ToDictionary(pair => ((YamlScalarNode)pair.Key).Value!, pair => ((YamlScalarNode)pair.Value).Value!);

    public static IReadOnlyList<string> Sequence(YamlNode node) =>
        [.. ((YamlSequenceNode)node).Children.Select(item => ((YamlScalarNode)item).Value!)];
}
