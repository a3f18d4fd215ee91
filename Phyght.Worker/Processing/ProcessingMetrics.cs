using System.Diagnostics.Metrics;

namespace Phyght.Worker.Processing;

/// <summary>Processing duration and outcomes, the queue's depth and the age of its oldest job.</summary>
public sealed class ProcessingMetrics
{
    private long _queueDepth;
    private double _oldestAgeSeconds;

    public ProcessingMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(PhyghtTelemetry.MeterName);
        Duration = meter.CreateHistogram<double>("phyght.processing.duration", "s", "Time to process one upload.");
        Completed = meter.CreateCounter<long>("phyght.processing.completed", "{job}", "Jobs finished, by outcome (ready, failed, retry, dead).");
        meter.CreateObservableGauge("phyght.jobs.queue_depth", () => Interlocked.Read(ref _queueDepth), "{job}", "Jobs waiting to run.");
        meter.CreateObservableGauge("phyght.jobs.oldest_age", () => Volatile.Read(ref _oldestAgeSeconds), "s", "Age of the oldest waiting job.");
    }

    public Histogram<double> Duration { get; }
    public Counter<long> Completed { get; }

    public void Queue(long depth, double oldestAgeSeconds)
    {
        Interlocked.Exchange(ref _queueDepth, depth);
        Volatile.Write(ref _oldestAgeSeconds, oldestAgeSeconds);
    }

    public void Outcome(string outcome) => Completed.Add(1, new KeyValuePair<string, object?>("outcome", outcome));
}
