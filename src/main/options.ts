/**
 * How this desktop instance runs, from its command line and environment:
 *   --config FILE (or KNOCKON_CONFIG)    the config; without it, the built-in demo lab
 *   --wall (or KNOCKON_WALL=1)           the wall: kiosk, full screen, rotating views, screen kept awake
 *   --display N (or KNOCKON_DISPLAY)     which display the wall goes on (0 is the primary; see --list-displays)
 *   --dwell SECONDS                      how long the wall shows each view (default 20)
 *   --views wall,map,latency,incidents   which views the wall rotates through
 */
export interface DesktopOptions {
  configPath: string | null;
  wall: boolean;
  display: number | null;
  dwellSeconds: number | null;
  views: string | null;
  listDisplays: boolean;
}

function value(argv: string[], name: string): string | null {
  const i = argv.indexOf(name);
  if (i >= 0 && argv[i + 1] !== undefined && !argv[i + 1]!.startsWith('--')) return argv[i + 1]!;
  const inline = argv.find((a) => a.startsWith(`${name}=`));
  return inline ? inline.slice(name.length + 1) : null;
}

const on = (v: string | undefined) => v !== undefined && v !== '' && v !== '0' && v !== 'false';

export function parseDesktopOptions(argv: string[], env: NodeJS.ProcessEnv): DesktopOptions {
  const display = value(argv, '--display') ?? env.KNOCKON_DISPLAY ?? null;
  const dwell = value(argv, '--dwell');
  const views = value(argv, '--views');
  return {
    configPath: value(argv, '--config') ?? env.KNOCKON_CONFIG ?? null,
    wall: argv.includes('--wall') || on(env.KNOCKON_WALL),
    display: display !== null && /^\d+$/.test(display) ? Number(display) : null,
    dwellSeconds: dwell !== null && Number(dwell) >= 1 ? Number(dwell) : null,
    // Only view names reach the renderer's URL: nothing else from the command line does.
    views: views !== null && /^[a-z]+(,[a-z]+)*$/.test(views) ? views : null,
    listDisplays: argv.includes('--list-displays'),
  };
}
