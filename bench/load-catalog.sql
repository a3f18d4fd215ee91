-- N synthetic videos (psql -v videos=N -f bench/load-catalog.sql), as bench/catalog.sh and bench/page.sh load them.
-- One transaction updating the same few video_counts rows a million times would walk ever longer row-version
-- chains (minutes, not seconds): the bulk load counts once at the end instead, as the trigger would have.
\set ON_ERROR_STOP on
BEGIN;
ALTER TABLE videos DISABLE TRIGGER videos_count_insert_delete;
INSERT INTO videos (id, title, description, status, vector_clock, version, tags, category, is_featured, view_count, created_at, updated_at, crdt_state)
SELECT gen_random_uuid(), 'Fight ' || i || ' ' || (ARRAY['kimura','armbar','triangle','uppercut','knockout'])[1 + i % 5] || ' t' || (1 + i % 1000),
       'Round ' || (i % 5) || ' of a ' || (ARRAY['title','main','prelim'])[1 + i % 3] || ' bout',
       (ARRAY['ready','ready','ready','processing'])[1 + i % 4]::video_status, '{}', 0, ARRAY['mma'],
       (ARRAY['MMA','Boxing','BJJ','Muay Thai'])[1 + i % 4], i % 10 = 0, 0,
       now() - (i || ' seconds')::interval, now(), '{}'
FROM generate_series(1, :videos) AS i;
ALTER TABLE videos ENABLE TRIGGER videos_count_insert_delete;
INSERT INTO video_counts (status, category, is_featured, count)
SELECT status, coalesce(category, ''), is_featured, count(*) FROM videos WHERE deleted_at IS NULL GROUP BY 1, 2, 3
ON CONFLICT (status, category, is_featured) DO UPDATE SET count = EXCLUDED.count;
COMMIT;
ANALYZE videos;
