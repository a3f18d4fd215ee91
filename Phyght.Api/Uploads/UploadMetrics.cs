using System.Diagnostics.Metrics;

namespace Phyght.Api.Uploads;

/// <summary>The seed's "video upload success rate" and "storage usage".</summary>
public sealed class UploadMetrics
{
    public UploadMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(PhyghtTelemetry.MeterName);
        Completed = meter.CreateCounter<long>("phyght.uploads.completed", "{upload}", "Uploads by outcome (stored, too_large, wrong_type, invalid, not_found, failed).");
        BytesStored = meter.CreateCounter<long>("phyght.storage.bytes_stored", "By", "Bytes written to blob storage, by container.");
        SessionsOpened = meter.CreateCounter<long>("phyght.uploads.sessions_opened", "{session}", "Direct upload sessions opened.");
    }

    public Counter<long> SessionsOpened { get; }

    public Counter<long> Completed { get; }
    public Counter<long> BytesStored { get; }

    public void Outcome(string outcome) => Completed.Add(1, new KeyValuePair<string, object?>("outcome", outcome));
}
