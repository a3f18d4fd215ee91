using Phyght.Core.Data;

namespace Phyght.Core.Realtime;

/// <summary>Told of every change this process commits, before it is published (e.g. to evict caches at once).</summary>
public interface IChangeListener
{
    ValueTask OnCommittedAsync(ChangeEvent change, CancellationToken ct);
}
