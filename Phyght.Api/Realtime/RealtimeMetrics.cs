using System.Diagnostics.Metrics;

namespace Phyght.Api.Realtime;

public sealed class RealtimeMetrics
{
    public RealtimeMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(PhyghtTelemetry.MeterName);
        Connections = meter.CreateUpDownCounter<long>("phyght.realtime.connections", "{connection}", "Connected real-time clients on this instance.");
        Subscriptions = meter.CreateCounter<long>("phyght.realtime.subscriptions", "{subscription}", "Subscribe calls, by kind (video, all, replay).");
        Delivered = meter.CreateCounter<long>("phyght.realtime.events_delivered", "{event}", "Change events sent to clients, live or replayed.");
        Latency = meter.CreateHistogram<double>("phyght.realtime.delivery_latency", "s", "From the change's commit to its send to a client.");
        EventsPerWrite = meter.CreateHistogram<int>("phyght.realtime.events_per_write", "{event}",
            "Events sent to a client in one write: more than one when they arrived within Realtime:WriteIntervalMilliseconds of its last write.",
            advice: new() { HistogramBucketBoundaries = [1, 2, 4, 8, 16, 32, 64] });
        SlowClients = meter.CreateCounter<long>("phyght.realtime.slow_clients", "{connection}", "Clients that fell too far behind, told to resync and disconnected.");
        Recovered = meter.CreateCounter<long>("phyght.realtime.events_recovered", "{event}",
            "Changes this instance delivered from the change feed because they did not arrive through Redis, by reason: outage (Redis or the database was away) or lost (not seen within seconds otherwise: worth a look).");
        CallsRefused = meter.CreateCounter<long>("phyght.realtime.calls_refused", "{call}", "Hub calls refused: rate limited, too many subscriptions or connections.");
    }

    public UpDownCounter<long> Connections { get; }
    public Counter<long> Subscriptions { get; }
    public Counter<long> Delivered { get; }
    public Histogram<double> Latency { get; }
    public Histogram<int> EventsPerWrite { get; }
    public Counter<long> SlowClients { get; }
    public Counter<long> CallsRefused { get; }
    public Counter<long> Recovered { get; }
}
