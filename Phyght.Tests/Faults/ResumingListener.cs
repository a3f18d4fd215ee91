using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Phyght.Tests.Infrastructure;

namespace Phyght.Tests.Faults;

/// <summary>
/// A catalogue subscriber that behaves as api.md asks a client to: it remembers the last seq it was sent and, when
/// told to <c>resync</c> or when its connection drops, subscribes again with <c>SubscribeAllAfter</c> from there
/// (on a new connection if need be). Events are kept as received, duplicates included, so a test sees both gaps
/// and doubles.
/// </summary>
internal sealed class ResumingListener : IAsyncDisposable
{
    private readonly PhyghtStack _stack;
    private readonly string _accessToken;
    private readonly string _instance;
    private HubConnection? _connection;
    private long _lastSeq;
    private volatile bool _disposed;

    private ResumingListener(PhyghtStack stack, string accessToken, string instance)
    {
        _stack = stack;
        _accessToken = accessToken;
        _instance = instance;
    }

    public string Instance => _instance;

    public ConcurrentQueue<JsonElement> Events { get; } = new();

    /// <summary>How many times it subscribed again after a resync or a dropped connection.</summary>
    public int Resumes;

    public static async Task<ResumingListener> ConnectAsync(PhyghtStack stack, string accessToken, string instance)
    {
        var listener = new ResumingListener(stack, accessToken, instance);
        await listener.OpenAsync(after: null);
        return listener;
    }

    public IEnumerable<JsonElement> For(string videoId) => Events.Where(e =>
        (e.GetProperty("new").ValueKind == JsonValueKind.Object ? e.GetProperty("new") : e.GetProperty("old")).GetProperty("id").GetString() == videoId);

    /// <summary>Seqs that arrived on a connection after a later one had: a client's last seq would then not be a point
    /// to resume from.</summary>
    public ConcurrentQueue<string> OutOfOrder { get; } = new();

    private async Task OpenAsync(long? after)
    {
        var connection = new HubConnectionBuilder()
            .WithUrl(new Uri(_stack.App.CreateHttpClient(_instance).BaseAddress!, "/realtime"),
                options => options.AccessTokenProvider = () => Task.FromResult<string?>(_accessToken))
            .Build();
        long lastOnThisConnection = 0;
        var subscribed = false;
        connection.On<JsonElement>("videoChanged", change =>
        {
            Events.Enqueue(change);
            var seq = change.GetProperty("seq").GetInt64();
            if (seq <= lastOnThisConnection)
            {
                OutOfOrder.Enqueue($"seq {seq} after {lastOnThisConnection}");
            }
            lastOnThisConnection = seq;
            Interlocked.Exchange(ref _lastSeq, Math.Max(seq, Interlocked.Read(ref _lastSeq)));
        });
        connection.On<JsonElement>("resync", async resync =>
        {
            Interlocked.Increment(ref Resumes);
            var from = resync.GetProperty("after_seq").GetInt64();
            // A capped replay: the connection stays, the client asks for the rest (again while the server says it
            // cannot now). A slow client: the server is closing the connection, and Closed resumes on a new one.
            await Eventually.ReturnsAsync(async () =>
            {
                try
                {
                    await connection.InvokeAsync("SubscribeAllAfter", from);
                    return true;
                }
                catch (HubException)
                {
                    return false;
                }
                catch (Exception)
                {
                    return true;
                }
            }, done => done, TimeSpan.FromMinutes(2), $"the listener on {_instance} resumes after resync");
        });
        connection.Closed += async _ =>
        {
            if (_disposed || !subscribed)
            {
                return;
            }
            Interlocked.Increment(ref Resumes);
            await Eventually.ReturnsAsync(async () =>
            {
                try
                {
                    await OpenAsync(Interlocked.Read(ref _lastSeq));
                    return true;
                }
                catch (Exception)
                {
                    return false;
                }
            }, opened => opened, TimeSpan.FromMinutes(2), $"the listener on {_instance} reconnects");
        };
        try
        {
            await connection.StartAsync();
            if (after is { } seq)
            {
                await connection.InvokeAsync("SubscribeAllAfter", seq);
            }
            else
            {
                await connection.InvokeAsync("SubscribeAll");
            }
        }
        catch
        {
            // As a client would: a connection whose subscribe failed is dropped, not left open beside the next one.
            await connection.DisposeAsync();
            throw;
        }
        subscribed = true;
        _connection = connection;
    }

    public async ValueTask DisposeAsync()
    {
        _disposed = true;
        if (_connection is not null)
        {
            await _connection.DisposeAsync();
        }
    }
}
