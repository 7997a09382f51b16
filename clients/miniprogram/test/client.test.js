// The client against a real `wxbase serve --dev`: login, the user, collections, files and the
// session's life (first calls, expiry, re-login), with a `wx` of our own.
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { after, before, describe, test } = require('node:test');

const { createClient, WxbaseError } = require('..');
const { createWx } = require('./wx-shim');
const { startWxbase } = require('./server');

let server;

before(async () => {
  server = await startWxbase();
  const todos = await server.adminCall('POST', '/admin/api/collections', { name: 'todos', permission: 'own_only' });
  assert.equal(todos.code, 1, JSON.stringify(todos));
  const photos = await server.adminCall('POST', '/admin/api/buckets', { name: 'photos', types: ['image/*'] });
  assert.equal(photos.code, 1, JSON.stringify(photos));
});

after(() => server && server.stop());

function client(user) {
  const wx = createWx({ emulator: server.emulator, user });
  return { wx, wxb: createClient({ baseUrl: server.api, wx }) };
}

describe('the committed OpenAPI document', () => {
  test('is what the server serves', async () => {
    const served = await (await fetch(`${server.api}/openapi.json`)).json();
    const committed = JSON.parse(fs.readFileSync(path.join(__dirname, '../openapi.json'), 'utf8'));
    assert.deepEqual(served, committed);
  });
});

describe('login and the user', () => {
  test('auth.login exchanges a wx.login code and keeps the token in storage', async () => {
    const { wx, wxb } = client('login-alice');
    const login = await wxb.auth.login();
    assert.equal(wx.loginCalls, 1);
    assert.equal(wx.getStorageSync('wxbase:token'), login.token);
    assert.equal(login.user.isNew, true);
    const me = await wxb.me();
    assert.equal(me.openid, login.user.openid);
  });

  test('a first call logs in by itself', async () => {
    const { wx, wxb } = client('first-call');
    const me = await wxb.me();
    assert.equal(wx.loginCalls, 1);
    assert.match(me.openid, /^o/);
  });

  test('concurrent first calls share one wx.login', async () => {
    const { wx, wxb } = client('concurrent');
    const answers = await Promise.all([wxb.me(), wxb.me(), wxb.me(), wxb.collection('todos').count(), wxb.me()]);
    assert.equal(wx.loginCalls, 1);
    assert.equal(new Set(answers.filter((a) => a.openid).map((a) => a.openid)).size, 1);
    assert.deepEqual(answers[3], { total: 0 });
    const logins = wx.requests.filter((r) => r.url.endsWith('/api/auth/login'));
    assert.equal(logins.length, 1);
  });

  test('an ended session logs in again once, and the call goes through', async () => {
    const { wx, wxb } = client('expiry');
    const first = await wxb.auth.login();
    // The server forgets the session, as when it expires.
    const ended = await fetch(`${server.api}/api/auth/logout`, {
      method: 'POST',
      headers: { authorization: `Bearer ${first.token}` },
    });
    assert.equal((await ended.json()).code, 1);
    const me = await wxb.me();
    assert.equal(me.openid, first.user.openid);
    assert.equal(wx.loginCalls, 2);
    const stored = wx.getStorageSync('wxbase:token');
    assert.ok(stored && stored !== first.token, 'a new token is stored');
  });

  test('a token left in storage that the server does not know is replaced', async () => {
    const { wx, wxb } = client('stale-storage');
    wx.setStorageSync('wxbase:token', 'not-a-session');
    const me = await wxb.me();
    assert.match(me.openid, /^o/);
    assert.equal(wx.loginCalls, 1);
  });

  test('auth.logout ends the session and forgets the token', async () => {
    const { wx, wxb } = client('logout');
    const login = await wxb.auth.login();
    assert.equal(await wxb.auth.logout(), null);
    assert.equal(wxb.auth.hasSession(), false);
    const after = await fetch(`${server.api}/api/me`, { headers: { authorization: `Bearer ${login.token}` } });
    assert.equal((await after.json()).error, 'unauthorized');
    assert.equal(wx.getStorageSync('wxbase:token'), '');
  });

  test('phone stores the number from a getPhoneNumber code', async () => {
    const { wxb } = client('phone-user');
    const { code } = await (
      await fetch(`${server.emulator}/__emulator/phone-code`, { method: 'POST', body: JSON.stringify({ user: 'phone-user' }) })
    ).json();
    const phone = await wxb.phone({ code });
    assert.match(phone.phoneNumber, /\d{6,}/);
    const me = await wxb.me();
    assert.deepEqual(me.phone, phone);
  });
});

