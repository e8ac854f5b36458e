/** Pretty JSON with light syntax colouring; plain text underneath, so it copies cleanly. */
export const JsonView = ({ value, className = '' }: { value: unknown; className?: string }) => {
  const text = JSON.stringify(value, null, 2) ?? 'undefined';
  const parts = text.split(/("(?:\\.|[^"\\])*"(?:\s*:)?|\b-?\d+(?:\.\d+)?(?:e[+-]?\d+)?\b|\btrue\b|\bfalse\b|\bnull\b)/g);
  return (
    <pre className={`overflow-x-auto rounded-md bg-slate-950 p-3 font-mono text-xs leading-relaxed text-slate-100 ${className}`}>
      <code>
        {parts.map((part, i) => {
          if (i % 2 === 0) return part;
          const cls = part.endsWith(':')
            ? 'text-sky-300'
            : part.startsWith('"')
              ? 'text-emerald-300'
              : part === 'null'
                ? 'text-slate-400'
                : part === 'true' || part === 'false'
                  ? 'text-violet-300'
                  : 'text-amber-300';
          return (
            <span key={i} className={cls}>
              {part}
            </span>
          );
        })}
      </code>
    </pre>
  );
};
