using Microsoft.EntityFrameworkCore.Migrations;
using Phyght.Core.Videos;

#nullable disable

namespace Phyght.Core.Data.Migrations
{
    /// <inheritdoc />
    public partial class VideoCounts : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "video_counts",
                columns: table => new
                {
                    status = table.Column<VideoStatus>(type: "video_status", nullable: false),
                    category = table.Column<string>(type: "text", nullable: false),
                    is_featured = table.Column<bool>(type: "boolean", nullable: false),
                    count = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_video_counts", x => new { x.status, x.category, x.is_featured });
                });

            // Exact totals without scanning: one row per (status, category, featured) of live videos, kept by a
            // trigger in the transaction of every insert, update and delete, then seeded from what exists.
            migrationBuilder.Sql("""
                CREATE FUNCTION video_counts_track() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.deleted_at IS NULL THEN
                        UPDATE video_counts SET count = count - 1
                        WHERE status = OLD.status AND category = COALESCE(OLD.category, '') AND is_featured = OLD.is_featured;
                    END IF;
                    IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.deleted_at IS NULL THEN
                        INSERT INTO video_counts (status, category, is_featured, count)
                        VALUES (NEW.status, COALESCE(NEW.category, ''), NEW.is_featured, 1)
                        ON CONFLICT (status, category, is_featured) DO UPDATE SET count = video_counts.count + 1;
                    END IF;
                    RETURN NULL;
                END $$;

                CREATE TRIGGER videos_count_insert_delete AFTER INSERT OR DELETE ON videos
                    FOR EACH ROW EXECUTE FUNCTION video_counts_track();
                CREATE TRIGGER videos_count_update AFTER UPDATE OF status, category, is_featured, deleted_at ON videos
                    FOR EACH ROW
                    WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.category IS DISTINCT FROM NEW.category
                          OR OLD.is_featured IS DISTINCT FROM NEW.is_featured OR OLD.deleted_at IS DISTINCT FROM NEW.deleted_at)
                    EXECUTE FUNCTION video_counts_track();

                INSERT INTO video_counts (status, category, is_featured, count)
                SELECT status, COALESCE(category, ''), is_featured, count(*) FROM videos WHERE deleted_at IS NULL
                GROUP BY 1, 2, 3;
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                DROP TRIGGER videos_count_update ON videos;
                DROP TRIGGER videos_count_insert_delete ON videos;
                DROP FUNCTION video_counts_track();
                """);
            migrationBuilder.DropTable(
                name: "video_counts");
        }
    }
}
