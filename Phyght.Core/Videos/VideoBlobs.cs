using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Microsoft.Extensions.Logging;

namespace Phyght.Core.Videos;

/// <summary>Deletes a video's blobs once nothing refers to them. Best effort and never cancelled by a request: a
/// blob left behind is logged (with its path, to remove by hand), never an error for the caller.</summary>
public sealed class VideoBlobs(BlobServiceClient blobs, ILogger<VideoBlobs> logger)
{
    public async Task DeleteAsync(IEnumerable<string> paths)
    {
        foreach (var path in paths)
        {
            if (!BlobPath.TryParse(path, out var container, out var name))
            {
                continue;
            }
            try
            {
                await blobs.GetBlobContainerClient(container).DeleteBlobIfExistsAsync(name, cancellationToken: CancellationToken.None);
            }
            catch (Exception ex) when (ex is Azure.RequestFailedException or IOException or HttpRequestException)
            {
                logger.LogWarning(ex, "Could not delete blob {BlobPath}; it is no longer referenced", path);
            }
        }
    }

    /// <summary>Every blob under the video's prefix in both containers (a hard delete).</summary>
    public async Task DeleteAllOfAsync(Guid videoId)
    {
        var paths = new List<string>();
        foreach (var container in new[] { BlobPath.VideosContainer, BlobPath.ThumbnailsContainer })
        {
            try
            {
                var client = blobs.GetBlobContainerClient(container);
                if (!await client.ExistsAsync())
                {
                    continue;
                }
                await foreach (var blob in client.GetBlobsAsync(BlobTraits.None, BlobStates.None, $"{videoId}/", CancellationToken.None))
                {
                    paths.Add(BlobPath.Stored(container, blob.Name));
                }
            }
            catch (Exception ex) when (ex is Azure.RequestFailedException or IOException or HttpRequestException)
            {
                logger.LogWarning(ex, "Could not list the blobs of deleted video {VideoId} in {Container}", videoId, container);
            }
        }
        await DeleteAsync(paths);
    }
}
