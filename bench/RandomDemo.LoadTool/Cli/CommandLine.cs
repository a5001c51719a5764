using System.Globalization;

namespace RandomDemo.LoadTool.Cli;

/// <summary>A bad command line; the message names the flag and the tool exits with code 2.</summary>
internal sealed class UsageException(string message) : Exception(message);

/// <summary>
/// The <c>--flag value</c> pairs of one command. Every flag must be one the command knows and may
/// appear once; typed getters check ranges, so a bad value fails before any load is generated.
/// </summary>
internal sealed class CommandLine
{
    private readonly string _command;
    private readonly Dictionary<string, string> _values;

    private CommandLine(string command, Dictionary<string, string> values)
    {
        _command = command;
        _values = values;
    }

    public static CommandLine Parse(string command, IReadOnlyList<string> args, IReadOnlyCollection<string> knownFlags)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < args.Count; i++)
        {
            var flag = args[i];
            if (!flag.StartsWith("--", StringComparison.Ordinal) || flag.Length == 2)
            {
                throw new UsageException($"unexpected argument '{flag}' for '{command}' (flags look like --name value)");
            }

            var name = flag[2..];
            if (!knownFlags.Contains(name))
            {
                throw new UsageException($"unknown flag --{name} for '{command}' (known: {string.Join(", ", knownFlags.Select(known => "--" + known))})");
            }

            if (i + 1 >= args.Count || args[i + 1].StartsWith("--", StringComparison.Ordinal))
            {
                throw new UsageException($"flag --{name} needs a value");
            }

            if (!values.TryAdd(name, args[++i]))
            {
                throw new UsageException($"flag --{name} is given more than once");
            }
        }

        return new CommandLine(command, values);
    }

    public bool Has(string name) => _values.ContainsKey(name);

    public int Int(string name, int? fallback, int min, int max)
    {
        var text = Raw(name, fallback?.ToString(CultureInfo.InvariantCulture));
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value < min || value > max)
        {
            throw new UsageException($"flag --{name} must be an integer from {min} to {max}, got '{text}'");
        }

        return value;
    }

    public IReadOnlyList<int> IntList(string name, string fallback, int min, int max)
    {
        var text = Raw(name, fallback);
        var items = text.Split(',', StringSplitOptions.TrimEntries);
        var values = new List<int>(items.Length);
        foreach (var item in items)
        {
            if (!int.TryParse(item, NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value < min || value > max)
            {
                throw new UsageException($"flag --{name} must be a comma-separated list of integers from {min} to {max}, got '{text}'");
            }

            values.Add(value);
        }

        return values;
    }

    /// <summary>An absolute http:// URL on a loopback address (the bench only ever loads the local host).</summary>
    public Uri LoopbackUrl(string name, string? fallback = null)
    {
        var text = Raw(name, fallback);
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || uri.Scheme != Uri.UriSchemeHttp)
        {
            throw new UsageException($"flag --{name} must be an absolute http:// URL, got '{text}'");
        }

        if (!uri.IsLoopback)
        {
            throw new UsageException($"flag --{name} must point at a loopback address (127.0.0.1, localhost), got '{uri.Host}'");
        }

        return uri;
    }

    /// <summary>A file the command writes; its directory must exist.</summary>
    public string OutputFile(string name)
    {
        var path = Path.GetFullPath(Raw(name, null));
        if (!Directory.Exists(Path.GetDirectoryName(path)))
        {
            throw new UsageException($"flag --{name}: no directory {Path.GetDirectoryName(path)}");
        }

        return path;
    }

    public string Choice(string name, string fallback, params string[] choices)
    {
        var text = Raw(name, fallback);
        if (!choices.Contains(text, StringComparer.Ordinal))
        {
            throw new UsageException($"flag --{name} must be one of {string.Join(", ", choices)}, got '{text}'");
        }

        return text;
    }

    /// <summary>An optional process id whose RSS and CPU are sampled from /proc; null when not given.</summary>
    public int? ProcessId(string name)
    {
        if (!Has(name))
        {
            return null;
        }

        var pid = Int(name, null, 1, int.MaxValue);
        if (!File.Exists($"/proc/{pid}/status"))
        {
            throw new UsageException($"flag --{name}: no process {pid} (no /proc/{pid}/status)");
        }

        return pid;
    }

    private string Raw(string name, string? fallback) =>
        _values.TryGetValue(name, out var value)
            ? value
            : fallback ?? throw new UsageException($"'{_command}' needs --{name}");
}
