using System.Text.RegularExpressions;
using RandomDemo.Hosting.ApplicationModel;

namespace RandomDemo.Hosting.Orchestration;

/// <summary>
/// Writes every resource's lines (and the AppHost's own) as <c>HH:mm:ss.fff name | line</c>, the name coloured per
/// resource. Without colour (output redirected and not forced, NO_COLOR, or under test) escape sequences are removed
/// from the services' own lines too.
/// </summary>
internal sealed partial class ConsoleLogWriter : IDisposable
{
    private static readonly string[] Palette = ["\e[36m", "\e[35m", "\e[33m", "\e[32m", "\e[34m", "\e[96m", "\e[95m", "\e[93m"];
    private const string AppHostColor = "\e[1m";
    private const string ErrorColor = "\e[31m";
    private const string Reset = "\e[0m";

    private readonly Action<string> _writeLine;
    private readonly bool _useColor;
    private readonly int _nameWidth;
    private readonly Dictionary<string, string> _colors = new(StringComparer.OrdinalIgnoreCase);
    private readonly Lock _gate = new();
    private readonly IDisposable _subscription;

    public ConsoleLogWriter(ResourceLoggerService logs, DistributedApplicationModel model, DistributedApplicationOptions options)
    {
        _writeLine = options.Output ?? Console.Out.WriteLine;
        _useColor = options.Output is null && UseColor();
        var names = model.Resources.Select(r => r.Name).ToList();
        _nameWidth = names.Append(ResourceLoggerService.AppHostResourceName).Max(n => n.Length);
        for (var i = 0; i < names.Count; i++)
        {
            _colors[names[i]] = Palette[i % Palette.Length];
        }

        _subscription = logs.Subscribe(Write);
    }

    public void Dispose() => _subscription.Dispose();

    private static bool UseColor()
    {
        if (!string.IsNullOrEmpty(Environment.GetEnvironmentVariable("NO_COLOR")))
        {
            return false;
        }

        var forced = Environment.GetEnvironmentVariable("DOTNET_SYSTEM_CONSOLE_ALLOW_ANSI_COLOR_REDIRECTION");
        return forced is "1" || string.Equals(forced, "true", StringComparison.OrdinalIgnoreCase) || !Console.IsOutputRedirected;
    }

    private void Write(LogLine line)
    {
        var time = line.Timestamp.ToString("HH:mm:ss.fff", System.Globalization.CultureInfo.InvariantCulture);
        var name = line.ResourceName.PadRight(_nameWidth);
        string text;
        if (_useColor)
        {
            var color = _colors.GetValueOrDefault(line.ResourceName, AppHostColor);
            var content = line.IsErrorMessage ? $"{ErrorColor}{line.Content}{Reset}" : line.Content;
            text = $"\e[90m{time}{Reset} {color}{name}{Reset} | {content}";
        }
        else
        {
            text = $"{time} {name} | {AnsiEscape().Replace(line.Content, "")}";
        }

        lock (_gate)
        {
            try
            {
                _writeLine(text);
            }
            catch (InvalidOperationException)
            {
                // The output no longer takes lines (e.g. a test that has finished).
            }
        }
    }

    [GeneratedRegex(@"\e\[[0-9;?]*[A-Za-z]")]
    private static partial Regex AnsiEscape();
}
