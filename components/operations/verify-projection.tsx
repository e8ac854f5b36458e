'use client';
import { useMutation } from '@tanstack/react-query';
import { useTRPCClient } from '@/components/trpc/client';
import { Spinner } from '@/components/ui/states';

/**
 * Replays the projection from the log into shadow tables on the server and compares them with
 * the live rows; nothing is written. Shows whether they are identical, or where they differ.
 */
export const VerifyProjection = ({ name, disabled }: { name: string; disabled: boolean }) => {
  const client = useTRPCClient();
  const verify = useMutation({ mutationFn: () => client.projections.verify.mutate({ name }) });
  const result = verify.data;
  const differing = result?.tables.filter((t) => t.onlyLive > 0 || t.onlyRebuilt > 0) ?? [];
  return (
    <div className="flex flex-col items-end gap-1">
      <button
        type="button"
        className="btn btn-sm"
        onClick={() => verify.mutate()}
        disabled={disabled || verify.isPending}
        aria-label={`Verify ${name} against a replay of the log`}
        data-testid="verify"
      >
        {verify.isPending ? (
          <>
            <Spinner className="size-3" /> Verifying…
          </>
        ) : (
          'Verify'
        )}
      </button>
      {result ? (
        <p className={`text-right text-xs ${result.identical ? 'text-emerald-700' : 'font-medium text-rose-700'}`} role="status" data-testid="verify-result">
          {result.identical
            ? `Identical to a replay of ${result.eventsReplayed} events (to ${result.position})`
            : `Differs from a replay: ${differing.map((t) => `${t.table} ${t.onlyLive} live-only, ${t.onlyRebuilt} replay-only`).join('; ')}`}
        </p>
      ) : verify.error ? (
        <p className="text-xs text-rose-700" role="alert">
          {verify.error.message}
        </p>
      ) : null}
    </div>
  );
};
