-- saga_progress.steps and .compensations: from jsonb lists of step objects to the packed JSON text
-- that server/fulfilment/progress-projection.ts writes: each step
--   [step, status, startedAt, endedAt, lastError, nextAttemptAt, result, [[attempt, startedAt, endedAt, outcome, error, worker], ...]]
-- (label and kind follow from the step). Existing rows are converted here to exactly the text the
-- projection writes (no spaces; each scalar as jsonb prints it, which escapes as JSON.stringify does),
-- so a row converted here and the same row rebuilt from the log compare equal.
CREATE FUNCTION "orderflow_pack_saga_steps"(entries jsonb) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT '[' || coalesce(string_agg(
    '[' || concat_ws(',',
      coalesce((e -> 'step')::text, 'null'), coalesce((e -> 'status')::text, 'null'),
      coalesce((e -> 'startedAt')::text, 'null'), coalesce((e -> 'endedAt')::text, 'null'),
      coalesce((e -> 'lastError')::text, 'null'), coalesce((e -> 'nextAttemptAt')::text, 'null'),
      coalesce((e -> 'result')::text, 'null'),
      '[' || coalesce((
        SELECT string_agg('[' || concat_ws(',',
                 coalesce((a -> 'attempt')::text, 'null'), coalesce((a -> 'startedAt')::text, 'null'),
                 coalesce((a -> 'endedAt')::text, 'null'), coalesce((a -> 'outcome')::text, 'null'),
                 coalesce((a -> 'error')::text, 'null'), coalesce((a -> 'worker')::text, 'null')) || ']', ',' ORDER BY ao)
        FROM jsonb_array_elements(coalesce(e -> 'attempts', '[]'::jsonb)) WITH ORDINALITY AS at(a, ao)), '') || ']'
    ) || ']', ',' ORDER BY eo), '') || ']'
  FROM jsonb_array_elements(entries) WITH ORDINALITY AS et(e, eo)
$$;--> statement-breakpoint
ALTER TABLE "saga_progress" ALTER COLUMN "steps" SET DATA TYPE text USING "orderflow_pack_saga_steps"("steps");--> statement-breakpoint
ALTER TABLE "saga_progress" ALTER COLUMN "compensations" SET DATA TYPE text USING "orderflow_pack_saga_steps"("compensations");--> statement-breakpoint
DROP FUNCTION "orderflow_pack_saga_steps"(jsonb);
