import type { ResultTable } from './types';

export const formatRate = (perSec: number): string =>
  Number.isFinite(perSec) ? Math.round(perSec).toLocaleString('en-US') : 'n/a';

export const formatMs = (ms: number): string => {
  if (!Number.isFinite(ms)) return 'n/a';
  if (ms < 10) return ms.toFixed(2);
  if (ms < 100) return ms.toFixed(1);
  return ms.toFixed(0);
};

export const formatRatio = (ratio: number): string => (Number.isFinite(ratio) ? `${ratio.toFixed(2)}x` : 'n/a');

/** A plain-text table with right-aligned cells (left-aligned first column). */
export const renderTable = (table: ResultTable): string => {
  const widths = table.columns.map((column, i) =>
    Math.max(column.length, ...table.rows.map((row) => (row[i] ?? '').length)),
  );
  const line = (cells: readonly string[]) =>
    cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ').trimEnd();
  const out = [table.title, line(table.columns), widths.map((w) => '-'.repeat(w)).join('  ')];
  for (const row of table.rows) out.push(line(row));
  for (const note of table.notes ?? []) out.push(`  ${note}`);
  return out.join('\n');
};

/** The same table as GitHub markdown, for docs/benchmarks.md. */
export const renderMarkdownTable = (table: ResultTable): string => {
  const row = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;
  return [
    `**${table.title}**`,
    '',
    row(table.columns),
    row(table.columns.map((_, i) => (i === 0 ? '---' : '---:'))),
    ...table.rows.map(row),
    ...(table.notes?.length ? ['', ...table.notes.map((n) => `- ${n}`)] : []),
  ].join('\n');
};
