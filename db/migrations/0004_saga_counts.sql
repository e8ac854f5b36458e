CREATE TABLE "stats_saga_counts" (
	"counter" text PRIMARY KEY NOT NULL,
	"count" bigint NOT NULL
);
