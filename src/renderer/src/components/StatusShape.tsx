import type { Status } from '../../../shared/model.ts';
import { STATUS_STYLE } from '../status-style.ts';

/** The SVG twin of the status glyphs: circle up, triangle degraded, square down, diamond maintenance. */
export function StatusShape({ status, x, y, r }: { status: Status; x: number; y: number; r: number }) {
  const className = `shape ${STATUS_STYLE[status].className}`;
  switch (status) {
    case 'up':
      return <circle className={className} cx={x} cy={y} r={r} />;
    case 'degraded':
      return (
        <polygon
          className={className}
          points={`${x},${y - r * 1.2} ${x + r * 1.15},${y + r * 0.85} ${x - r * 1.15},${y + r * 0.85}`}
        />
      );
    case 'down':
      return <rect className={className} x={x - r * 0.9} y={y - r * 0.9} width={r * 1.8} height={r * 1.8} />;
    case 'maintenance':
      return (
        <polygon
          className={className}
          points={`${x},${y - r * 1.2} ${x + r * 1.2},${y} ${x},${y + r * 1.2} ${x - r * 1.2},${y}`}
        />
      );
    case 'unknown':
      return (
        <g className={className}>
          <circle cx={x} cy={y} r={r} className="hollow" />
          <text x={x} y={y} dy="0.35em" textAnchor="middle" fontSize={r * 1.4}>
            ?
          </text>
        </g>
      );
  }
}
