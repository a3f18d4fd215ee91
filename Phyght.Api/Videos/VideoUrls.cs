using Azure.Storage.Blobs;
using Azure.Storage.Sas;
using Phyght.Core.Videos;

namespace Phyght.Api.Videos;

/// <summary>Read-only SAS links for stored paths such as <c>videos/{id}/{ts}.mp4</c> (container, then blob name).</summary>
public sealed class VideoUrls(BlobServiceClient blobs, TimeProvider time)
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromHours(1);

    public string? ReadUrl(string? path)
    {
        if (BlobPath.TryParse(path, out var container, out var name) is false)
        {
            return null;
        }
        var blob = blobs.GetBlobContainerClient(container).GetBlobClient(name);
        return blob.CanGenerateSasUri ? blob.GenerateSasUri(BlobSasPermissions.Read, time.GetUtcNow().Add(Lifetime)).ToString() : blob.Uri.ToString();
    }
}
