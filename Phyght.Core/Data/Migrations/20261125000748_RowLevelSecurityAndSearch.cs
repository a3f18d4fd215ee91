using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Phyght.Core.Data.Migrations
{
    /// <summary>
    /// Row level security and the search and list paths that stay fast under it.
    /// <list type="bullet">
    /// <item>The API acts for the calling user (<c>phyght.user_id</c>, see <see cref="DatabaseCaller"/>); policies decide
    /// from the role stored in <c>profiles</c> what that user may read and write, whatever an endpoint's own check
    /// says. Which login may touch which table is the <c>LeastPrivilege</c> migration's.</item>
    /// <item><c>phyght_prefix_query</c> (see <see cref="PhyghtDbContext.PrefixQuery"/>): the search text's words as
    /// PostgreSQL's parser splits them for <c>search_vector</c>, each as a prefix. The lexemes are cast, not re-parsed:
    /// <c>to_tsquery</c> would split a word such as <c>000e6393d8</c> differently alone than inside <c>kimura-000e6393d8</c>.</item>
    /// <item>The list's order (created_at, id) behind each filter, so pages by cursor are index range scans.</item>
    /// <item>Under row level security PostgreSQL uses an index for a condition only if its function is leakproof.
    /// Text-search matching and enum equality are but are not marked so, and every search by the API scanned the table
    /// (275 ms for a rare word at a million videos, 16 ms with the GIN index). Marking them needs a superuser: the
    /// AppHost does it; where nobody has, the migration warns and searches stay correct, only slower.</item>
    /// </list>
    /// </summary>
    public partial class RowLevelSecurityAndSearch : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                CREATE FUNCTION phyght_caller_id() RETURNS uuid LANGUAGE sql STABLE AS
                    $$ SELECT nullif(current_setting('phyght.user_id', true), '')::uuid $$;
                -- Definer's rights: reads the caller's own role past the profiles policies (and without recursing into them).
                CREATE FUNCTION phyght_caller_role() RETURNS user_role LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS
                    $$ SELECT role FROM profiles WHERE id = phyght_caller_id() $$;
                CREATE FUNCTION phyght_caller_is_staff() RETURNS boolean LANGUAGE sql STABLE AS
                    $$ SELECT coalesce(phyght_caller_role() IN ('admin', 'moderator'), false) $$;
                -- Policies call these as (SELECT f()): an init plan, evaluated once per statement rather than per row.

                ALTER TABLE videos ENABLE ROW LEVEL SECURITY;
                CREATE POLICY videos_read ON videos FOR SELECT
                    USING ((status = 'ready' AND deleted_at IS NULL) OR (SELECT phyght_caller_is_staff()));
                CREATE POLICY videos_create ON videos FOR INSERT WITH CHECK ((SELECT phyght_caller_is_staff()));
                CREATE POLICY videos_update ON videos FOR UPDATE USING ((SELECT phyght_caller_is_staff())) WITH CHECK ((SELECT phyght_caller_is_staff()));
                CREATE POLICY videos_delete ON videos FOR DELETE USING ((SELECT phyght_caller_role()) = 'admin');

                ALTER TABLE crdt_operations ENABLE ROW LEVEL SECURITY;
                -- The ops of a video are readable by whoever may read the video (the subquery is itself under videos_read).
                CREATE POLICY crdt_operations_read ON crdt_operations FOR SELECT
                    USING ((SELECT phyght_caller_is_staff()) OR EXISTS (SELECT FROM videos v WHERE v.id = video_id));
                CREATE POLICY crdt_operations_create ON crdt_operations FOR INSERT WITH CHECK ((SELECT phyght_caller_is_staff()));
                CREATE POLICY crdt_operations_delete ON crdt_operations FOR DELETE USING ((SELECT phyght_caller_role()) = 'admin');

                ALTER TABLE profiles ENABLE ROW LEVEL SECURITY;
                CREATE POLICY profiles_read ON profiles FOR SELECT USING (true);
                -- Sign-up (and an external issuer's first call) creates plain users; only an admin sets another role.
                CREATE POLICY profiles_create ON profiles FOR INSERT WITH CHECK (role = 'user' OR (SELECT phyght_caller_role()) = 'admin');
                -- Users may edit their own profile but not their role; admins may edit any.
                CREATE POLICY profiles_update ON profiles FOR UPDATE
                    USING (id = (SELECT phyght_caller_id()) OR (SELECT phyght_caller_role()) = 'admin')
                    WITH CHECK ((SELECT phyght_caller_role()) = 'admin' OR role = (SELECT phyght_caller_role()));
                CREATE POLICY profiles_delete ON profiles FOR DELETE USING ((SELECT phyght_caller_role()) = 'admin');

                -- Anyone who may read a video may count a view of it: the only write a reader makes.
                CREATE FUNCTION phyght_count_view(video uuid) RETURNS bigint LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = public AS
                    $$ UPDATE videos SET view_count = view_count + 1
                       WHERE id = video AND deleted_at IS NULL AND (status = 'ready' OR phyght_caller_is_staff())
                       RETURNING view_count $$;
                """);

            migrationBuilder.Sql("""
                CREATE FUNCTION phyght_prefix_query(search text) RETURNS tsquery LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
                    SELECT string_agg(quote_literal(lexeme) || ':*', ' & ')::tsquery FROM unnest(to_tsvector('simple', search))
                $$;
                """);

            migrationBuilder.DropIndex(
                name: "ix_videos_category_created_at",
                table: "videos");

            migrationBuilder.DropIndex(
                name: "ix_videos_is_featured_created_at",
                table: "videos");

            migrationBuilder.DropIndex(
                name: "ix_videos_status_created_at",
                table: "videos");

            migrationBuilder.CreateIndex(
                name: "ix_videos_category_created_at_id",
                table: "videos",
                columns: new[] { "category", "created_at", "id" });

            migrationBuilder.CreateIndex(
                name: "ix_videos_is_featured_created_at_id",
                table: "videos",
                columns: new[] { "is_featured", "created_at", "id" });

            migrationBuilder.CreateIndex(
                name: "ix_videos_status_created_at_id",
                table: "videos",
                columns: new[] { "status", "created_at", "id" });

            migrationBuilder.Sql("""
                DO $$ BEGIN
                    IF NOT (SELECT bool_and(proleakproof) FROM pg_proc WHERE oid IN ('ts_match_vq(tsvector, tsquery)'::regprocedure, 'enum_eq(anyenum, anyenum)'::regprocedure)) THEN
                        RAISE WARNING 'ts_match_vq and enum_eq are not marked leakproof (a superuser must: the AppHost does): text search and enum filters cannot use indexes under row level security';
                    END IF;
                END $$;
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_videos_category_created_at_id",
                table: "videos");

            migrationBuilder.DropIndex(
                name: "ix_videos_is_featured_created_at_id",
                table: "videos");

            migrationBuilder.DropIndex(
                name: "ix_videos_status_created_at_id",
                table: "videos");

            migrationBuilder.CreateIndex(
                name: "ix_videos_category_created_at",
                table: "videos",
                columns: new[] { "category", "created_at" });

            migrationBuilder.CreateIndex(
                name: "ix_videos_is_featured_created_at",
                table: "videos",
                columns: new[] { "is_featured", "created_at" });

            migrationBuilder.CreateIndex(
                name: "ix_videos_status_created_at",
                table: "videos",
                columns: new[] { "status", "created_at" });

            migrationBuilder.Sql("DROP FUNCTION phyght_prefix_query(text);");

            migrationBuilder.Sql("""
                DROP FUNCTION phyght_count_view(uuid);
                DROP POLICY profiles_delete ON profiles;
                DROP POLICY profiles_update ON profiles;
                DROP POLICY profiles_create ON profiles;
                DROP POLICY profiles_read ON profiles;
                ALTER TABLE profiles DISABLE ROW LEVEL SECURITY;
                DROP POLICY crdt_operations_delete ON crdt_operations;
                DROP POLICY crdt_operations_create ON crdt_operations;
                DROP POLICY crdt_operations_read ON crdt_operations;
                ALTER TABLE crdt_operations DISABLE ROW LEVEL SECURITY;
                DROP POLICY videos_delete ON videos;
                DROP POLICY videos_update ON videos;
                DROP POLICY videos_create ON videos;
                DROP POLICY videos_read ON videos;
                ALTER TABLE videos DISABLE ROW LEVEL SECURITY;
                DROP FUNCTION phyght_caller_is_staff();
                DROP FUNCTION phyght_caller_role();
                DROP FUNCTION phyght_caller_id();
                """);
        }
    }
}
