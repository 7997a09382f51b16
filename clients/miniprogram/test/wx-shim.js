// A `wx` for tests, over Node's http: `request` and `uploadFile` as the mini-program runtime
// behaves (JSON parsed when it parses, `fail` with `errMsg` on errors and timeouts, upload
// progress events), `login` getting codes from the emulator's control API, storage in memory.
const fs = require('fs');
const http = require('http');
const path = require('path');

function send(url, { method, headers, body, timeout, onProgress }) {
  return new Promise((resolve, reject) => {
    const request = http.request(url, { method, headers, timeout }, (response) => {
      const chunks = [];
      response.on('data', (chunk) => chunks.push(chunk));
      response.on('end', () =>
        resolve({ statusCode: response.statusCode, header: response.headers, text: Buffer.concat(chunks).toString('utf8') }),
      );
      response.on('error', reject);
    });
    request.on('timeout', () => request.destroy(new Error('timeout')));
    request.on('error', reject);
    if (!body) return request.end();
    // Written in slices, so uploads report progress as the runtime does.
    const slice = 16 * 1024;
    let sent = 0;
    const next = () => {
      while (sent < body.length) {
        const part = body.subarray(sent, sent + slice);
        sent += part.length;
        if (onProgress) onProgress(sent, body.length);
        if (!request.write(part)) return request.once('drain', next);
      }
      request.end();
    };
    next();
  });
}

function failure(api, error) {
  return { errMsg: `${api}:fail ${error.message === 'timeout' ? 'timeout' : error.message}` };
}

/** A fresh `wx`; `emulator` is the emulator's URL, `user` the test person who logs in. */
function createWx({ emulator, user = 'alice' } = {}) {
  const storage = new Map();
  const wx = {
    user,
    loginCalls: 0,
    requests: [],
    loginFails: false,

    request({ url, method = 'GET', data, header = {}, timeout = 60000, success, fail }) {
      const headers = Object.assign({}, header);
      let body;
      if (data !== undefined && method !== 'GET') {
        body = Buffer.from(typeof data === 'string' ? data : JSON.stringify(data));
        headers['content-length'] = body.length;
      }
      wx.requests.push({ method, url });
      send(url, { method, headers, body, timeout }).then(
        (res) => {
          let parsed = res.text;
          try {
            parsed = JSON.parse(res.text);
          } catch (_) {
            // Not JSON: the runtime hands the text over as it came.
          }
          success && success({ data: parsed, statusCode: res.statusCode, header: res.header, errMsg: 'request:ok' });
        },
        (error) => fail && fail(failure('request', error)),
      );
      return { abort() {} };
    },

    uploadFile({ url, filePath, name, formData = {}, header = {}, timeout = 60000, success, fail }) {
      const listeners = [];
      const boundary = `----wxshim${Date.now()}`;
      const parts = [];
      for (const [key, value] of Object.entries(formData)) {
        parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${key}"\r\n\r\n${value}\r\n`));
      }
      let bytes;
      try {
        bytes = fs.readFileSync(filePath);
      } catch (error) {
        setImmediate(() => fail && fail(failure('uploadFile', error)));
        return { onProgressUpdate() {}, abort() {} };
      }
      parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"; filename="${path.basename(filePath)}"\r\nContent-Type: application/octet-stream\r\n\r\n`));
      parts.push(bytes, Buffer.from(`\r\n--${boundary}--\r\n`));
      const body = Buffer.concat(parts);
      const headers = Object.assign({}, header, {
        'content-type': `multipart/form-data; boundary=${boundary}`,
        'content-length': body.length,
      });
      wx.requests.push({ method: 'POST', url });
      const onProgress = (sent, total) => {
        for (const listener of listeners) {
          listener({ progress: Math.round((sent / total) * 100), totalBytesSent: sent, totalBytesExpectedToSend: total });
        }
      };
      // Started on the next turn, as the runtime does, so listeners added after the call count.
      setImmediate(() =>
        send(url, { method: 'POST', headers, body, timeout, onProgress }).then(
          (res) => success && success({ data: res.text, statusCode: res.statusCode, header: res.header, errMsg: 'uploadFile:ok' }),
          (error) => fail && fail(failure('uploadFile', error)),
        ),
      );
      return { onProgressUpdate: (listener) => listeners.push(listener), abort() {} };
    },

    login({ success, fail }) {
      wx.loginCalls += 1;
      if (wx.loginFails) {
        setImmediate(() => fail && fail({ errMsg: 'login:fail auth deny' }));
        return;
      }
      send(`${emulator}/__emulator/login-code`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: Buffer.from(JSON.stringify({ user: wx.user })),
        timeout: 10000,
      }).then(
        (res) => success && success({ code: JSON.parse(res.text).code, errMsg: 'login:ok' }),
        (error) => fail && fail(failure('login', error)),
      );
    },

    getStorageSync: (key) => (storage.has(key) ? storage.get(key) : ''),
    setStorageSync: (key, value) => storage.set(key, value),
    removeStorageSync: (key) => storage.delete(key),
  };
  return wx;
}

module.exports = { createWx };
