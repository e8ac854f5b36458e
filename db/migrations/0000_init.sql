CREATE TABLE "events" (
	"position" bigserial PRIMARY KEY NOT NULL,
	"event_id" uuid NOT NULL,
	"stream_id" text NOT NULL,
	"version" bigint NOT NULL,
	"type" text NOT NULL,
	"schema_version" integer NOT NULL,
	"data" jsonb NOT NULL,
	"metadata" jsonb NOT NULL,
	"correlation_id" text,
	"occurred_at" timestamp with time zone NOT NULL,
	"recorded_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "events_event_id_unique" UNIQUE("event_id"),
	CONSTRAINT "events_stream_version_unique" UNIQUE("stream_id","version")
);
--> statement-breakpoint
CREATE TABLE "idempotency_keys" (
	"key" text PRIMARY KEY NOT NULL,
	"stream_id" text NOT NULL,
	"result" jsonb,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "snapshots" (
	"stream_id" text PRIMARY KEY NOT NULL,
	"version" bigint NOT NULL,
	"snapshot_schema" integer NOT NULL,
	"state" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "streams" (
	"stream_id" text PRIMARY KEY NOT NULL,
	"stream_type" text NOT NULL,
	"version" bigint NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "inventory_levels" (
	"sku" text PRIMARY KEY NOT NULL,
	"on_hand" integer NOT NULL,
	"reserved" integer NOT NULL,
	"available" integer NOT NULL,
	"last_position" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "order_details" (
	"order_id" text PRIMARY KEY NOT NULL,
	"lines" jsonb NOT NULL,
	"shipping_address" jsonb NOT NULL,
	"payment_token" text NOT NULL,
	"payment_id" text,
	"paid_cents" bigint,
	"shipment_id" text,
	"carrier" text,
	"tracking_number" text,
	"cancellation_reason" text,
	"cancelled_by" text,
	"version" integer NOT NULL,
	"last_position" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "order_summaries" (
	"order_id" text PRIMARY KEY NOT NULL,
	"customer_id" text NOT NULL,
	"customer_name" text NOT NULL,
	"status" text NOT NULL,
	"item_count" integer NOT NULL,
	"total_cents" bigint NOT NULL,
	"placed_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	"placed_position" bigint NOT NULL,
	"version" integer NOT NULL,
	"last_position" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "projection_checkpoints" (
	"name" text PRIMARY KEY NOT NULL,
	"position" bigint DEFAULT 0 NOT NULL,
	"status" text DEFAULT 'running' NOT NULL,
	"rebuild_target" bigint,
	"rebuild_started_at" timestamp with time zone,
	"last_error" text,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "stats_order_status" (
	"order_id" text PRIMARY KEY NOT NULL,
	"status" text NOT NULL,
	"total_cents" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "stats_orders_per_minute" (
	"minute" timestamp with time zone NOT NULL,
	"outcome" text NOT NULL,
	"count" integer NOT NULL,
	CONSTRAINT "stats_orders_per_minute_minute_outcome_pk" PRIMARY KEY("minute","outcome")
);
--> statement-breakpoint
CREATE TABLE "stats_revenue" (
	"id" integer PRIMARY KEY NOT NULL,
	"revenue_cents" bigint NOT NULL,
	"confirmed_count" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "stats_status_counts" (
	"status" text PRIMARY KEY NOT NULL,
	"count" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "customers" (
	"customer_id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"email" text NOT NULL,
	"country" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "products" (
	"sku" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"description" text NOT NULL,
	"category" text NOT NULL,
	"price_cents" integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX "events_correlation_position_idx" ON "events" USING btree ("correlation_id","position");--> statement-breakpoint
CREATE INDEX "events_type_position_idx" ON "events" USING btree ("type","position");--> statement-breakpoint
CREATE INDEX "order_summaries_placed_idx" ON "order_summaries" USING btree ("placed_position" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "order_summaries_status_placed_idx" ON "order_summaries" USING btree ("status","placed_position" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "order_summaries_customer_placed_idx" ON "order_summaries" USING btree ("customer_id","placed_position" DESC NULLS LAST);