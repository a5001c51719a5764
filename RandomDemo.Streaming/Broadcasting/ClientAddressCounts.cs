using System.Net;

namespace RandomDemo.Streaming.Broadcasting;

/// <summary>Open streams per client address, capped at Streaming:MaxClientsPerAddress.</summary>
internal sealed class ClientAddressCounts(int limit)
{
    private readonly Dictionary<IPAddress, int> _open = [];
    private readonly Lock _lock = new();

    /// <summary>Counts one more stream for <paramref name="address"/>; false (and nothing counted) at the limit.</summary>
    public bool TryAdd(IPAddress address)
    {
        lock (_lock)
        {
            var open = _open.GetValueOrDefault(address);
            if (open >= limit)
            {
                return false;
            }

            _open[address] = open + 1;
            return true;
        }
    }

    /// <summary>One stream of <paramref name="address"/> ended; an address with none left is forgotten.</summary>
    public void Remove(IPAddress address)
    {
        lock (_lock)
        {
            if (_open.TryGetValue(address, out var open))
            {
                if (open <= 1)
                {
                    _open.Remove(address);
                }
                else
                {
                    _open[address] = open - 1;
                }
            }
        }
    }
}
