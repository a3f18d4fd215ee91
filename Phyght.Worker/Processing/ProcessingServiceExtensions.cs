using Polly;
using Polly.Retry;

namespace Phyght.Worker.Processing;

public static class ProcessingServiceExtensions
{
    public static void AddProcessing(this IHostApplicationBuilder builder)
    {
        builder.AddPhyghtDatabase();
        builder.AddRedisClient(ResourceNames.Redis);
        builder.AddBlobServiceClient(ResourceNames.Blobs);

        builder.Services.AddOptions<ProcessingOptions>().BindConfiguration(ProcessingOptions.Section)
            .Validate(o => o.LeaseSeconds > 0 && o.MaxAttempts > 0 && o.PollMilliseconds > 0 && o.MediaToolSeconds > 0 && o.MediaToolMemoryBytes > 0,
                $"{ProcessingOptions.Section}: LeaseSeconds, MaxAttempts, PollMilliseconds, MediaToolSeconds and MediaToolMemoryBytes must be positive.")
            .ValidateOnStart();
        builder.Services.AddSingleton<ProcessingMetrics>();
        builder.Services.AddSingleton<MediaProbe>();
        builder.Services.AddSingleton(sp =>
        {
            var processing = sp.GetRequiredService<Microsoft.Extensions.Options.IOptions<ProcessingOptions>>().Value;
            return new JobQueueSettings(processing.WorkerId, TimeSpan.FromSeconds(processing.LeaseSeconds));
        });
        builder.AddVideoWriter();
        builder.Services.AddScoped<VideoProcessor>();
        builder.Services.AddHostedService<ProcessingWorker>();
        builder.Services.AddOptions<Housekeeping.HousekeepingOptions>().BindConfiguration(Housekeeping.HousekeepingOptions.Section)
            .Validate(o => o.IntervalSeconds > 0 && o.ChangeFeedDays > 0 && o.FinishedJobDays > 0 && o.OrphanGraceMinutes > 0 && o.UploadSessionGraceMinutes > 0,
                $"{Housekeeping.HousekeepingOptions.Section}: every setting must be positive.")
            .ValidateOnStart();
        builder.Services.AddHostedService<Housekeeping.Housekeeper>();
        // Transient storage and network faults inside one attempt; a failed attempt as a whole is retried later
        // with backoff through the job row (run_after), so a crash loses nothing.
        builder.Services.AddSingleton(new ResiliencePipelineBuilder()
            .AddRetry(new RetryStrategyOptions
            {
                MaxRetryAttempts = 3,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = TimeSpan.FromMilliseconds(200),
                ShouldHandle = new PredicateBuilder().Handle<Azure.RequestFailedException>(e => e.Status is 0 or >= 500 or 408 or 429)
                    .Handle<HttpRequestException>()
                    .Handle<IOException>(),
            })
            .Build());
    }
}
