using System.Globalization;

namespace RandomDemo.Tests.Infrastructure;

/// <summary>What Linux's /proc says about processes by id: parents, start times, command lines.</summary>
public static class ProcessTable
{
    /// <summary>The parent of every process running now, by process id.</summary>
    public static Dictionary<int, int> Parents()
    {
        var parents = new Dictionary<int, int>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(directory), CultureInfo.InvariantCulture, out var pid) && StatField(pid, 1) is { } parent)
            {
                parents[pid] = (int)parent;
            }
        }

        return parents;
    }

    /// <summary>Every process below <paramref name="root"/> in <paramref name="parents"/>: its children, theirs, and so on.</summary>
    public static List<int> Below(int root, IReadOnlyDictionary<int, int> parents)
    {
        var found = new List<int>();
        var frontier = new Queue<int>([root]);
        while (frontier.TryDequeue(out var parent))
        {
            foreach (var child in parents.Where(p => p.Value == parent).Select(p => p.Key))
            {
                found.Add(child);
                frontier.Enqueue(child);
            }
        }

        return found;
    }

    /// <summary>The direct children of <paramref name="pid"/> (those its main thread started).</summary>
    public static IReadOnlyList<int> ChildrenOf(int pid) =>
        [.. File.ReadAllText($"/proc/{pid}/task/{pid}/children").Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(child => int.Parse(child, CultureInfo.InvariantCulture))];

    /// <summary>When the process started (clock ticks after boot): with the pid, its identity, as pids are reused.</summary>
    public static long? StartTimeOf(int pid) => StatField(pid, 19);

    /// <summary>The command line with its arguments separated by spaces; empty once the process is gone.</summary>
    public static string CommandLineOf(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ');
        }
        catch (IOException)
        {
            return "";
        }
    }

    /// <summary>A numeric field of /proc/PID/stat, counted from the one after the command name (0: the state).</summary>
    private static long? StatField(int pid, int index)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return long.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[index], CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return null;
        }
    }
}
