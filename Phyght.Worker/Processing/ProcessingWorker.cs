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

    /// <summary>Renews the lease every third of its length while the attempt runs; when it was lost (another worker
    /// took the job), cancels the attempt, which also kills its ffmpeg.</summary>
    private async Task KeepLeaseAsync(ProcessingJob job, CancellationTokenSource attempt)
    {
        var every = TimeSpan.FromSeconds(options.Value.LeaseSeconds / 3.0);
        while (!attempt.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(every, attempt.Token);
                await using var scope = scopes.CreateAsyncScope();
                if (!await scope.ServiceProvider.GetRequiredService<JobQueue>().RenewAsync(job, attempt.Token))
                {
                    logger.LogWarning("Job {JobId} for video {VideoId}: lease lost to another worker; abandoning attempt {Attempt}", job.Id, job.VideoId, job.Attempts);
                    await attempt.CancelAsync();
                }
            }
            catch (OperationCanceledException) when (attempt.IsCancellationRequested)
            {
            }
            catch (Exception ex)
            {
                // Tried again at the next tick; meanwhile the fence still guards the attempt's outcome.
                logger.LogWarning(ex, "Job {JobId}: the lease could not be renewed", job.Id);
            }
        }
    }

    private static async Task StopRenewingAsync(CancellationTokenSource attempt, Task renewal)
    {
        await attempt.CancelAsync();
        await renewal;
    }

    /// <summary>Dead-letters the job: the video first, while the job is still held (the fence of every outcome).</summary>
    private async Task GiveUpAsync(AsyncServiceScope scope, JobQueue queue, VideoProcessor processor, ProcessingJob job, string reason, Exception? ex, CancellationToken ct)
    {
        var video = await scope.ServiceProvider.GetRequiredService<PhyghtDbContext>().Videos.AsNoTracking()
            .SingleOrDefaultAsync(v => v.Id == job.VideoId, ct);
        if (video?.FilePath is { } path)
        {
            await processor.MarkFailedAsync(job, path, reason, ct);
        }
        Finished(await queue.DeadLetterAsync(job, reason, ct), job, "dead");
        logger.LogError(ex, "Job {JobId} for video {VideoId} is dead after {Attempts} attempts: {Reason}", job.Id, job.VideoId, job.Attempts, reason);
    }

    /// <summary>Runs the next job; false when none was waiting.</summary>
    private async Task<bool> RunOneAsync(CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var queue = scope.ServiceProvider.GetRequiredService<JobQueue>();
        ProcessingJob? job;
        // The poll runs twice a second: traced, its statements would bury every real trace in the dashboard. A job it
        // claims is traced from here on, in the upload's trace.
        using (OpenTelemetry.SuppressInstrumentationScope.Begin())
        {
            var (depth, oldest) = await queue.MeasureAsync(ct);
            metrics.Queue(depth, oldest);
            job = await queue.ClaimAsync(ct);
        }
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
        // Each claim counts an attempt, so a file that kills its worker every time ends here rather than forever.
        if (job.Attempts > options.Value.MaxAttempts)
        {
            await GiveUpAsync(scope, queue, processor, job, $"the worker stopped during each of {job.Attempts - 1} attempts", null, ct);
            return true;
        }
        using var attempt = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var renewal = KeepLeaseAsync(job, attempt);
        try
        {
            await processor.ProcessAsync(job, attempt.Token);
            await StopRenewingAsync(attempt, renewal);
            Finished(await queue.SucceedAsync(job, ct), job, "done");
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            await StopRenewingAsync(attempt, renewal);
            // Stopping (SIGTERM): the job goes back at once, the attempt uncounted, rather than waiting out the lease.
            var released = await queue.ReleaseAsync(job, CancellationToken.None);
            logger.LogInformation("Worker stopping: job {JobId} for video {VideoId} {Outcome}", job.Id, job.VideoId, released ? "released" : "was no longer held");
            throw;
        }
        catch (OperationCanceledException) when (attempt.IsCancellationRequested)
        {
            await StopRenewingAsync(attempt, renewal);
            Finished(false, job, "lease_lost");
        }
        catch (Exception ex)
        {
            await StopRenewingAsync(attempt, renewal);
            activity?.SetStatus(ActivityStatusCode.Error, ex.Message);
            if (job.Attempts >= options.Value.MaxAttempts)
            {
                await GiveUpAsync(scope, queue, processor, job, $"Processing failed after {job.Attempts} attempts: {ex.Message}", ex, ct);
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
