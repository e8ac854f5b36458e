import { z } from 'zod';

const envSchema = z.object({
  /** An external Postgres; without it `npm start` runs an embedded one. */
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }).optional(),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().min(1).default('0.0.0.0'),
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  /** Where the embedded Postgres keeps its data (absolute or relative to the repository). */
  ORDERFLOW_DATA_DIR: z.string().min(1).default('.data'),
  /** Set to 0 to run no background workers in this process (projection daemon, saga processor). */
  ORDERFLOW_WORKERS: z.enum(['0', '1']).default('1'),
  DB_POOL_SIZE: z.coerce.number().int().min(2).max(200).default(20),
  /** The least time between two live messages to a subscriber (changes meanwhile are batched); more while the fan-out is long. Unset: LiveFeed's default. */
  LIVE_FLUSH_MS: z.coerce.number().int().min(0).max(1000).optional(),
});

export type Env = z.infer<typeof envSchema>;

let cached: Env | undefined;

/** Validated once; a bad variable stops the process with the field that is wrong. */
export const env = (): Env => {
  if (cached) return cached;
  const result = envSchema.safeParse(process.env);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`).join('\n');
    throw new Error(`Invalid environment:\n${problems}`);
  }
  cached = result.data;
  return cached;
};
