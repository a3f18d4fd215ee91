using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Net;
using Phyght.Tests.Infrastructure;

namespace Phyght.Tests.Integration;

/// <summary>
/// The seed's metrics record what happened: an API instance in the test process (on the stack's real servers), its
/// <c>Phyght</c> instruments read with a <see cref="MeterListener"/> while the test syncs and uploads through it.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class MetricsTests(StackFixture fixture)
{
    private PhyghtStack Stack => fixture.Stack;

    [Fact]
    public async Task Sync_and_upload_instruments_count_exactly_what_was_done()
    {
        await using var api = await InProcessApi.StartAsync(Stack);
        using var recorded = new RecordedMeasurements();
        var admin = (await Accounts.AdminAsync(Stack)).On(api.CreateClient());
        var id = (await admin.CreateVideoAsync(new { title = "Measured" }))["id"]!.GetValue<string>();

        // Three batches of two ops, one batch sent again, and one concurrent title that loses.
        var actor = $"metrics-{Guid.NewGuid():N}";
        object Batch(long first) => new
        {
            video_id = id,
            client_vector_clock = new Dictionary<string, long>(),
            operations = SyncOps.AddTags(actor, [first, first + 1]),
        };
        var conflictsReported = 0;
        foreach (var body in new[] { Batch(1), Batch(3), Batch(5), Batch(1) })
        {
            var (status, response) = await admin.PostAsync("/sync", body);
            Assert.Equal(HttpStatusCode.OK, status);
            conflictsReported += response!["conflicts_resolved"]!.GetValue<int>();
        }
        var loser = new
        {
            video_id = id,
            client_vector_clock = new Dictionary<string, long>(),
            operations = new[] { new { actor = actor + "-late", seq = 1L, lamport = 1L, type = "update_title", value = "Stale title", context = new Dictionary<string, long>() } },
        };
        var (loserStatus, loserResponse) = await admin.PostAsync("/sync", loser);
        Assert.Equal(HttpStatusCode.OK, loserStatus);
        conflictsReported += loserResponse!["conflicts_resolved"]!.GetValue<int>();

        Assert.Equal(7, recorded.Sum("phyght.sync.ops_applied"));
        Assert.Equal(2, recorded.Sum("phyght.sync.duplicates_ignored"));
        Assert.Equal(conflictsReported, recorded.Sum("phyght.sync.conflicts_resolved"));
        Assert.True(conflictsReported >= 1, "the late title lost to the one set at creation");
        Assert.Equal(5, recorded.Count("phyght.sync.duration"));

        // Two uploads stored, one refused for its type.
        var clip = await MediaFixtures.VideoAsync("mp4");
        for (var i = 0; i < 2; i++)
        {
            Assert.Equal(HttpStatusCode.OK, await admin.UploadAsync(id, clip));
        }
        var png = Path.Combine(Path.GetTempPath(), $"{Guid.NewGuid():N}.mp4");
        await File.WriteAllBytesAsync(png, [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13]);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, await admin.UploadAsync(id, png, "not-a-video.mp4"));

        Assert.Equal(2, recorded.Sum("phyght.uploads.completed", ("outcome", "stored")));
        Assert.Equal(1, recorded.Sum("phyght.uploads.completed", ("outcome", "wrong_type")));
        Assert.Equal(2 * new FileInfo(clip).Length, recorded.Sum("phyght.storage.bytes_stored"));
    }

    /// <summary>Every measurement of the <c>Phyght</c> meter made in this process while it is alive.</summary>
    private sealed class RecordedMeasurements : IDisposable
    {
        private readonly MeterListener _listener = new();
        private readonly ConcurrentQueue<(string Instrument, double Value, KeyValuePair<string, object?>[] Tags)> _measurements = new();

        public RecordedMeasurements()
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == "Phyght")
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => _measurements.Enqueue((instrument.Name, value, tags.ToArray())));
            _listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => _measurements.Enqueue((instrument.Name, value, tags.ToArray())));
            _listener.Start();
        }

        public long Sum(string instrument, params (string Key, string Value)[] tags) =>
            (long)Matching(instrument, tags).Sum(m => m.Value);

        public int Count(string instrument) => Matching(instrument, []).Count();

        private IEnumerable<(string Instrument, double Value, KeyValuePair<string, object?>[] Tags)> Matching(string instrument, (string Key, string Value)[] tags) =>
            _measurements.Where(m => m.Instrument == instrument && tags.All(t => m.Tags.Any(k => k.Key == t.Key && Equals(k.Value, t.Value))));

        public void Dispose() => _listener.Dispose();
    }
}
