namespace Phyght.Api.Uploads;

/// <summary>Reads the sniffed head back first, then the rest of the part, failing once more than the limit has passed.</summary>
public sealed class LimitedStream(ReadOnlyMemory<byte> head, Stream rest, long limit) : Stream
{
    private int _headOffset;

    public long BytesRead { get; private set; }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => BytesRead; set => throw new NotSupportedException(); }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default)
    {
        int read;
        if (_headOffset < head.Length)
        {
            read = Math.Min(buffer.Length, head.Length - _headOffset);
            head.Slice(_headOffset, read).CopyTo(buffer);
            _headOffset += read;
        }
        else
        {
            read = await rest.ReadAsync(buffer, ct);
        }
        BytesRead += read;
        if (BytesRead > limit)
        {
            throw new UploadTooLargeException(limit);
        }
        return read;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken ct) =>
        ReadAsync(buffer.AsMemory(offset, count), ct).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer, offset, count, CancellationToken.None).GetAwaiter().GetResult();

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}

public sealed class UploadTooLargeException(long limit) : Exception($"The file is larger than {limit} bytes.")
{
    public long Limit { get; } = limit;
}