describe('collections', () => {
  test('add, doc().get, update, replace, remove', async () => {
    const { wxb } = client('todo-owner');
    const todos = wxb.collection('todos');
    const doc = await todos.add({ title: 'milk', done: false });
    assert.equal(doc.title, 'milk');
    assert.match(doc._id, /^[0-9A-Z]{26}$/);
    assert.deepEqual(await todos.doc(doc._id).get(), doc);
    const updated = await todos.doc(doc._id).update({ set: { done: true }, inc: { times: 1 } });
    assert.equal(updated.done, true);
    assert.equal(updated.times, 1);
    const replaced = await todos.doc(doc._id).replace({ title: 'bread' });
    assert.equal(replaced.title, 'bread');
    assert.equal(replaced.done, undefined);
    assert.equal(replaced._createdAt, doc._createdAt);
    assert.equal(await todos.doc(doc._id).remove(), null);
    await assert.rejects(todos.doc(doc._id).get(), (error) => error instanceof WxbaseError && error.error === 'not_found');
  });

  test('where, orderBy, limit, get, count and paging with after', async () => {
    const { wxb } = client('todo-query');
    const todos = wxb.collection('todos');
    for (const title of ['d', 'b', 'a', 'c', 'e']) await todos.add({ title, done: title === 'e' });
    const open = todos.where({ done: false }).orderBy('title', 'asc');
    const first = await open.limit(2).get();
    assert.deepEqual(first.docs.map((d) => d.title), ['a', 'b']);
    assert.ok(first.cursor, 'a full page has a cursor');
    const second = await open.limit(2).after(first.cursor).get();
    assert.deepEqual(second.docs.map((d) => d.title), ['c', 'd']);
    assert.deepEqual(await open.count(), { total: 4 });
    assert.deepEqual(await todos.count(), { total: 5 });
    const narrowed = await todos.where({ done: false }).where({ title: { gte: 'c' } }).orderBy('title', 'desc').get();
    assert.deepEqual(narrowed.docs.map((d) => d.title), ['d', 'c']);
    const only = await todos.where({ title: 'a' }).fields(['title']).get();
    assert.deepEqual(Object.keys(only.docs[0]).sort(), ['_id', 'title']);
  });

  test("own_only hides another user's documents", async () => {
    const mine = client('owner-one').wxb.collection('todos');
    const theirs = client('owner-two').wxb.collection('todos');
    const doc = await mine.add({ title: 'private' });
    await assert.rejects(theirs.doc(doc._id).get(), (error) => error.error === 'not_found');
  });
});

describe('files', () => {
  test('upload sends the file with progress and answers the stored file', async () => {
    const { wxb } = client('uploader');
    const png = Buffer.from(
      'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==',
      'base64',
    );
    // Padded past one write slice, so progress is reported more than once.
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'wxbase-upload-')), 'dot.png');
    fs.writeFileSync(file, Buffer.concat([png, Buffer.alloc(64 * 1024)]));
    const progress = [];
    const stored = await wxb.files.upload({ filePath: file, bucket: 'photos', onProgress: (p) => progress.push(p) });
    assert.equal(stored.bucket, 'photos');
    assert.equal(stored.contentType, 'image/png');
    assert.equal(stored.name, 'dot.png');
    assert.ok(progress.length > 1, `progress reported ${progress.length} times`);
    assert.equal(progress[progress.length - 1].progress, 100);
    const bytes = Buffer.from(await (await fetch(stored.url)).arrayBuffer());
    assert.equal(bytes.length, fs.statSync(file).size);
    const [signed] = await wxb.files.urls([stored.id]);
    assert.equal(signed.id, stored.id);
    assert.ok(signed.url);
    assert.equal(await wxb.files.remove(stored.id), null);
  });

  test('an upload of a type the bucket refuses rejects with unsupported_type', async () => {
    const { wxb } = client('uploader-text');
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'wxbase-upload-')), 'notes.txt');
    fs.writeFileSync(file, 'plain text, not an image');
    await assert.rejects(
      wxb.files.upload({ filePath: file, bucket: 'photos' }),
      (error) => error instanceof WxbaseError && error.error === 'unsupported_type' && error.requestId.length > 0,
    );
  });
});
