import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { hashPassword } from '../src/server/auth/passwords.ts';
import { HttpTarget } from '../test/support/http-target.ts';
import { Board } from './board.ts';
import { seriousViolations } from './support/axe.ts';
import { serve, type Served } from './support/serve.ts';
import { screenshotBoth } from './support/shots.ts';

/**
 * The config editor against a real `knockon serve` with sign-in: an admin adds a check from the
 * board, the file on disk has it (its comments intact) and the grid shows it after the hot
 * reload; a bad URL is refused next to its field; a check is paused; an operator and a viewer
 * get no editor.
 */
const dialog = (page: Page) => page.getByTestId('confirm-dialog');

test.describe('editing checks on the board, config kept as code', () => {
  let dir: string;
  let target: HttpTarget;
  let served: Served;
  let configPath: string;
  let original: string;

  test.beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'knockon-e2e-config-'));
    target = await new HttpTarget().start();
    configPath = join(dir, 'knockon.yaml');
    original = `# The NOC's board: reviewed in git, edited from the board too.
board: { title: Config editor, timezone: Asia/Hong_Kong }
defaults: { interval: 300ms, timeout: 250ms, fall: 2, rise: 1 }
regions:
  - { id: hk, name: Hong Kong, lat: 22.32, lon: 114.17 }

checks:
  # The primary's health endpoint.
  - id: primary
    name: HK primary   # keep this name: the runbook uses it
    region: hk
    type: http
    url: ${target.url}/health

components:
  - { id: hk-api, name: HK API, kind: api, region: hk, checks: [primary] }

auth:
  users:
    - { id: ana, name: Ana Lima, role: admin, password_hash: '${await hashPassword('admin pass')}' }
    - { id: olu, name: Olu Bello, role: operator, password_hash: '${await hashPassword('operator pass')}' }
    - { id: vic, name: Vic Wong, role: viewer, password_hash: '${await hashPassword('viewer pass')}' }
`;
    await writeFile(configPath, original);
    served = await serve(['--config', configPath, '--data-dir', join(dir, 'data'), '--token', 'e2e-token']);
  });

  test.afterAll(async () => {
    await served?.stop();
    await target?.stop().catch(() => {});
    await rm(dir, { recursive: true, force: true });
  });

  test('an admin adds, and pauses, a check; others get no editor', async ({ page }) => {
    test.setTimeout(120_000);
    const board = new Board(page);

    await test.step('the admin opens the editor from the config file’s name', async () => {
      await board.signIn(served.url, 'ana', 'admin pass');
      await board.waitForStatus('primary', 'up');
      await expect(page.getByTestId('config-source')).toContainText('knockon.yaml');
      await page.getByTestId('config-edit-link').click();
      await board.waitForView('config');
      await expect(page.getByTestId('config-file')).toContainText(configPath);
      await expect(page.getByTestId('config-item-primary')).toContainText('up');
    });

    await test.step('a bad URL is refused next to its field, and nothing is written', async () => {
      await page.getByTestId('config-add-checks').click();
      const form = page.getByTestId('config-form');
      await form.getByTestId('config-field-id').fill('second');
      await form.getByTestId('config-field-url').fill('not a url');
      await form.getByTestId('config-save').click();
      await expect(form.getByTestId('config-field-url-error')).toHaveText(
        'expected an absolute http:// or https:// URL',
      );
      expect(await readFile(configPath, 'utf8')).toBe(original);
      await screenshotBoth(page, 'config-editor-invalid');
      expect(await seriousViolations(page)).toEqual([]);
    });

    await test.step('a good one is written to the file, comments intact, and the grid shows it', async () => {
      const form = page.getByTestId('config-form');
      await form.getByTestId('config-field-name').fill('HK second');
      await form.getByTestId('config-field-url').fill(`${target.url}/second`);
      await form.getByTestId('config-field-region').selectOption('hk');
      await form.getByTestId('config-field-component').selectOption('hk-api');
      await form.getByTestId('config-save').click();
      await expect(page.getByTestId('config-message')).toContainText('added check "second" in component "hk-api"');
      const written = await readFile(configPath, 'utf8');
      expect(written).toContain("# The NOC's board: reviewed in git, edited from the board too.\n");
      expect(written).toContain("  # The primary's health endpoint.\n");
      expect(written).toContain('    name: HK primary   # keep this name: the runbook uses it\n');
      expect(written).toContain(
        `  - id: second\n    name: HK second\n    type: http\n    url: ${target.url}/second\n    region: hk\n`,
      );
      expect(written).toContain('checks: [primary, second] }');
      await expect(page.getByTestId('config-item-second')).toContainText('up', { timeout: 20_000 });
      await screenshotBoth(page, 'config-editor');
      expect(await seriousViolations(page)).toEqual([]);
      await board.openView(served.url, 'checks');
      await board.waitForStatus('second', 'up');
      await expect(board.check('second')).toContainText('HK second');
    });

    await test.step('an alert rule is added with its own form', async () => {
      await board.openView(served.url, 'config');
      await page.getByTestId('config-add-alerts').click();
      const form = page.getByTestId('config-form');
      await form.getByTestId('config-field-name').fill('ApiDown');
      await form.getByTestId('config-field-severity').selectOption('critical');
      await form.getByTestId('config-field-on').selectOption('components');
      await form.getByTestId('config-field-for').fill('30s');
      await form.getByTestId('config-save').click();
      await expect(page.getByTestId('config-item-ApiDown')).toContainText('critical');
      expect(await readFile(configPath, 'utf8')).toContain(
        'alerts:\n  - name: ApiDown\n    condition: down\n    severity: critical\n    on: components\n    for: 30s\n',
      );
    });

    await test.step('pausing a check writes enabled: false and the grid shows it paused', async () => {
      await board.openView(served.url, 'config');
      const row = page.getByTestId('config-item-second');
      await row.getByRole('button', { name: 'Pause' }).click();
      await dialog(page).getByRole('button', { name: 'Pause' }).click();
      await expect(row).toHaveAttribute('data-paused', 'true');
      expect(await readFile(configPath, 'utf8')).toContain(
        `    url: ${target.url}/second\n    region: hk\n    enabled: false\n`,
      );
      await board.openView(served.url, 'checks');
      await board.waitForStatus('second', 'unknown');
      await expect(board.check('second')).toContainText('PAUSED');
      await screenshotBoth(page, 'config-paused-tile');
      await board.waitForStatus('primary', 'up');
      expect(served.output()).toContain('paused check "second" by Ana Lima (user:ana via http)');
    });

    await test.step('an edit of a file changed on disk meanwhile is refused, and the other change kept', async () => {
      await board.openView(served.url, 'config');
      const row = page.getByTestId('config-item-second');
      await expect(row).toHaveAttribute('data-paused', 'true');
      const byHand = `${await readFile(configPath, 'utf8')}# edited by hand while the board was open\n`;
      await writeFile(configPath, byHand);
      await row.getByRole('button', { name: 'Resume' }).click();
      await dialog(page).getByRole('button', { name: 'Resume' }).click();
      await expect(dialog(page).getByRole('alert')).toContainText('changed on disk');
      await dialog(page).getByRole('button', { name: 'Cancel' }).click();
      await expect(page.getByTestId('config-message')).toContainText('changed on disk');
      expect(await readFile(configPath, 'utf8')).toBe(byHand);
      await page.getByTestId('config-message').getByRole('button', { name: 'Reload the file' }).click();
      await expect(page.getByTestId('config-message')).toHaveCount(0);
      await page.getByTestId('config-item-second').getByRole('button', { name: 'Resume' }).click();
      await dialog(page).getByRole('button', { name: 'Resume' }).click();
      await expect(page.getByTestId('config-item-second')).toHaveAttribute('data-paused', 'false');
      const resumed = await readFile(configPath, 'utf8');
      expect(resumed).toContain('# edited by hand while the board was open\n');
      expect(resumed).not.toContain('enabled: false');
    });

    await test.step('deleting a check a component lists is refused, naming the component; Cancel keeps it', async () => {
      const before = await readFile(configPath, 'utf8');
      await page.getByTestId('config-item-primary').getByRole('button', { name: 'Delete' }).click();
      await dialog(page).getByRole('button', { name: 'Delete' }).click();
      await expect(dialog(page).getByRole('alert')).toContainText('components[0].checks[0]');
      await dialog(page).getByRole('button', { name: 'Cancel' }).click();
      await expect(dialog(page)).toBeHidden();
      expect(await readFile(configPath, 'utf8')).toBe(before);
    });

    await test.step('an operator and a viewer get no editor, and the server refuses them', async () => {
      for (const [user, password] of [
        ['olu', 'operator pass'],
        ['vic', 'viewer pass'],
      ] as const) {
        await board.signOut();
        await board.signIn(served.url, user, password);
        await expect(page.getByTestId('config-source')).toContainText('knockon.yaml');
        await expect(page.getByTestId('config-edit-link')).toHaveCount(0);
        await board.openView(served.url, 'config');
        await expect(page.getByTestId('view-config')).toContainText('needs the admin role');
        await expect(page.getByTestId('config-form')).toHaveCount(0);
        const refused = await page.request.get(new URL('/api/query/config.document?params=%7B%7D', served.url).href);
        expect(refused.status()).toBe(403);
      }
    });
  });

  test('maintenance from the board: an admin starts it on a check for 30 min and ends it; an operator is refused', async ({
    page,
  }) => {
    test.setTimeout(120_000);
    const board = new Board(page);
    const checkView = (id: string) => board.openView(served.url, `check/${id}`);

    await test.step('the admin starts 30 min of maintenance from the check’s detail; its tile shows MAINT', async () => {
      await board.signIn(served.url, 'ana', 'admin pass');
      await board.waitForStatus('primary', 'up');
      await checkView('primary');
      const actions = page.getByTestId('maintenance-actions');
      await expect(actions.getByTestId('maintenance-length')).toHaveValue('30');
      await actions.getByTestId('start-maintenance').click();
      await expect(dialog(page)).toContainText('Start maintenance on check “primary” for 30 min?');
      await dialog(page).getByRole('button', { name: 'Start maintenance' }).click();
      await expect(dialog(page)).toBeHidden();
      const written = await readFile(configPath, 'utf8');
      expect(written).toMatch(
        /maintenance:\n {2}- id: primary-\d{8}-\d{4}\n {4}name: Started from the board by Ana Lima\n {4}checks:\n {6}- primary\n {4}start: \S+\+08:00\n {4}end: \S+\+08:00\n/,
      );
      expect(written).toContain("  # The primary's health endpoint.\n");
      await expect(actions.locator('[data-testid^="maintenance-window-primary-"]')).toContainText('End now');
      await screenshotBoth(page, 'check-maintenance');
      expect(await seriousViolations(page)).toEqual([]);
      await board.openView(served.url, 'checks');
      await board.waitForStatus('primary', 'maintenance');
      await expect(board.check('primary')).toContainText('MAINT');
      // Neither up nor down in the header: counted as in maintenance.
      await expect(page.getByTestId('count-maintenance')).toHaveText('◆ 1 in maintenance');
    });

    await test.step('the config screen lists the window in force, and its form takes times in the board’s zone', async () => {
      await board.openView(served.url, 'config');
      const row = page.locator('[data-testid^="config-item-primary-"]');
      await expect(row).toHaveAttribute('data-active', 'true');
      await expect(row).toContainText('in force until');
      await expect(page.getByTestId('config-maintenance-now')).toContainText(
        /primary-\d{8}-\d{4} until .* \(1 check\)/,
      );
      await page.getByTestId('config-add-maintenance').click();
      const form = page.getByTestId('config-form');
      await form.getByTestId('config-field-id').fill('db-upgrade');
      await form.getByTestId('config-field-name').fill('DB upgrade, CHG-1234');
      await form.getByTestId('config-field-components').fill('hk-api');
      await form.getByTestId('config-field-start').fill('6 Dec 2am');
      await form.getByTestId('config-save').click();
      await expect(form.getByTestId('config-field-start-error')).toHaveText(
        'expected YYYY-MM-DD HH:MM in Asia/Hong_Kong (the file takes an ISO 8601 time with its zone)',
      );
      await screenshotBoth(page, 'config-maintenance-form');
      expect(await seriousViolations(page)).toEqual([]);
      await form.getByTestId('config-field-start').fill('2031-01-06 02:00');
      await form.getByTestId('config-field-end').fill('2031-01-06 04:00');
      await form.getByTestId('config-save').click();
      await expect(page.getByTestId('config-item-db-upgrade')).toHaveAttribute('data-active', 'false');
      await expect(page.getByTestId('config-item-db-upgrade')).toContainText('next');
      expect(await readFile(configPath, 'utf8')).toContain(
        '  - id: db-upgrade\n    name: DB upgrade, CHG-1234\n    components:\n      - hk-api\n    start: 2031-01-06T02:00:00+08:00\n    end: 2031-01-06T04:00:00+08:00\n',
      );
      await expect(page.getByTestId('config-maintenance-now')).toContainText('next: db-upgrade at 06 Jan, 02:00');
      await page.getByTestId('config-maintenance').scrollIntoViewIfNeeded();
      await screenshotBoth(page, 'config-maintenance');
      expect(await seriousViolations(page)).toEqual([]);
    });

    await test.step('every check type has its target fields: a postgres check’s, the password as a variable name', async () => {
      await page.getByTestId('config-add-checks').click();
      const form = page.getByTestId('config-form');
      await form.getByTestId('config-field-type').selectOption('postgres');
      for (const field of ['host', 'port', 'user', 'password_env', 'database', 'role', 'primary']) {
        await expect(form.getByTestId(`config-field-${field}`)).toBeVisible();
      }
      await expect(form).toContainText('the name of an environment variable holding it, never the secret itself');
      await form.getByTestId('config-field-type').selectOption('heartbeat');
      await expect(form.getByTestId('config-field-token')).toHaveAttribute('type', 'password');
      await form.getByTestId('config-field-type').selectOption('postgres');
      await screenshotBoth(page, 'config-check-postgres-form');
      await form.getByRole('button', { name: 'Cancel' }).click();
    });

    await test.step('End now on the check’s detail sets the window’s end to now, and the tile goes back', async () => {
      await checkView('primary');
      const window = page.locator('[data-testid^="maintenance-window-primary-"]');
      await window.getByRole('button', { name: 'End now' }).click();
      await expect(dialog(page)).toContainText('the window stays in the file as a record');
      await dialog(page).getByRole('button', { name: 'End now' }).click();
      await expect(dialog(page)).toBeHidden();
      await board.openView(served.url, 'checks');
      await board.waitForStatus('primary', 'up');
      await expect(page.getByTestId('count-maintenance')).toHaveCount(0);
      await board.openView(served.url, 'config');
      await expect(page.locator('[data-testid^="config-item-primary-"]')).toHaveAttribute('data-active', 'false');
      expect(served.output()).toMatch(/changed maintenance window "primary-\d{8}-\d{4}" \(ended at .* by Ana Lima/);
    });

    await test.step('a component’s maintenance from the config screen covers its checks; End now from the list', async () => {
      const start = page.getByTestId('config-start-now');
      await start.getByTestId('config-start-now-target').selectOption('components:hk-api');
      await start.getByRole('combobox', { name: 'for' }).selectOption('60');
      await start.getByRole('button', { name: 'Start' }).click();
      await expect(dialog(page)).toContainText('Start maintenance on component “hk-api” for 1 h?');
      await dialog(page).getByRole('button', { name: 'Start maintenance' }).click();
      const row = page.locator('[data-testid^="config-item-hk-api-"]');
      await expect(row).toHaveAttribute('data-active', 'true');
      await expect(row).toContainText('components hk-api');
      await board.openView(served.url, 'checks');
      await board.waitForStatus('primary', 'maintenance');
      await board.openView(served.url, 'config');
      await page.locator('[data-testid^="config-item-hk-api-"]').getByRole('button', { name: 'End now' }).click();
      await dialog(page).getByRole('button', { name: 'End now' }).click();
      await expect(page.locator('[data-testid^="config-item-hk-api-"]')).toHaveAttribute('data-active', 'false');
      await board.openView(served.url, 'checks');
      await board.waitForStatus('primary', 'up');
    });

    await test.step('the component’s own view: an admin starts maintenance on it and ends it there; none on the wall', async () => {
      await board.openView(served.url, 'component/hk-api');
      await expect(page.getByTestId('component-check-primary')).toContainText('HK primary');
      const actions = page.getByTestId('maintenance-actions');
      await actions.getByTestId('maintenance-length').selectOption('120');
      await actions.getByTestId('start-maintenance').click();
      await expect(dialog(page)).toContainText('Start maintenance on component “hk-api” for 2 h?');
      await dialog(page).getByRole('button', { name: 'Start maintenance' }).click();
      await expect(dialog(page)).toBeHidden();
      await expect(page.getByTestId('component-check-primary')).toHaveAttribute('data-status', 'maintenance');
      const window = actions.locator('[data-testid^="maintenance-window-hk-api-"]');
      await expect(window).toContainText('End now');
      await screenshotBoth(page, 'component-maintenance');
      expect(await seriousViolations(page)).toEqual([]);
      await window.getByRole('button', { name: 'End now' }).click();
      await expect(dialog(page)).toContainText('the window stays in the file as a record');
      await dialog(page).getByRole('button', { name: 'End now' }).click();
      await expect(dialog(page)).toBeHidden();
      await expect(page.getByTestId('component-check-primary')).toHaveAttribute('data-status', 'up');
      await expect(window).toHaveCount(0);
      await board.open(`${served.url}?wall=1&rotate=0`, '#/component/hk-api');
      await expect(page.getByTestId('view-component')).toHaveAttribute('data-component', 'hk-api');
      await expect(page.getByTestId('maintenance-actions')).toHaveCount(0);
    });

    await test.step('End now on a recurring window in force ends this occurrence only; the schedule stays', async () => {
      // Every day from a minute ago, Hong Kong time, for 2 h: in force now, next tomorrow.
      const hhmm = new Date(Date.now() + 8 * 3_600_000 - 60_000).toISOString().slice(11, 16);
      const text = await readFile(configPath, 'utf8');
      await writeFile(
        configPath,
        text.replace(
          '\nmaintenance:\n',
          `\nmaintenance:\n  - id: nightly\n    checks: [primary]\n    every: { at: "${hhmm}", for: 2h, timezone: Asia/Hong_Kong }\n`,
        ),
      );
      await board.openView(served.url, 'checks');
      await board.waitForStatus('primary', 'maintenance');
      await checkView('primary');
      const window = page.getByTestId('maintenance-window-nightly');
      await expect(window).toContainText('(recurring)');
      await window.getByRole('button', { name: 'End now' }).click();
      await expect(dialog(page)).toContainText('End this occurrence of “nightly” now?');
      await expect(dialog(page)).toContainText('the schedule stays, next from');
      await dialog(page).getByRole('button', { name: 'End now' }).click();
      await expect(dialog(page)).toBeHidden();
      await board.openView(served.url, 'checks');
      await board.waitForStatus('primary', 'up');
      await board.openView(served.url, 'config');
      const row = page.getByTestId('config-item-nightly');
      await expect(row).toHaveAttribute('data-active', 'false');
      await expect(row).toContainText(`next `);
      await expect(row).toContainText(`every day at ${hhmm} for 2h (Asia/Hong_Kong)`);
      expect(await readFile(configPath, 'utf8')).toMatch(
        /\n {4}every: \{ at: "\d\d:\d\d", for: 2h, timezone: Asia\/Hong_Kong \}\n {4}ended:\n {6}- occurrence: \S+\+08:00\n {8}at: \S+\+08:00\n/,
      );
      expect(served.output()).toMatch(
        /changed maintenance window "nightly" \(its occurrence from .* ended at .*the schedule stays\)/,
      );
    });

    await test.step('an operator sees the action, and the server’s refusal in the dialog; nothing is written', async () => {
      const before = await readFile(configPath, 'utf8');
      await board.signOut();
      await board.signIn(served.url, 'olu', 'operator pass');
      await checkView('primary');
      await page.getByTestId('start-maintenance').click();
      await dialog(page).getByRole('button', { name: 'Start maintenance' }).click();
      await expect(dialog(page).getByRole('alert')).toContainText('needs the admin role');
      await dialog(page).getByRole('button', { name: 'Cancel' }).click();
      expect(await readFile(configPath, 'utf8')).toBe(before);
    });
  });

  test('a board without sign-in asks for the board token before it shows the file', async ({ page }) => {
    const plainDir = await mkdtemp(join(tmpdir(), 'knockon-e2e-config-token-'));
    const plainPath = join(plainDir, 'knockon.yaml');
    await writeFile(plainPath, `checks:\n  - { id: only, type: http, url: "${target.url}/health" }\n`);
    const plain = await serve(['--config', plainPath, '--data-dir', join(plainDir, 'data'), '--token', 'plain-token']);
    try {
      const board = new Board(page);
      await board.openView(plain.url, 'config');
      const gate = page.getByTestId('view-config');
      await gate.getByLabel(/Board token/).fill('plain-token');
      await gate.getByRole('button', { name: 'Open the config' }).click();
      await expect(page.getByTestId('config-file')).toContainText(plainPath);
      await page.getByTestId('config-item-only').getByRole('button', { name: 'Pause' }).click();
      await dialog(page).getByRole('button', { name: 'Pause' }).click();
      await expect(page.getByTestId('config-item-only')).toHaveAttribute('data-paused', 'true');
      expect(await readFile(plainPath, 'utf8')).toBe(
        `checks:\n  - { id: only, type: http, url: "${target.url}/health", enabled: false }\n`,
      );
    } finally {
      await plain.stop();
      await rm(plainDir, { recursive: true, force: true });
    }
  });
});
