using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;

namespace Phyght.Core.Videos;

/// <summary>
/// A direct upload's blob is frozen when its session completes: an infinite lease, taken only if the blob is still
/// the one that was checked (its ETag), makes every later write through the session's SAS fail (a SAS cannot be
/// revoked, and it stays valid until it expires). Reads need no lease; a delete breaks it first.
/// </summary>
public static class BlobLocks
{
    /// <summary>False when the blob changed since <paramref name="etag"/> was read.</summary>
    public static async Task<bool> FreezeAsync(BlobBaseClient blob, Guid owner, ETag etag, CancellationToken ct)
    {
        try
        {
            await blob.GetBlobLeaseClient(owner.ToString()).AcquireAsync(BlobLeaseClient.InfiniteLeaseDuration, new RequestConditions { IfMatch = etag }, ct);
            return true;
        }
        catch (RequestFailedException ex) when (ex.Status == 412 && ex.ErrorCode == BlobErrorCode.ConditionNotMet)
        {
            return false;
        }
    }

    /// <summary>Deletes the blob and its snapshots, breaking a lease that freezes it.</summary>
    public static async Task DeleteIfExistsAsync(BlobContainerClient container, string name, CancellationToken ct)
    {
        var blob = container.GetBlobClient(name);
        try
        {
            await blob.DeleteIfExistsAsync(DeleteSnapshotsOption.IncludeSnapshots, cancellationToken: ct);
        }
        catch (RequestFailedException ex) when (ex.ErrorCode == BlobErrorCode.LeaseIdMissing)
        {
            await blob.GetBlobLeaseClient().BreakAsync(TimeSpan.Zero, cancellationToken: ct);
            await blob.DeleteIfExistsAsync(DeleteSnapshotsOption.IncludeSnapshots, cancellationToken: ct);
        }
    }
}
