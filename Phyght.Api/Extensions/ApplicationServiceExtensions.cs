using Phyght.Core.Data;

namespace Phyght.Api.Extensions;

public static class ApplicationServiceExtensions
{
    public static void AddApplicationServices(this IHostApplicationBuilder builder)
    {
        builder.AddNpgsqlDbContext<PhyghtDbContext>(ResourceNames.Database);
        builder.AddRedisClient(ResourceNames.Redis);
        builder.AddBlobServiceClient(ResourceNames.Blobs);
    }
}
