using RandomDemo.Tests.Streaming;

namespace RandomDemo.Tests.ScaleOut;

/// <summary>
/// What a client's stream must look like across replica and Redis faults: each data id once, rising
/// by one, a jump only right after a <c>gap</c> event that names exactly the ids jumped over, and
/// never a <c>reset</c> (the shared log's ids never start afresh).
/// </summary>
public static class EventSequence
{
    /// <summary>What is wrong with <paramref name="events"/>, one line each; empty when nothing is.</summary>
    public static IReadOnlyList<string> Violations(IEnumerable<SseEvent> events, bool gapsAllowed)
    {
        var violations = new List<string>();
        long? previous = null;
        (long From, long To)? gap = null;
        foreach (var next in events)
        {
            switch (next.Type)
            {
                case "gap":
                    if (!gapsAllowed)
                    {
                        violations.Add($"a gap event where none may be: [{next}]");
                    }

                    var json = next.Json;
                    gap = (json.GetProperty("from").GetInt64(), json.GetProperty("to").GetInt64());
                    if (next.Id is not null || json.GetProperty("missed").GetInt64() != gap.Value.To - gap.Value.From + 1)
                    {
                        violations.Add($"a malformed gap event: [{next}]");
                    }

                    continue;
                case "data":
                    break;
                default:
                    violations.Add($"an unexpected event: [{next}]");
                    continue;
            }

            var id = next.EventId;
            if (previous is { } last && id <= last)
            {
                violations.Add($"id {id} after {last}: a repeated or backward id");
                continue;
            }

            if (gap is { } g)
            {
                if ((previous is { } p && g.From != p + 1) || g.To != id - 1)
                {
                    violations.Add($"gap event named {g.From}..{g.To} but the ids went from {previous?.ToString() ?? "(start)"} to {id}");
                }
            }
            else if (previous is { } p && id != p + 1)
            {
                violations.Add($"a silent jump from id {p} to {id} ({id - p - 1} ids missing, no gap event)");
            }

            gap = null;
            previous = id;
        }

        return violations;
    }

    /// <summary>Fails with the client's recent stream when its stream breaks the rules.</summary>
    public static void AssertWellFormed(RecordingSseClient client, bool gapsAllowed)
    {
        var violations = Violations(client.Events, gapsAllowed);
        Assert.True(violations.Count == 0, $"{string.Join("\n", violations)}\n{client.Describe()}");
    }
}
