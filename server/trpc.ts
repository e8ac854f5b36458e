import { initTRPC, TRPCError } from '@trpc/server';
import { z } from 'zod';
import type { Context } from './context';
import { trpcCodeFor } from './error-codes';
import { DomainError } from './shared/errors';

/**
 * Plain JSON on the wire (no transformer): times are ISO-8601 strings and money integer cents,
 * so curl and any language can call the API.
 */
const t = initTRPC.context<Context>().create({
  errorFormatter({ shape, error }) {
    const cause = error.cause;
    return {
      ...shape,
      data: {
        ...shape.data,
        // Each bad field with its path, from the zod error behind a BAD_REQUEST.
        fieldErrors:
          cause instanceof z.ZodError
            ? cause.issues.map((issue) => ({ path: issue.path.map(String), message: issue.message }))
            : cause instanceof DomainError && Array.isArray(cause.details.path)
              ? [{ path: (cause.details.path as unknown[]).map(String), message: cause.message }]
              : null,
        domainCode: cause instanceof DomainError ? cause.code : null,
        details: cause instanceof DomainError ? cause.details : null,
      },
    };
  },
});

/** Domain errors become their mapped tRPC code; anything else stays an internal error. */
const domainErrors = t.middleware(async ({ next }) => {
  const result = await next();
  if (!result.ok && result.error.cause instanceof DomainError) {
    const cause = result.error.cause;
    throw new TRPCError({ code: trpcCodeFor[cause.code], message: cause.message, cause });
  }
  return result;
});

export const router = t.router;
export const publicProcedure = t.procedure.use(domainErrors);
export const createCallerFactory = t.createCallerFactory;
