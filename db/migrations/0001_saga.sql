CREATE TABLE "participant_faults" (
	"participant" text PRIMARY KEY NOT NULL,
	"latency_ms" integer NOT NULL,
	"transient_error_rate" double precision NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "saga_checkpoints" (
	"name" text PRIMARY KEY NOT NULL,
	"position" bigint DEFAULT 0 NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "saga_progress" (
	"order_id" text PRIMARY KEY NOT NULL,
	"status" text NOT NULL,
	"steps" jsonb NOT NULL,
	"compensations" jsonb NOT NULL,
	"reason" text,
	"cancelled_by" text,
	"cancellation_request" jsonb,
	"retries" integer DEFAULT 0 NOT NULL,
	"last_error" text,
	"started_at" timestamp with time zone NOT NULL,
	"finished_at" timestamp with time zone,
	"updated_at" timestamp with time zone NOT NULL,
	"started_position" bigint NOT NULL,
	"version" integer NOT NULL,
	"last_position" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "saga_work" (
	"order_id" text PRIMARY KEY NOT NULL,
	"due_at" timestamp with time zone NOT NULL,
	"locked_by" text,
	"locked_until" timestamp with time zone,
	"nudges" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE INDEX "saga_progress_started_idx" ON "saga_progress" USING btree ("started_position" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "saga_progress_status_started_idx" ON "saga_progress" USING btree ("status","started_position" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "saga_work_due_idx" ON "saga_work" USING btree ("due_at");