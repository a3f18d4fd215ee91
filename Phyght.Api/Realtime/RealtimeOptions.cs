namespace Phyght.Api.Realtime;

/// <summary><c>Realtime</c>: delivery limits.</summary>
public sealed class RealtimeOptions
{
    public const string Section = "Realtime";

    /// <summary>Events queued for one client before it counts as too slow: it is sent <c>resync</c> and disconnected.</summary>
    public int ClientQueueLimit { get; set; } = 500;

    /// <summary>The least time between two writes to one client: an event for a client written to less than this ago
    /// waits for the rest of it, and goes in one write with whatever else arrived meanwhile (under load, fewer and
    /// larger frames; an idle client's first event goes at once).</summary>
    public int WriteIntervalMilliseconds { get; set; } = 100;

    /// <summary>The most events one <c>Subscribe(videoId, afterSeq)</c> replays; past it the client is sent <c>resync</c>
    /// with the last seq replayed and subscribes again from there.</summary>
    public int MaxReplay { get; set; } = 1_000;

    /// <summary>Videos one connection may be subscribed to at once.</summary>
    public int MaxSubscriptions { get; set; } = 200;

    /// <summary>Open connections per signed-in user on one instance (anonymous connections are limited per address by
    /// the HTTP rate limits on negotiation).</summary>
    public int MaxConnectionsPerUser { get; set; } = 20;

    /// <summary>Hub calls per connection: a token bucket of this size, refilled at this many per second.</summary>
    public int CallsPerSecond { get; set; } = 20;
}
