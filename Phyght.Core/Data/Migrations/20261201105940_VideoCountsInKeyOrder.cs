using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Phyght.Core.Data.Migrations
{
    /// <summary>
    /// The totals trigger moves a video between two buckets in the buckets' key order. It decremented the old bucket
    /// and then incremented the new one, so two opposite moves (category A→B on one video while B→A on another; a
    /// re-upload while the worker finishes another video) locked two rows in opposite orders: a deadlock (40P01), a 500.
    /// </summary>
    public partial class VideoCountsInKeyOrder : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                CREATE FUNCTION video_counts_add(bucket_status video_status, bucket_category text, bucket_featured boolean, delta integer)
                RETURNS void LANGUAGE sql SET search_path = pg_catalog, public, pg_temp AS $$
                    INSERT INTO video_counts (status, category, is_featured, count)
                    VALUES (bucket_status, coalesce(bucket_category, ''), bucket_featured, delta)
                    ON CONFLICT (status, category, is_featured) DO UPDATE SET count = video_counts.count + delta
                $$;
                REVOKE EXECUTE ON FUNCTION video_counts_add(video_status, text, boolean, integer) FROM PUBLIC;

                -- With the owner's rights (LeastPrivilege): no login writes video_counts itself.
                CREATE OR REPLACE FUNCTION video_counts_track() RETURNS trigger LANGUAGE plpgsql
                SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
                DECLARE
                    leaving boolean := TG_OP IN ('UPDATE', 'DELETE') AND OLD.deleted_at IS NULL;
                    entering boolean := TG_OP IN ('INSERT', 'UPDATE') AND NEW.deleted_at IS NULL;
                BEGIN
                    IF leaving AND entering
                       AND (NEW.status, coalesce(NEW.category, ''), NEW.is_featured) < (OLD.status, coalesce(OLD.category, ''), OLD.is_featured) THEN
                        PERFORM video_counts_add(NEW.status, NEW.category, NEW.is_featured, 1);
                        PERFORM video_counts_add(OLD.status, OLD.category, OLD.is_featured, -1);
                    ELSE
                        IF leaving THEN
                            PERFORM video_counts_add(OLD.status, OLD.category, OLD.is_featured, -1);
                        END IF;
                        IF entering THEN
                            PERFORM video_counts_add(NEW.status, NEW.category, NEW.is_featured, 1);
                        END IF;
                    END IF;
                    RETURN NULL;
                END $$;
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                CREATE OR REPLACE FUNCTION video_counts_track() RETURNS trigger LANGUAGE plpgsql
                SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
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
                DROP FUNCTION video_counts_add(video_status, text, boolean, integer);
                """);
        }
    }
}
