using System.Diagnostics.Metrics;

namespace Phyght.Api.Sync;

/// <summary>The seed's "CRDT conflict frequency" and the sync path's volume and latency.</summary>
public sealed class SyncMetrics
{
    public SyncMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(PhyghtTelemetry.MeterName);
        OpsApplied = meter.CreateCounter<long>("phyght.sync.ops_applied", "{op}", "Ops applied to videos (syncs, edits, worker).");
        Duplicates = meter.CreateCounter<long>("phyght.sync.duplicates_ignored", "{op}", "Ops received again and ignored.");
        Conflicts = meter.CreateCounter<long>("phyght.sync.conflicts_resolved", "{conflict}", "Fields decided against a concurrent op.");
        Rejected = meter.CreateCounter<long>("phyght.sync.batches_rejected", "{batch}", "Batches refused whole, by reason.");
        Duration = meter.CreateHistogram<double>("phyght.sync.duration", "s", "Time to handle one POST /sync.");
        GroupSize = meter.CreateHistogram<int>("phyght.sync.group_size", "{batch}", "Batches applied in one transaction with this one (group commit).",
            advice: new InstrumentAdvice<int> { HistogramBucketBoundaries = [1, 2, 4, 8, 16, 32, 64] });
    }

    public Counter<long> OpsApplied { get; }
    public Counter<long> Duplicates { get; }
    public Counter<long> Conflicts { get; }
    public Counter<long> Rejected { get; }
    public Histogram<double> Duration { get; }
    public Histogram<int> GroupSize { get; }
}
