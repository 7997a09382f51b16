// Starts a real `wxbase serve --dev` for the tests (the binary from $WXBASE_BIN, or
// $CARGO_TARGET_DIR/debug/wxbase), on free ports with a fresh data directory and a known admin
// token, and small stand-in servers for the answers wxbase never gives.
const { spawn } = require('child_process');
const crypto = require('crypto');
const fs = require('fs');
const http = require('http');
const os = require('os');
const path = require('path');
const readline = require('readline');

function binary() {
  if (process.env.WXBASE_BIN) return process.env.WXBASE_BIN;
  const target = process.env.CARGO_TARGET_DIR || path.join(__dirname, '../../../target');
  return path.join(target, 'debug', 'wxbase');
}

/** `serve --dev`; resolves once its banner names both URLs. */
async function startWxbase(env = {}) {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'wxbase-sdk-'));
  const admin = crypto.randomBytes(24).toString('hex');
  const child = spawn(
    binary(),
    ['serve', '--dev', '--listen', '127.0.0.1:0', '--emulator-listen', '127.0.0.1:0', '--data-dir', dataDir],
    {
      env: Object.assign({}, process.env, { WXBASE_ADMIN_TOKEN: admin, RUST_LOG: 'warn' }, env),
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const lines = readline.createInterface({ input: child.stdout });
  const urls = await new Promise((resolve, reject) => {
    const found = {};
    child.once('exit', (code) => reject(new Error(`wxbase exited with ${code} before serving`)));
    lines.on('line', (line) => {
      const api = /^wxbase listening on (\S+)/.exec(line);
      const emulator = /^WeChat emulator listening on (\S+)/.exec(line);
      if (api) found.api = api[1];
      if (emulator) found.emulator = emulator[1];
      if (found.api && found.emulator) resolve(found);
    });
  });
  lines.on('line', () => {});
  return {
    api: urls.api,
    emulator: urls.emulator,
    admin,
    /** An admin call; resolves with the envelope. */
    async adminCall(method, route, body) {
      const res = await fetch(`${urls.api}${route}`, {
        method,
        headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return res.json();
    },
    async stop() {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A stand-in server answering each request with `answer(req, body)`; records what it got. */
async function startStub(answer) {
  const seen = [];
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      seen.push({ method: req.method, url: req.url, headers: req.headers, body });
      answer(req, body, res);
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const sockets = new Set();
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    seen,
    stop() {
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => server.close(resolve));
    },
  };
}

/** Answers `res` with the envelope `{code: 1, data}` or `{code: 0, error}`. */
function envelope(res, answer) {
  const body = answer.error
    ? { code: 0, data: null, message: answer.message || answer.error, error: answer.error }
    : { code: 1, data: answer.data === undefined ? null : answer.data, message: 'ok' };
  res.writeHead(200, { 'content-type': 'application/json', 'x-request-id': answer.requestId || 'stub-request' });
  res.end(JSON.stringify(body));
}

module.exports = { startWxbase, startStub, envelope };
