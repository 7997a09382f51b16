// Browser tests of the admin console: headless Chromium (Debian's `chromium`, driven by
// playwright-core) against a live `wxbase serve --dev` with its WeChat emulator.
//
// The binary is $WXBASE_BIN, else $CARGO_TARGET_DIR/debug/wxbase. Each test saves a
// screenshot into $WXBASE_SCREENSHOTS (default: a temporary folder, printed at the end).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { createServer as createHttpServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const binary = process.env.WXBASE_BIN
  ?? join(process.env.CARGO_TARGET_DIR ?? join(process.env.HOME, '.cache/wxbase-target'), 'debug/wxbase');
const screenshots = process.env.WXBASE_SCREENSHOTS ?? mkdtempSync(join(tmpdir(), 'wxbase-screenshots-'));
mkdirSync(screenshots, { recursive: true });

const SECOND_ADMIN = 'second';
const SECOND_PASSWORD = 'second-admin-password';

let server;
let browser;
let base;
let emulator;
let adminPassword;
let page;

/** A free port on 127.0.0.1. */
function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

/** Polls `check` every 100 ms until it returns a truthy value or `ms` pass. */
async function eventually(check, what, ms = 15000) {
  const deadline = Date.now() + ms;
  let last;
  while (Date.now() < deadline) {
    try {
      last = await check();
      if (last) return last;
    } catch (error) {
      last = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`timed out waiting for ${what}; last: ${last}`);
}

async function postJson(url, body) {
  const response = await fetch(url, { method: 'POST', body: JSON.stringify(body) });
  return response.json();
}

async function shot(name) {
  await page.screenshot({ path: join(screenshots, `${name}.png`), fullPage: true });
}

async function signIn(username, password) {
  await page.goto(`${base}/admin/login`);
  await page.getByLabel(/Username|用户名/).fill(username);
  await page.getByLabel(/Password|密码/).fill(password);
  await page.getByRole('button', { name: /Sign in|登录/ }).click();
}

/** A mini-program user logged in through the emulator: their openid. */
async function loggedInUser(name) {
  const { code } = await postJson(`${emulator}/__emulator/login-code`, { user: name });
  const login = await postJson(`${base}/api/auth/login`, { code });
  assert.ok(login.data?.user?.openid, JSON.stringify(login));
  return login.data.user.openid;
}

before(async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'wxbase-console-'));
  const [port, emulatorPort] = [await freePort(), await freePort()];
  const common = ['--data-dir', dataDir];
  // A second admin, created the way scripts do: the password on stdin.
  const created = spawnSync(binary, ['admin', 'create', SECOND_ADMIN, ...common], {
    input: `${SECOND_PASSWORD}\n`,
    encoding: 'utf8',
  });
  assert.equal(created.status, 0, `wxbase admin create failed: ${created.stderr}`);
  server = spawn(binary, ['serve', '--dev', '--listen', `127.0.0.1:${port}`,
    '--emulator-listen', `127.0.0.1:${emulatorPort}`, ...common], { stdio: ['ignore', 'pipe', 'inherit'] });
  let banner = '';
  server.stdout.on('data', (chunk) => { banner += chunk; });
  const found = await eventually(() => banner.match(/admin console: (\S+)\/admin\s+user admin\s+password (\S+)/),
    'the banner of wxbase serve --dev', 60000);
  base = found[1];
  adminPassword = found[2];
  emulator = `http://127.0.0.1:${emulatorPort}`;
  browser = await chromium.launch({ executablePath: process.env.WXBASE_CHROMIUM ?? '/usr/bin/chromium', args: ['--no-sandbox'] });
  const context = await browser.newContext({ locale: 'en-US', viewport: { width: 1280, height: 800 } });
  page = await context.newPage();
});

after(async () => {
  await browser?.close();
  server?.kill('SIGTERM');
  console.log(`screenshots in ${screenshots}`);
});

