import { describe, expect, it } from 'vitest';
import { exitWallUrl, parseRoute, wallOptions } from '../../src/renderer/src/route-parse.ts';

describe('hash routes', () => {
  it('reads the view and its id', () => {
    expect(parseRoute('#/check/hk-lb', '')).toMatchObject({ view: 'check', id: 'hk-lb' });
    expect(parseRoute('#/incidents/a%2Fb', '')).toMatchObject({ view: 'incidents', id: 'a/b' });
    expect(parseRoute('', '')).toMatchObject({ view: 'checks', id: null });
    expect(parseRoute('#/nonsense', '')).toMatchObject({ view: 'checks' });
    expect(parseRoute('#/access', '')).toMatchObject({ view: 'access', id: null });
  });

  it('makes ?wall=1 a rotating wall with the default dwell of 20 s', () => {
    const options = wallOptions(parseRoute('#/wall', '?wall=1'));
    expect(options).toEqual({ wall: true, dwellMs: 20_000, views: ['wall', 'map', 'latency', 'incidents'] });
  });

  it('pins #/wall unless a rotate parameter asks it to rotate', () => {
    expect(wallOptions(parseRoute('#/wall', '')).dwellMs).toBeNull();
    expect(wallOptions(parseRoute('#/wall?rotate', '')).dwellMs).toBe(20_000);
    expect(wallOptions(parseRoute('#/wall?rotate=1', '')).dwellMs).toBe(20_000);
    expect(wallOptions(parseRoute('#/wall?rotate=45', '')).dwellMs).toBe(45_000);
    expect(wallOptions(parseRoute('#/map', '?wall=1&rotate=0')).dwellMs).toBeNull();
  });

  it('takes the dwell and the rotation from parameters, ignoring unknown views', () => {
    const options = wallOptions(parseRoute('#/wall?rotate&dwell=2&views=map,bogus,incidents', ''));
    expect(options.dwellMs).toBe(2000);
    expect(options.views).toEqual(['map', 'incidents']);
  });

  it('leaves engineer views alone', () => {
    expect(wallOptions(parseRoute('#/latency', ''))).toMatchObject({ wall: false, dwellMs: null });
  });

  it('leaves the wall for the overview with navigation, keeping the other parameters', () => {
    expect(exitWallUrl(parseRoute('#/wall', '?wall=1&dwell=5'), '/', '?wall=1&dwell=5')).toBe('/#/overview');
    expect(exitWallUrl(parseRoute('#/map?rotate=0', '?wall=1&token=x'), '/b/', '?wall=1&token=x')).toBe(
      '/b/?token=x#/map',
    );
    expect(wallOptions(parseRoute('#/overview', '')).wall).toBe(false);
  });
});
