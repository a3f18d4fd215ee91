using System.Text;
using Phyght.Core;
using Phyght.Core.Videos;

namespace Phyght.Tests.Unit.Videos;

/// <summary>File types decided by their first bytes (api.md "Uploads"), and the text rule every field obeys.</summary>
public sealed class MediaTypeTests
{
    private static byte[] Head(string ascii, int offset = 0)
    {
        var bytes = new byte[MediaType.SniffLength];
        Encoding.ASCII.GetBytes(ascii).CopyTo(bytes, offset);
        return bytes;
    }

    [Fact]
    public void Videos_are_recognized_by_their_magic_numbers()
    {
        Assert.Equal("video/mp4", MediaType.DetectVideo(Head("\0\0\0\u0018ftypisom"))?.MimeType);
        Assert.Equal("video/quicktime", MediaType.DetectVideo(Head("\0\0\0\u0014ftypqt  "))?.MimeType);
        Assert.Equal("video/webm", MediaType.DetectVideo([0x1A, 0x45, 0xDF, 0xA3, 0, 0, 0, 0, 0, 0, 0, 0])?.MimeType);
        Assert.Equal("video/ogg", MediaType.DetectVideo(Head("OggS"))?.MimeType);
        Assert.Equal("video/x-msvideo", MediaType.DetectVideo(Head("RIFF\0\0\0\0AVI "))?.MimeType);
    }

    [Fact]
    public void Anything_else_is_not_a_video_whatever_its_name()
    {
        Assert.Null(MediaType.DetectVideo(Head("<html>")));
        Assert.Null(MediaType.DetectVideo(Head("RIFF\0\0\0\0WEBP")));
        Assert.Null(MediaType.DetectVideo([]));
        Assert.Null(MediaType.DetectVideo(Encoding.ASCII.GetBytes("\0\0\0\u0018ftyp")));
    }

    [Fact]
    public void Thumbnails_are_jpeg_png_or_webp()
    {
        Assert.Equal("image/jpeg", MediaType.DetectImage([0xFF, 0xD8, 0xFF, 0xE0])?.MimeType);
        Assert.Equal("image/png", MediaType.DetectImage([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])?.MimeType);
        Assert.Equal("image/webp", MediaType.DetectImage(Head("RIFF\0\0\0\0WEBP"))?.MimeType);
        Assert.Null(MediaType.DetectImage(Head("GIF89a")));
    }

    [Theory]
    [InlineData("plain", false)]
    [InlineData("tab\tand\nnewline\r", false)]
    [InlineData("ünïcødé 拳", false)]
    [InlineData("nul\0", true)]
    [InlineData("bell\a", true)]
    [InlineData("del\u007f", true)]
    [InlineData("c1\u0085", true)]
    public void Control_characters_are_refused_except_tab_and_newlines(string text, bool refused) =>
        Assert.Equal(refused, TextRules.HasControlCharacters(text));
}
