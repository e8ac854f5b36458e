import { MEASURE_FROM, MEASURE_TO, promotionPatterns, RESULT_PREFIX } from './promotion-patterns';

/**
 * One run of one gc-promotion pattern (bench/scenarios/gc-promotion.ts starts it with
 * --trace-gc-nvp): a warm-up, then the measured iterations between two marker lines on stdout,
 * where node prints its GC lines too.
 */

const main = async () => {
  const [url, name, iterationsText] = process.argv.slice(2);
  const pattern = promotionPatterns.find((p) => p.name === name);
  if (!url || !pattern) throw new Error(`usage: promotion-child.ts <database url> <pattern name: ${promotionPatterns.map((p) => p.name).join(', ')}> <iterations>`);
  const iterations = Number(iterationsText);
  const db = await pattern.open(url);
  try {
    const loop = async (count: number) => {
      for (let i = 0; i < count; i++) await db.step(i);
    };
    await loop(Math.min(2_000, iterations));
    console.log(MEASURE_FROM);
    const started = performance.now();
    await loop(iterations);
    const ms = performance.now() - started;
    console.log(MEASURE_TO);
    console.log(RESULT_PREFIX + JSON.stringify({ iterations, ms }));
  } finally {
    await db.close();
  }
};

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
