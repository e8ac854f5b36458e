/** Small inline icons (system fonts lack the media-control glyphs). */
const Svg = ({ children, className = 'size-3.5' }: { children: React.ReactNode; className?: string }) => (
  <svg viewBox="0 0 16 16" fill="currentColor" className={className} aria-hidden focusable="false">
    {children}
  </svg>
);

export const IconFirst = () => (
  <Svg>
    <rect x="2" y="3" width="2" height="10" rx="0.5" />
    <path d="M13 3.5v9a.5.5 0 0 1-.78.42L5.5 8.42a.5.5 0 0 1 0-.84l6.72-4.5A.5.5 0 0 1 13 3.5Z" />
  </Svg>
);
export const IconBack = () => (
  <Svg>
    <path d="M11 3.5v9a.5.5 0 0 1-.78.42L3.5 8.42a.5.5 0 0 1 0-.84l6.72-4.5A.5.5 0 0 1 11 3.5Z" />
  </Svg>
);
export const IconForward = () => (
  <Svg>
    <path d="M5 3.5v9a.5.5 0 0 0 .78.42l6.72-4.5a.5.5 0 0 0 0-.84L5.78 3.08A.5.5 0 0 0 5 3.5Z" />
  </Svg>
);
export const IconPlay = IconForward;
export const IconPause = () => (
  <Svg>
    <rect x="3.5" y="3" width="3" height="10" rx="0.75" />
    <rect x="9.5" y="3" width="3" height="10" rx="0.75" />
  </Svg>
);
export const IconLast = () => (
  <Svg>
    <path d="M3 3.5v9a.5.5 0 0 0 .78.42l6.72-4.5a.5.5 0 0 0 0-.84L3.78 3.08A.5.5 0 0 0 3 3.5Z" />
    <rect x="12" y="3" width="2" height="10" rx="0.5" />
  </Svg>
);
export const IconRewindTo = () => (
  <Svg>
    <path d="M8 2.5a5.5 5.5 0 1 1-5.2 3.7.75.75 0 1 1 1.42.5A4 4 0 1 0 8 4v1.6a.4.4 0 0 1-.66.3L4.9 3.8a.4.4 0 0 1 0-.6L7.34 1.1a.4.4 0 0 1 .66.3v1.1Z" />
  </Svg>
);
