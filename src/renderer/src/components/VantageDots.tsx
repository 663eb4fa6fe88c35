import type { CheckView } from '../../../shared/model.ts';
import { STATUS_STYLE } from '../status-style.ts';

/**
 * A multi-vantage check at a glance, for tiles: one glyph per vantage in that vantage's status
 * (hollow when it does not vote), the voters that see it up, and for a path problem a tag that
 * names the failing vantages. Readable from across the room: the tag is words, not a colour.
 */
export function VantageDots({ check }: { check: CheckView }) {
  const quorum = check.quorum;
  const vantages = check.vantages;
  if (!quorum || !vantages) return null;
  const seeingUp = vantages.filter((v) => v.voting && v.status !== 'down').length;
  return (
    <span className="vantage-dots" data-testid={`vantages-${check.id}`}>
      {quorum.pathProblem ? (
        <span className="path-tag" data-testid={`path-${check.id}`}>
          PATH · {quorum.failing.join(', ')}
        </span>
      ) : null}
      <span className="dots" aria-label={`${seeingUp} of ${quorum.of} vantages see it up`}>
        {vantages.map((v) => (
          <span
            key={v.vantage}
            className={`dot ${STATUS_STYLE[v.status].className}${v.voting ? '' : ' is-silent'}`}
            title={`${v.vantage}: ${STATUS_STYLE[v.status].label}${v.voting ? '' : ' (not voting)'}`}
            aria-hidden="true"
          >
            {STATUS_STYLE[v.status].glyph}
          </span>
        ))}
        <span className="dots-count">
          {seeingUp}/{quorum.of}
        </span>
      </span>
    </span>
  );
}
