CREATE TABLE "usage_daily" (
	"account_id" text NOT NULL,
	"day" date NOT NULL,
	"key_id" text,
	"model" text NOT NULL,
	"modality" text NOT NULL,
	"requests" bigint NOT NULL,
	"cost_micro_usd" bigint NOT NULL,
	"input_tokens" bigint NOT NULL,
	"output_tokens" bigint NOT NULL,
	"images" bigint NOT NULL,
	"video_seconds" bigint NOT NULL,
	"characters" bigint NOT NULL,
	"audio_ms" bigint NOT NULL,
	CONSTRAINT "usage_daily_group" UNIQUE NULLS NOT DISTINCT("account_id","day","model","modality","key_id")
);
--> statement-breakpoint
-- usage_daily follows usage_events through these triggers, in the writing transaction, so it
-- is right whatever code path writes events (db/schema/usage-daily.ts). Statement-level, with
-- transition tables: a batched settle that inserts 50 events upserts each (account, day,
-- key, model, modality) group once. Groups are upserted in key order, so transactions that
-- touch the same groups lock them in the same order; settles of one account are serialised
-- on its billing_accounts row before they get here anyway.
CREATE FUNCTION usage_daily_insert() RETURNS trigger AS $$
BEGIN
  INSERT INTO usage_daily AS d (account_id, day, key_id, model, modality, requests, cost_micro_usd,
                                input_tokens, output_tokens, images, video_seconds, characters, audio_ms)
  SELECT account_id, (created_at AT TIME ZONE 'UTC')::date, key_id, model, modality,
         count(*), sum(cost_micro_usd)::bigint, sum(input_tokens)::bigint, sum(output_tokens)::bigint,
           sum(images)::bigint, sum(video_seconds)::bigint, sum(characters)::bigint, sum(audio_ms)::bigint
    FROM new_rows
   GROUP BY 1, 2, 3, 4, 5
   ORDER BY 1, 2, 4, 5, 3
  ON CONFLICT ON CONSTRAINT usage_daily_group DO UPDATE SET
    requests = d.requests + excluded.requests, cost_micro_usd = d.cost_micro_usd + excluded.cost_micro_usd,
    input_tokens = d.input_tokens + excluded.input_tokens, output_tokens = d.output_tokens + excluded.output_tokens,
    images = d.images + excluded.images, video_seconds = d.video_seconds + excluded.video_seconds,
    characters = d.characters + excluded.characters, audio_ms = d.audio_ms + excluded.audio_ms;
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;
--> statement-breakpoint
-- Events are never updated or deleted today; if a code path ever does, the rollup follows:
-- the old rows' sums come off, the new rows' go on, groups left with no request go away.
CREATE FUNCTION usage_daily_delete() RETURNS trigger AS $$
BEGIN
  INSERT INTO usage_daily AS d (account_id, day, key_id, model, modality, requests, cost_micro_usd,
                                input_tokens, output_tokens, images, video_seconds, characters, audio_ms)
  SELECT account_id, (created_at AT TIME ZONE 'UTC')::date, key_id, model, modality,
         count(*) * -1, sum(cost_micro_usd)::bigint * -1, sum(input_tokens)::bigint * -1, sum(output_tokens)::bigint * -1,
           sum(images)::bigint * -1, sum(video_seconds)::bigint * -1, sum(characters)::bigint * -1, sum(audio_ms)::bigint * -1
    FROM old_rows
   GROUP BY 1, 2, 3, 4, 5
   ORDER BY 1, 2, 4, 5, 3
  ON CONFLICT ON CONSTRAINT usage_daily_group DO UPDATE SET
    requests = d.requests + excluded.requests, cost_micro_usd = d.cost_micro_usd + excluded.cost_micro_usd,
    input_tokens = d.input_tokens + excluded.input_tokens, output_tokens = d.output_tokens + excluded.output_tokens,
    images = d.images + excluded.images, video_seconds = d.video_seconds + excluded.video_seconds,
    characters = d.characters + excluded.characters, audio_ms = d.audio_ms + excluded.audio_ms;
  DELETE FROM usage_daily d USING (SELECT DISTINCT account_id FROM old_rows) o
   WHERE d.account_id = o.account_id AND d.requests = 0;
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;
--> statement-breakpoint
CREATE FUNCTION usage_daily_update() RETURNS trigger AS $$
BEGIN
  INSERT INTO usage_daily AS d (account_id, day, key_id, model, modality, requests, cost_micro_usd,
                                input_tokens, output_tokens, images, video_seconds, characters, audio_ms)
  SELECT account_id, (created_at AT TIME ZONE 'UTC')::date, key_id, model, modality,
         count(*) * -1, sum(cost_micro_usd)::bigint * -1, sum(input_tokens)::bigint * -1, sum(output_tokens)::bigint * -1,
           sum(images)::bigint * -1, sum(video_seconds)::bigint * -1, sum(characters)::bigint * -1, sum(audio_ms)::bigint * -1
    FROM old_rows
   GROUP BY 1, 2, 3, 4, 5
   ORDER BY 1, 2, 4, 5, 3
  ON CONFLICT ON CONSTRAINT usage_daily_group DO UPDATE SET
    requests = d.requests + excluded.requests, cost_micro_usd = d.cost_micro_usd + excluded.cost_micro_usd,
    input_tokens = d.input_tokens + excluded.input_tokens, output_tokens = d.output_tokens + excluded.output_tokens,
    images = d.images + excluded.images, video_seconds = d.video_seconds + excluded.video_seconds,
    characters = d.characters + excluded.characters, audio_ms = d.audio_ms + excluded.audio_ms;
  INSERT INTO usage_daily AS d (account_id, day, key_id, model, modality, requests, cost_micro_usd,
                                input_tokens, output_tokens, images, video_seconds, characters, audio_ms)
  SELECT account_id, (created_at AT TIME ZONE 'UTC')::date, key_id, model, modality,
         count(*), sum(cost_micro_usd)::bigint, sum(input_tokens)::bigint, sum(output_tokens)::bigint,
           sum(images)::bigint, sum(video_seconds)::bigint, sum(characters)::bigint, sum(audio_ms)::bigint
    FROM new_rows
   GROUP BY 1, 2, 3, 4, 5
   ORDER BY 1, 2, 4, 5, 3
  ON CONFLICT ON CONSTRAINT usage_daily_group DO UPDATE SET
    requests = d.requests + excluded.requests, cost_micro_usd = d.cost_micro_usd + excluded.cost_micro_usd,
    input_tokens = d.input_tokens + excluded.input_tokens, output_tokens = d.output_tokens + excluded.output_tokens,
    images = d.images + excluded.images, video_seconds = d.video_seconds + excluded.video_seconds,
    characters = d.characters + excluded.characters, audio_ms = d.audio_ms + excluded.audio_ms;
  DELETE FROM usage_daily d USING (SELECT DISTINCT account_id FROM old_rows) o
   WHERE d.account_id = o.account_id AND d.requests = 0;
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;
--> statement-breakpoint
CREATE FUNCTION usage_daily_truncate() RETURNS trigger AS $$
BEGIN
  TRUNCATE usage_daily;
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;
--> statement-breakpoint
CREATE TRIGGER usage_daily_on_insert AFTER INSERT ON usage_events
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION usage_daily_insert();
--> statement-breakpoint
CREATE TRIGGER usage_daily_on_delete AFTER DELETE ON usage_events
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION usage_daily_delete();
--> statement-breakpoint
CREATE TRIGGER usage_daily_on_update AFTER UPDATE ON usage_events
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION usage_daily_update();
--> statement-breakpoint
CREATE TRIGGER usage_daily_on_truncate AFTER TRUNCATE ON usage_events
  FOR EACH STATEMENT EXECUTE FUNCTION usage_daily_truncate();
--> statement-breakpoint
-- Backfill the events written before this migration. The triggers above already exist and
-- hold their lock on usage_events until the migration commits, so no event can be counted
-- twice or missed. In account and day order, so one account's rows sit together on disk
-- (as the triggers leave them: a day's groups are created as that day's first events come).
INSERT INTO usage_daily (account_id, day, key_id, model, modality, requests, cost_micro_usd,
                         input_tokens, output_tokens, images, video_seconds, characters, audio_ms)
SELECT account_id, (created_at AT TIME ZONE 'UTC')::date, key_id, model, modality,
       count(*), sum(cost_micro_usd)::bigint, sum(input_tokens)::bigint, sum(output_tokens)::bigint,
           sum(images)::bigint, sum(video_seconds)::bigint, sum(characters)::bigint, sum(audio_ms)::bigint
  FROM usage_events
 GROUP BY 1, 2, 3, 4, 5
 ORDER BY 1, 2;
