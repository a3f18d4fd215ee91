namespace Phyght.Worker.Housekeeping;

/// <summary><c>Housekeeping</c>: how long history is kept and how often the worker tidies up.</summary>
public sealed class HousekeepingOptions
{
    public const string Section = "Housekeeping";

    public int IntervalSeconds { get; set; } = 600;
    /// <summary>Published change-feed rows older than this are removed (a replay from before them starts later).</summary>
    public int ChangeFeedDays { get; set; } = 7;
    /// <summary>Succeeded and dead jobs older than this are removed.</summary>
    public int FinishedJobDays { get; set; } = 30;
    /// <summary>A blob no video refers to is removed once its name's timestamp is this old (an upload in flight writes
    /// its blob before its row commits).</summary>
    public int OrphanGraceMinutes { get; set; } = 60;
    /// <summary>A direct upload session not completed this long after it expired is removed with its blob.</summary>
    public int UploadSessionGraceMinutes { get; set; } = 15;
}
