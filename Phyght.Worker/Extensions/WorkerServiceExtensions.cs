using Phyght.Core.Data;

namespace Phyght.Worker.Extensions;

public static class WorkerServiceExtensions
{
    public static void AddWorkerServices(this IHostApplicationBuilder builder)
    {
        builder.AddNpgsqlDbContext<PhyghtDbContext>(ResourceNames.Database);
        builder.AddRedisClient(ResourceNames.Redis);
        builder.AddBlobServiceClient(ResourceNames.Blobs);
    }
}
