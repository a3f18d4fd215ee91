using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using Npgsql.EntityFrameworkCore.PostgreSQL.Infrastructure;
using Phyght.Core.Accounts;
using Phyght.Core.Videos;

namespace Phyght.Core.Data;

public sealed class PhyghtDbContext(DbContextOptions<PhyghtDbContext> options)
    : IdentityUserContext<PhyghtUser, Guid>(options)
{
    /// <summary>The user this context's connections act for under row level security (see <see cref="DatabaseCaller"/>);
    /// null for no one (anonymous, and every service but the API's requests).</summary>
    public Guid? CallerId { get; set; }

    public DbSet<Profile> Profiles => Set<Profile>();
    public DbSet<Video> Videos => Set<Video>();
    public DbSet<CrdtOperation> CrdtOperations => Set<CrdtOperation>();
    public DbSet<ProcessingJob> ProcessingJobs => Set<ProcessingJob>();
    public DbSet<ChangeEvent> ChangeFeed => Set<ChangeEvent>();
    public DbSet<VideoCount> VideoCounts => Set<VideoCount>();
    public DbSet<IdempotencyRecord> IdempotencyKeys => Set<IdempotencyRecord>();
    public DbSet<Phyght.Core.Videos.UploadSession> UploadSessions => Set<Phyght.Core.Videos.UploadSession>();

    /// <summary>The one Npgsql configuration every host and the design-time factory use.</summary>
    public static void ConfigureNpgsql(NpgsqlDbContextOptionsBuilder npgsql)
    {
        npgsql.MapEnum<VideoStatus>("video_status");
        npgsql.MapEnum<UserRole>("user_role");
        npgsql.MapEnum<JobState>("job_state");
    }

    public static void Configure(DbContextOptionsBuilder options) => options.UseSnakeCaseNamingConvention();

    /// <summary>
    /// <c>phyght_prefix_query(search)</c>: what a user typed as a tsquery in which every word matches a word, or the
    /// start of one. PostgreSQL's own parser splits the text, the same one that built <c>search_vector</c>, so words
    /// such as <c>kimura-000e6</c> are split alike on both sides; no input can break the query's syntax. Null (matching
    /// nothing) when the text has no word.
    /// </summary>
    public static NpgsqlTypes.NpgsqlTsQuery PrefixQuery(string search) => throw new NotSupportedException("Runs in PostgreSQL only.");

    protected override void OnModelCreating(ModelBuilder model)
    {
        base.OnModelCreating(model);
        model.HasDbFunction(typeof(PhyghtDbContext).GetMethod(nameof(PrefixQuery))!).HasName("phyght_prefix_query");

        AccountsDbContext.ConfigureAccounts(model);

        model.Entity<Video>(video =>
        {
            video.ToTable("videos");
            video.Property(v => v.VectorClock).HasColumnType("jsonb");
            video.Property(v => v.CrdtState).HasColumnType("jsonb");
            video.Property(v => v.ProcessingResults).HasColumnType("jsonb");
            video.Property(v => v.Status).HasDefaultValue(VideoStatus.Uploading);
            video.HasOne<Profile>().WithMany().HasForeignKey(v => v.LastModifiedBy).OnDelete(DeleteBehavior.SetNull);
            // The list's order (created_at, id) behind each filter: pages by cursor are index range scans.
            video.HasIndex(v => new { v.Status, v.CreatedAt, v.Id });
            video.HasIndex(v => new { v.Category, v.CreatedAt, v.Id });
            video.HasIndex(v => new { v.IsFeatured, v.CreatedAt, v.Id });
            video.HasIndex(v => new { v.CreatedAt, v.Id });
            video.HasGeneratedTsVectorColumn(v => v.SearchVector!, "simple", v => new { v.Title, v.Description })
                .HasIndex(v => v.SearchVector).HasMethod("GIN");
        });

        model.Entity<CrdtOperation>(op =>
        {
            op.ToTable("crdt_operations");
            op.Property(o => o.Id).UseIdentityAlwaysColumn();
            op.Property(o => o.Value).HasColumnType("jsonb");
            op.Property(o => o.Context).HasColumnType("jsonb");
            op.HasIndex(o => new { o.VideoId, o.Actor, o.Seq }).IsUnique();
            op.HasIndex(o => new { o.VideoId, o.Id });
            op.HasOne<Video>().WithMany().HasForeignKey(o => o.VideoId).OnDelete(DeleteBehavior.Cascade);
        });

        model.Entity<VideoCount>(count =>
        {
            count.ToTable("video_counts");
            count.HasKey(c => new { c.Status, c.Category, c.IsFeatured });
        });

        model.Entity<ChangeEvent>(change =>
        {
            change.ToTable("change_feed");
            change.HasKey(c => c.Seq);
            change.Property(c => c.Seq).UseIdentityAlwaysColumn();
            change.Property(c => c.Snapshot).HasColumnType("jsonb");
            change.HasIndex(c => new { c.VideoId, c.Seq });
            change.HasIndex(c => c.Seq).HasFilter("published_at IS NULL").HasDatabaseName("ix_change_feed_unpublished");
            // Retention removes by age (the worker's housekeeping).
            change.HasIndex(c => c.CreatedAt);
        });

        model.Entity<ProcessingJob>(job =>
        {
            job.ToTable("processing_jobs");
            job.HasIndex(j => new { j.State, j.RunAfter });
            job.HasOne<Video>().WithMany().HasForeignKey(j => j.VideoId).OnDelete(DeleteBehavior.Cascade);
        });

        model.Entity<IdempotencyRecord>(record =>
        {
            record.ToTable("idempotency_keys");
            record.HasKey(r => new { r.UserId, r.Key });
            record.HasOne<Profile>().WithMany().HasForeignKey(r => r.UserId).OnDelete(DeleteBehavior.Cascade);
        });

        model.Entity<Phyght.Core.Videos.UploadSession>(session =>
        {
            session.ToTable("upload_sessions");
            session.Property(s => s.BlobPath).HasMaxLength(300);
            session.Property(s => s.TraceParent).HasMaxLength(64);
            session.HasIndex(s => s.ExpiresAt).HasFilter("completed_at IS NULL");
            session.HasOne<Phyght.Core.Videos.Video>().WithMany().HasForeignKey(s => s.VideoId).OnDelete(DeleteBehavior.Cascade);
            session.HasOne<Profile>().WithMany().HasForeignKey(s => s.UserId).OnDelete(DeleteBehavior.Cascade);
        });
    }
}