test('a wrong password is refused, then repeated failures lock the account', async () => {
  await signIn(SECOND_ADMIN, 'not-the-password');
  await assert.doesNotReject(page.getByText('Wrong username or password.').waitFor());
  for (let attempt = 2; attempt <= 4; attempt++) {
    await signIn(SECOND_ADMIN, `wrong-${attempt}`);
    await page.getByText('Wrong username or password.').waitFor();
  }
  await signIn(SECOND_ADMIN, 'wrong-5');
  await page.getByText(/Too many failed sign-ins/).waitFor();
  // Locked: even the right password is refused now.
  await signIn(SECOND_ADMIN, SECOND_PASSWORD);
  await page.getByText(/Too many failed sign-ins/).waitFor();
  assert.match(page.url(), /\/admin\/login$/);
  await shot('sign-in-locked');
});

test('an admin signs in and sees the dashboard', async () => {
  await signIn('admin', adminPassword);
  await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
  await page.getByText('Messages from users').waitFor();
  assert.equal(new URL(page.url()).pathname, '/admin');
  await shot('dashboard');
});

test('finds a user by the beginning of their openid', async () => {
  const openid = await loggedInUser('alice');
  await page.goto(`${base}/admin/users`);
  await page.getByLabel(/Find a user/).fill(openid.slice(0, 8));
  const link = page.getByRole('link', { name: openid });
  await link.waitFor();
  await shot('users-search');
  await link.click();
  await page.getByRole('heading', { name: 'Profile' }).waitFor();
  await page.getByText('Sessions (1)').waitFor();
  await shot('user');
});

test('a reply written in the console arrives in the user\'s chat', async () => {
  const openid = await loggedInUser('bob');
  const pushed = await postJson(`${emulator}/__emulator/push`, { user: 'bob', msgType: 'text', content: 'hi from bob' });
  assert.equal(pushed.delivered, true, JSON.stringify(pushed));
  await page.goto(`${base}/admin/messages`);
  await page.getByRole('link', { name: openid }).click();
  await page.getByText('hi from bob').waitFor();
  await page.getByLabel('Reply (text)').fill('Hello Bob, from the console');
  await page.getByRole('button', { name: 'Send' }).click();
  await page.getByText('The reply is queued in the outbox.').waitFor();
  const chat = await eventually(async () => {
    const conversation = await (await fetch(`${emulator}/__emulator/conversations/bob`)).json();
    return conversation.messages.find((m) => m.from === 'app' && JSON.stringify(m).includes('Hello Bob, from the console'));
  }, 'the reply in the emulator\'s conversation');
  assert.ok(chat);
  await page.reload();
  await page.getByText('Hello Bob, from the console').waitFor();
  await shot('conversation');
});

test('creates an auto-reply rule and tests which rule answers', async () => {
  await page.goto(`${base}/admin/rules`);
  await page.getByLabel('Name').fill('prices');
  await page.getByLabel('Priority').fill('50');
  await page.getByLabel('Match', { exact: true }).selectOption('contains');
  await page.getByLabel('Pattern').fill('price');
  await page.getByLabel('Reply text').fill('Our prices are on the website.');
  await page.getByRole('button', { name: 'Create the rule' }).click();
  await page.getByText('The rule was created.').waitFor();
  await page.getByRole('cell', { name: 'prices', exact: true }).waitFor();
  await page.getByLabel('A user writes').fill('what is the price?');
  await page.getByRole('button', { name: 'Which rule answers?' }).click();
  const result = page.locator('#tested .test-result');
  await result.getByText('Our prices are on the website.').waitFor();
  assert.match(await result.innerText(), /\(prices\) answers/);
  await shot('rules');
});

test('creates a collection with a schema and edits a document', async () => {
  await page.goto(`${base}/admin/collections`);
  await page.getByLabel('Name').fill('notes');
  await page.getByLabel('Permission').selectOption('own_only');
  await page.getByLabel('JSON Schema').fill('{"type": "object", "properties": {"title": {"type": "string"}}, "required": ["title"]}');
  await page.getByRole('button', { name: 'Create the collection' }).click();
  await page.getByText('The collection was created.').waitFor();
  await page.getByLabel('Body (JSON)').fill('{"title": "first note"}');
  await page.getByRole('button', { name: 'Add the document' }).click();
  await page.getByText('The document was added.').waitFor();
  await page.locator('table.documents a').first().click();
  await page.getByLabel('Body (JSON)').fill('{"title": 7}');
  await page.getByRole('button', { name: 'Save' }).click();
  await page.locator('p.error').waitFor();
  await page.getByLabel('Body (JSON)').fill('{"title": "edited note"}');
  await page.getByRole('button', { name: 'Save' }).click();
  await page.getByText('The document was saved.').waitFor();
  await page.getByRole('link', { name: 'Back to the collection' }).click();
  await page.getByText('edited note').waitFor();
  await shot('collection');
});

