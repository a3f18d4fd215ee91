using Azure.Storage.Blobs;
using Azure.Storage.Sas;
using Microsoft.Extensions.Options;
using Phyght.Api.Uploads;
using Phyght.Core.Videos;

namespace Phyght.Api.Videos;

/// <summary>
/// <c>video_url</c> and <c>thumbnail_url</c>. A video anyone may read gets links to the API
/// (<c>/videos/{id}/media/video</c>) that check at every fetch that it still may be read, then redirect to a blob URL
/// valid for <see cref="RedirectLifetime"/>: deleting or unpublishing it breaks every link handed out, at once. A video
/// only staff may read gets a signed blob URL valid for <see cref="StorageOptions.MediaUrlMinutes"/> (the fetch has no
/// token for the API to check).
/// </summary>
public sealed class VideoUrls(BlobServiceClient blobs, IOptions<StorageOptions> storage, IOptions<ApiOptions> api, TimeProvider time)
{
    public const string VideoKind = "video";
    public const string ThumbnailKind = "thumbnail";
    public static readonly TimeSpan RedirectLifetime = TimeSpan.FromMinutes(1);

    public string? LinkTo(Video video, string kind)
    {
        var path = kind == VideoKind ? video.FilePath : video.ThumbnailPath;
        if (path is null)
        {
            return null;
        }
        return VideoAccess.CanRead(video, staff: false)
            ? $"{api.Value.PublicUrl?.TrimEnd('/')}/videos/{video.Id}/media/{kind}"
            : SignedUrl(path, TimeSpan.FromMinutes(storage.Value.MediaUrlMinutes));
    }

    /// <summary>A read-only blob URL for a stored path such as <c>videos/{id}/{ts}.mp4</c>; null for any other text.</summary>
    public string? SignedUrl(string? path, TimeSpan lifetime)
    {
        if (BlobPath.TryParse(path, out var container, out var name) is false)
        {
            return null;
        }
        var blob = blobs.GetBlobContainerClient(container).GetBlobClient(name);
        return blob.CanGenerateSasUri ? blob.GenerateSasUri(BlobSasPermissions.Read, time.GetUtcNow().Add(lifetime)).ToString() : blob.Uri.ToString();
    }
}
