using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Phyght.Core.Data.Migrations
{
    /// <summary>
    /// Each login holds only the rights its service uses. The logins exist before this runs (the AppHost creates them
    /// as the superuser, none a superuser or bypassing row level security); the owner, who runs this, owns every object.
    /// <list type="bullet">
    /// <item><c>phyght_api</c>: the API's requests, bound by the row level security policies for the caller it names
    /// in <c>phyght.user_id</c>. It has no role to switch to, so no statement a request runs can leave the policies. It
    /// cannot read accounts, password hashes or refresh tokens.</item>
    /// <item><c>phyght_accounts</c>: the API's accounts (sign-up, sign-in, refresh, the first admin): Identity's tables,
    /// refresh tokens, and creating profiles (an admin's only while there is no admin).</item>
    /// <item><c>phyght_worker</c>: the worker finalizes any video its jobs name; it may not create or delete one.</item>
    /// <item>Functions with the definer's rights search <c>pg_temp</c> last, and nobody may create temporary or
    /// schema objects: a temporary <c>profiles</c> table cannot stand in for the real one.</item>
    /// </list>
    /// </summary>
    public partial class LeastPrivilege : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                DO $$ BEGIN
                    EXECUTE format('REVOKE TEMPORARY ON DATABASE %I FROM PUBLIC', current_database());
                    -- A database migrated before there were logins granted everything to a role the API switched to.
                    IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'phyght_app') THEN
                        REVOKE ALL ON ALL TABLES IN SCHEMA public FROM phyght_app;
                        REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM phyght_app;
                        REVOKE ALL ON SCHEMA public FROM phyght_app;
                    END IF;
                END $$;
                REVOKE CREATE ON SCHEMA public FROM PUBLIC;
                GRANT USAGE ON SCHEMA public TO phyght_api, phyght_accounts, phyght_worker;

                GRANT SELECT, INSERT, UPDATE, DELETE ON videos TO phyght_api;
                GRANT SELECT, INSERT, DELETE ON crdt_operations TO phyght_api;
                GRANT SELECT, UPDATE ON profiles TO phyght_api;
                GRANT SELECT, INSERT, UPDATE ON processing_jobs TO phyght_api;
                GRANT SELECT, INSERT, UPDATE (published_at) ON change_feed TO phyght_api;
                GRANT SELECT ON video_counts TO phyght_api;

                GRANT SELECT, INSERT, UPDATE, DELETE ON "AspNetUsers", "AspNetUserClaims", "AspNetUserLogins", "AspNetUserTokens" TO phyght_accounts;
                GRANT SELECT, INSERT, UPDATE ON refresh_tokens TO phyght_accounts;
                GRANT SELECT, INSERT ON profiles TO phyght_accounts;

                GRANT SELECT, UPDATE ON videos TO phyght_worker;
                GRANT SELECT, INSERT ON crdt_operations TO phyght_worker;
                GRANT SELECT, UPDATE ON processing_jobs TO phyght_worker;
                GRANT SELECT, INSERT, UPDATE (published_at) ON change_feed TO phyght_worker;

                -- The identity columns' sequences (ops and the change feed).
                GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO phyght_api, phyght_worker;

                -- Named as the code names the rule (VideoAccess.Readable).
                ALTER POLICY videos_read ON videos RENAME TO videos_readable;
                -- The worker is no caller: it finalizes the video its job names, drafts included.
                CREATE POLICY videos_worker ON videos TO phyght_worker USING (true) WITH CHECK (true);
                CREATE POLICY crdt_operations_worker ON crdt_operations TO phyght_worker USING (true) WITH CHECK (true);
                -- Sign-up and external first calls create users; the bootstrap creates the first admin, and only while none exists.
                CREATE POLICY profiles_create_accounts ON profiles FOR INSERT TO phyght_accounts
                    WITH CHECK (role = 'user' OR NOT EXISTS (SELECT FROM profiles WHERE role = 'admin'));

                ALTER FUNCTION phyght_caller_role() SET search_path = pg_catalog, public, pg_temp;
                ALTER FUNCTION phyght_count_view(uuid) SET search_path = pg_catalog, public, pg_temp;
                -- Totals are kept by the trigger with the owner's rights: no login writes video_counts itself.
                ALTER FUNCTION video_counts_track() SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp;
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                ALTER FUNCTION video_counts_track() SECURITY INVOKER RESET search_path;
                ALTER FUNCTION phyght_count_view(uuid) SET search_path = public;
                ALTER FUNCTION phyght_caller_role() SET search_path = public;
                DROP POLICY profiles_create_accounts ON profiles;
                DROP POLICY crdt_operations_worker ON crdt_operations;
                DROP POLICY videos_worker ON videos;
                ALTER POLICY videos_readable ON videos RENAME TO videos_read;
                REVOKE ALL ON ALL TABLES IN SCHEMA public FROM phyght_api, phyght_accounts, phyght_worker;
                REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM phyght_api, phyght_accounts, phyght_worker;
                REVOKE USAGE ON SCHEMA public FROM phyght_api, phyght_accounts, phyght_worker;
                """);
        }
    }
}