test('switches the language to Chinese and back', async () => {
  await page.goto(`${base}/admin/rules`);
  await page.getByRole('link', { name: '简体中文' }).click();
  await page.getByRole('heading', { name: '自动回复' }).waitFor();
  assert.equal(await page.getAttribute('html', 'lang'), 'zh-CN');
  await page.goto(`${base}/admin`);
  await page.getByRole('heading', { name: '概览' }).waitFor();
  await shot('dashboard-zh-CN');
  await page.getByRole('link', { name: 'English' }).click();
  await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
  assert.equal(await page.getAttribute('html', 'lang'), 'en');
});

test('creates a webhook endpoint, pings it and sees a delivery', async () => {
  const received = [];
  const hook = createHttpServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => { body += chunk; });
    request.on('end', () => {
      received.push(JSON.parse(body));
      response.writeHead(204).end();
    });
  });
  await new Promise((resolve) => hook.listen(0, '127.0.0.1', resolve));
  const hookUrl = `http://127.0.0.1:${hook.address().port}/hook`;
  try {
    await page.goto(`${base}/admin/webhooks`);
    await page.getByText('No webhook endpoint yet.').waitFor();
    await page.getByLabel('URL').fill(hookUrl);
    await page.getByLabel('Description').fill('logins, to the CRM');
    await page.getByRole('checkbox', { name: 'user.login' }).check();
    await page.getByRole('checkbox', { name: 'user.created' }).check();
    await page.getByRole('button', { name: 'Create the endpoint' }).click();
    const secret = await page.locator('#new-secret').innerText();
    assert.match(secret, /^whsec_/);
    await page.getByRole('link', { name: hookUrl }).click();
    await page.getByRole('button', { name: 'Send a test ping' }).click();
    await page.getByText('The endpoint accepted the ping.').waitFor();
    assert.ok(received.some((event) => event.type === 'ping'), JSON.stringify(received));
    await loggedInUser('carol');
    await eventually(async () => {
      await page.reload();
      return (await page.locator('#deliveries').getByText('Delivered').count()) >= 2;
    }, 'the deliveries of carol\'s first login');
    await page.locator('#deliveries').getByText('user.login').waitFor();
    assert.ok(received.some((event) => event.type === 'user.login'), JSON.stringify(received));
    await shot('webhook');
  } finally {
    hook.close();
  }
});

test('sends a subscribe campaign and sees its counts', async () => {
  for (const user of ['dave', 'erin']) {
    const granted = await postJson(`${emulator}/__emulator/subscribe/grant`, { user, templateIds: ['tmplOrderShipped000000001'] });
    assert.equal(granted.push?.delivered, true, JSON.stringify(granted));
  }
  await page.goto(`${base}/admin/subscriptions`);
  await page.getByRole('row', { name: /tmplOrderShipped000000001/ }).getByRole('link', { name: 'Send with it' }).click();
  const campaign = page.locator('form[action="/admin/subscriptions/campaigns"]');
  await campaign.locator('#campaign_character_string1').fill('SF1234567');
  await campaign.locator('#campaign_thing2').fill('New arrivals');
  await campaign.locator('#campaign_time3').fill('2024-10-01 15:01');
  await campaign.getByLabel('Every user holding a grant').check();
  await campaign.getByRole('button', { name: 'Queue the campaign' }).click();
  await page.getByText('The campaign was queued').waitFor();
  assert.equal(await page.locator('#count-queued').innerText(), '2');
  await eventually(async () => (await page.locator('#count-sent').innerText()) === '2',
    'both messages sent (the counts refresh by themselves)');
  await shot('campaign');
});
