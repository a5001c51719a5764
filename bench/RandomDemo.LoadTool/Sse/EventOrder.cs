namespace RandomDemo.LoadTool.Sse;

/// <summary>
/// What one client must see of the data event ids, across all its streams: each id once and in
/// order; ids skipped only where a gap event announced them; numbering afresh only after a reset event.
/// </summary>
internal sealed class EventOrder
{
    private bool _gapAnnounced;
    private bool _resetAnnounced;

    /// <summary>The first data id taken; -1 before any.</summary>
    public long FirstId { get; private set; } = -1;

    /// <summary>The newest data id taken; -1 before any.</summary>
    public long LastId { get; private set; } = -1;

    /// <summary>Data events taken: each newer than the one before.</summary>
    public long Events { get; private set; }

    /// <summary>Data events not newer than the last one taken (a duplicate, or out of order).</summary>
    public long Duplicates { get; private set; }

    /// <summary>Ids skipped, announced by a gap event or not.</summary>
    public long Missing { get; private set; }

    /// <summary>Ids skipped without a gap event.</summary>
    public long Holes { get; private set; }

    public long Gaps { get; private set; }

    public long Resets { get; private set; }

    /// <summary>Takes <paramref name="received"/> into account; true when it is a data event the client takes (newer than any before).</summary>
    public bool Take(in StreamEvent received)
    {
        switch (received.Kind)
        {
            case EventKind.Gap:
                Gaps++;
                _gapAnnounced = true;
                return false;
            case EventKind.Reset:
                Resets++;
                _resetAnnounced = true;
                return false;
            case EventKind.Other:
                return false;
        }

        var id = received.Id;
        if (LastId < 0)
        {
            FirstId = id;
        }
        else if (!_resetAnnounced)
        {
            if (id <= LastId)
            {
                Duplicates++;
                return false;
            }

            var skipped = id - LastId - 1;
            Missing += skipped;
            Holes += _gapAnnounced ? 0 : skipped;
        }

        _gapAnnounced = _resetAnnounced = false;
        LastId = id;
        Events++;
        return true;
    }
}
