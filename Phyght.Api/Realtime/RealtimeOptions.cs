namespace Phyght.Api.Realtime;

/// <summary><c>Realtime</c>: delivery limits.</summary>
public sealed class RealtimeOptions
{
    public const string Section = "Realtime";

    /// <summary>Events queued for one client before it counts as too slow: it is sent <c>resync</c> and disconnected.</summary>
    public int ClientQueueLimit { get; set; } = 500;
}
