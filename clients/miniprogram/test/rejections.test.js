// Every way a call rejects, each as a WxbaseError: the server's codes with the request id,
// `network` for failures and timeouts, `bad_response` for an answer that is not the envelope,
// `login_failed` when wx.login fails, and `unauthorized` when logging in again does not help.
// Stand-in servers give the answers wxbase itself never gives.
const assert = require('node:assert/strict');
const net = require('node:net');
const { after, before, test } = require('node:test');

const { createClient, WxbaseError } = require('..');
const { createWx } = require('./wx-shim');
const { envelope, startStub, startWxbase } = require('./server');

let server;
const stubs = [];

before(async () => {
  server = await startWxbase();
});

after(async () => {
  for (const stub of stubs) await stub.stop();
  if (server) await server.stop();
});

async function stub(answer) {
  const started = await startStub(answer);
  stubs.push(started);
  return started;
}

function isError(code) {
  return (error) => {
    assert.ok(error instanceof WxbaseError, `a WxbaseError, not ${error}`);
    assert.equal(error.error, code, error.message);
    return true;
  };
}

/** A port nothing listens on. */
async function closedPort() {
  const probe = net.createServer();
  await new Promise((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address();
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

test("a server error carries its code, message and the request's id", async () => {
  const wx = createWx({ emulator: server.emulator, user: 'errors' });
  const wxb = createClient({ baseUrl: server.api, wx });
  const error = await wxb.collection('nothing_here').add({ a: 1 }).catch((e) => e);
  isError('unknown_collection')(error);
  assert.match(error.message, /nothing_here/);
  assert.match(error.requestId, /^[0-9a-f-]{36}$/);
  assert.equal(error.statusCode, 200);
});

test('a malformed phone request rejects with bad_request', async () => {
  const wxb = createClient({ baseUrl: server.api, wx: createWx({ emulator: server.emulator, user: 'bad' }) });
  await assert.rejects(wxb.phone({}), isError('bad_request'));
});

test('a refused connection rejects with network', async () => {
  const wxb = createClient({
    baseUrl: `http://127.0.0.1:${await closedPort()}`,
    wx: createWx({ emulator: server.emulator, user: 'offline' }),
  });
  const error = await wxb.me().catch((e) => e);
  isError('network')(error);
  assert.equal(error.requestId, '');
});

test('a server that does not answer in time rejects with network', async () => {
  const silent = await stub(() => {});
  const wxb = createClient({
    baseUrl: silent.url,
    timeout: 300,
    wx: createWx({ emulator: server.emulator, user: 'slow' }),
  });
  const error = await wxb.auth.login().catch((e) => e);
  isError('network')(error);
  assert.match(error.message, /timeout/);
});

test('an answer that is not the envelope rejects with bad_response', async () => {
  const proxy = await stub((req, body, res) => {
    res.writeHead(502, { 'content-type': 'text/html' });
    res.end('<html>Bad Gateway</html>');
  });
  const wxb = createClient({ baseUrl: proxy.url, wx: createWx({ emulator: server.emulator, user: 'proxied' }) });
  const error = await wxb.auth.login().catch((e) => e);
  isError('bad_response')(error);
  assert.equal(error.statusCode, 502);
});

test('a failing wx.login rejects with login_failed, and the next call tries again', async () => {
  const wx = createWx({ emulator: server.emulator, user: 'denied' });
  const wxb = createClient({ baseUrl: server.api, wx });
  wx.loginFails = true;
  await assert.rejects(wxb.me(), isError('login_failed'));
  wx.loginFails = false;
  const me = await wxb.me();
  assert.match(me.openid, /^o/);
  assert.equal(wx.loginCalls, 2);
});

test('a refused login code rejects with the server code', async () => {
  const refusing = await stub((req, body, res) =>
    envelope(res, { error: 'invalid_code', message: 'WeChat refused the code' }),
  );
  const wxb = createClient({ baseUrl: refusing.url, wx: createWx({ emulator: server.emulator, user: 'refused' }) });
  await assert.rejects(wxb.me(), isError('invalid_code'));
});

test('unauthorized after logging in again rejects, after exactly one more login', async () => {
  const strict = await stub((req, body, res) => {
    if (req.url === '/api/auth/login') {
      envelope(res, { data: { token: `t${Date.now()}`, expiresAt: '2030-01-01T00:00:00Z', user: { openid: 'o1', unionid: null, isNew: false } } });
    } else {
      envelope(res, { error: 'unauthorized', message: 'no valid session' });
    }
  });
  const wx = createWx({ emulator: server.emulator, user: 'locked-out' });
  const wxb = createClient({ baseUrl: strict.url, wx });
  await assert.rejects(wxb.me(), isError('unauthorized'));
  assert.equal(wx.loginCalls, 2);
  assert.equal(strict.seen.filter((r) => r.url === '/api/me').length, 2);
});

test('subscriptions.report posts what wx.requestSubscribeMessage resolved with', async () => {
  const recording = await stub((req, body, res) => {
    if (req.url === '/api/auth/login') {
      envelope(res, { data: { token: 'subscriber-token', expiresAt: '2030-01-01T00:00:00Z', user: { openid: 'o2', unionid: null, isNew: true } } });
    } else {
      envelope(res, { data: { accepted: ['TEMPLATE_A'] } });
    }
  });
  const wxb = createClient({ baseUrl: recording.url, wx: createWx({ emulator: server.emulator, user: 'subscriber' }) });
  const choice = { errMsg: 'requestSubscribeMessage:ok', TEMPLATE_A: 'accept', TEMPLATE_B: 'reject' };
  assert.deepEqual(await wxb.subscriptions.report(choice), { accepted: ['TEMPLATE_A'] });
  const report = recording.seen.find((r) => r.url === '/api/me/subscriptions');
  assert.equal(report.method, 'POST');
  assert.equal(report.headers.authorization, 'Bearer subscriber-token');
  assert.deepEqual(JSON.parse(report.body), choice);
});
