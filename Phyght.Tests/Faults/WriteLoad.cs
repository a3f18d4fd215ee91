using System.Collections.Concurrent;
using System.Net;
using Phyght.Tests.Infrastructure;

namespace Phyght.Tests.Faults;

/// <summary>Writers that edit and sync videos through several API instances until stopped, remembering what the API
/// acknowledged and what it did not.</summary>
public sealed class WriteLoad
{
    public ConcurrentQueue<(string VideoId, string Description)> AcknowledgedEdits { get; } = new();

    /// <summary>Every sync batch sent (each by an actor of its own), and whether the API acknowledged it.</summary>
    public ConcurrentQueue<(string VideoId, string Actor, bool Acknowledged)> SyncBatches { get; } = new();

    public ConcurrentQueue<HttpStatusCode> Refusals { get; } = new();

    public const int OpsPerBatch = 5;

    /// <summary>One writer per (video, instance): edits the description, then sends a sync batch, in turn, until
    /// <paramref name="stop"/> or <paramref name="rounds"/>.</summary>
    public Task RunAsync(IReadOnlyList<ApiUser> instances, IReadOnlyList<string> videoIds, int rounds, CancellationToken stop = default) =>
        Task.WhenAll(videoIds.SelectMany((id, v) => instances.Select((instance, i) => WriterAsync(instance, id, $"w{v}-{i}", rounds, stop))));

    private async Task WriterAsync(ApiUser instance, string videoId, string writer, int rounds, CancellationToken stop)
    {
        for (var round = 0; round < rounds && !stop.IsCancellationRequested; round++)
        {
            var description = $"{writer} edit {round}";
            var edited = await TryAsync(() => instance.PutAsync($"/videos-update/{videoId}", new { description }));
            if (edited == HttpStatusCode.OK)
            {
                AcknowledgedEdits.Enqueue((videoId, description));
            }
            var actor = $"{writer}-{Guid.NewGuid():N}"[..24];
            var ops = Enumerable.Range(1, OpsPerBatch).Select(s => new
            {
                actor,
                seq = s,
                lamport = s,
                type = "add_tag",
                value = $"{actor}-{s}",
                context = new Dictionary<string, long> { [actor] = s - 1 },
            }).ToArray();
            var synced = await TryAsync(() => instance.PostAsync("/sync", new { video_id = videoId, operations = ops }));
            SyncBatches.Enqueue((videoId, actor, synced == HttpStatusCode.OK));
        }
    }

    private async Task<HttpStatusCode?> TryAsync(Func<Task<(HttpStatusCode Status, System.Text.Json.Nodes.JsonNode? Body)>> send)
    {
        try
        {
            var (status, _) = await send();
            if (status != HttpStatusCode.OK)
            {
                Refusals.Enqueue(status);
            }
            return status;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            return null; // the instance went away mid-request (or never answered): neither acknowledged nor refused
        }
    }

    /// <summary>Each acknowledged batch is stored whole; each batch that was not is stored whole or not at all.</summary>
    public async Task AssertSyncBatchesAtomicAsync(PhyghtStack stack)
    {
        Assert.NotEmpty(SyncBatches);
        foreach (var (videoId, actor, acknowledged) in SyncBatches)
        {
            var stored = await Database.ScalarAsync<long>(stack,
                "SELECT count(*) FROM crdt_operations WHERE video_id = @id AND actor = @actor", ("id", Guid.Parse(videoId)), ("actor", actor));
            if (acknowledged)
            {
                Assert.True(stored == OpsPerBatch, $"acknowledged batch of {actor} is stored whole ({stored} of {OpsPerBatch})");
            }
            else
            {
                Assert.True(stored is 0 or OpsPerBatch, $"unacknowledged batch of {actor} is stored whole or not at all ({stored})");
            }
        }
    }
}
