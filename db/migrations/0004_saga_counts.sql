CREATE TABLE "stats_saga_counts" (
	"counter" text PRIMARY KEY NOT NULL,
	"count" bigint NOT NULL
);
--> statement-breakpoint
-- The saga counters are new in dashboard-stats: on a database that already has a log, the
-- projection is rebuilt from position 0 (as projections.rebuild does), so the counters count every
-- saga event and not only those after its checkpoint. On a new database there is no checkpoint yet.
-- Under the projection's own advisory lock (as ProjectionDaemon.requestRebuild takes it), so a daemon
-- still running mid-batch cannot write its checkpoint over the reset. Migrations run in one transaction.
SELECT pg_advisory_xact_lock(hashtext('orderflow:projection:dashboard-stats'));--> statement-breakpoint
TRUNCATE "stats_order_status", "stats_status_counts", "stats_revenue", "stats_orders_per_minute";--> statement-breakpoint
UPDATE "projection_checkpoints"
SET "position" = 0, "status" = 'rebuilding', "rebuild_started_at" = now(), "last_error" = NULL, "updated_at" = now(),
    "rebuild_target" = (SELECT coalesce(max("position"), 0) FROM "events")
WHERE "name" = 'dashboard-stats';
