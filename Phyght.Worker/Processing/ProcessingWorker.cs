using System.Diagnostics;
using Microsoft.Extensions.Options;

namespace Phyght.Worker.Processing;

/// <summary>Claims jobs one at a time and runs them; a failed attempt is retried with exponential backoff until
/// <see cref="ProcessingOptions.MaxAttempts"/>, then the job is dead-lettered and the video marked failed.</summary>
public sealed class ProcessingWorker(
    IServiceScopeFactory scopes,
    IOptions<ProcessingOptions> options,
    ProcessingMetrics metrics,
    ILogger<ProcessingWorker> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        logger.LogInformation("Worker {WorkerId} is processing uploads", options.Value.WorkerId);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (!await RunOneAsync(stoppingToken))
                {
                    await Task.Delay(options.Value.PollMilliseconds, stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                logger.LogError(ex, "The processing loop failed; retrying");
                await Task.Delay(TimeSpan.FromSeconds(2), stoppingToken);
            }
        }
    }

    /// <summary>Counts the attempt's end; an attempt whose lease another worker took is counted as lost, not as its outcome.</summary>
    private void Finished(bool held, ProcessingJob job, string outcome)
    {
        metrics.Outcome(held ? outcome : "lease_lost");
        if (!held)
        {
            logger.LogWarning("Job {JobId} for video {VideoId}: attempt {Attempt} lost its lease to another worker", job.Id, job.VideoId, job.Attempts);
        }
    }

    /// <summary>Runs the next job; false when none was waiting.</summary>
    private async Task<bool> RunOneAsync(CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var queue = scope.ServiceProvider.GetRequiredService<JobQueue>();
        var (depth, oldest) = await queue.MeasureAsync(ct);
        metrics.Queue(depth, oldest);
        var job = await queue.ClaimAsync(ct);
        if (job is null)
        {
            return false;
        }

        // The upload's trace continues here: the job row carries the request's traceparent.
        ActivityContext.TryParse(job.TraceParent, null, out var parent);
        using var activity = PhyghtTelemetry.ActivitySource.StartActivity("process video", ActivityKind.Consumer, parent);
        activity?.SetTag("phyght.video.id", job.VideoId);
        activity?.SetTag("phyght.job.id", job.Id);
        activity?.SetTag("phyght.job.attempt", job.Attempts);
        using var _ = logger.BeginScope(new Dictionary<string, object> { ["JobId"] = job.Id, ["VideoId"] = job.VideoId });

        var started = Stopwatch.GetTimestamp();
        var processor = scope.ServiceProvider.GetRequiredService<VideoProcessor>();
        try
        {
            await processor.ProcessAsync(job, ct);
            Finished(await queue.SucceedAsync(job, ct), job, "done");
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            activity?.SetStatus(ActivityStatusCode.Error, ex.Message);
            if (job.Attempts >= options.Value.MaxAttempts)
            {
                // The video first, while the job is still held (the fence of every outcome), then the job.
                var video = await scope.ServiceProvider.GetRequiredService<PhyghtDbContext>().Videos.AsNoTracking()
                    .SingleOrDefaultAsync(v => v.Id == job.VideoId, ct);
                if (video?.FilePath is { } path)
                {
                    await processor.MarkFailedAsync(job, path, $"Processing failed after {job.Attempts} attempts: {ex.Message}", ct);
                }
                Finished(await queue.DeadLetterAsync(job, ex.Message, ct), job, "dead");
                logger.LogError(ex, "Job {JobId} for video {VideoId} is dead after {Attempts} attempts", job.Id, job.VideoId, job.Attempts);
            }
            else
            {
                var backoff = TimeSpan.FromSeconds(Math.Pow(2, job.Attempts));
                Finished(await queue.RetryLaterAsync(job, ex.Message, backoff, ct), job, "retry");
                logger.LogWarning(ex, "Job {JobId} for video {VideoId} failed attempt {Attempt}; retrying in {Backoff}", job.Id, job.VideoId, job.Attempts, backoff);
            }
        }
        finally
        {
            metrics.Duration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds);
        }
        return true;
    }
}
