// The end-to-end tests' webhook receiver. Every delivery is checked with the standardwebhooks
// library (not wxbase's code) against each secret the test configured for its path, and
// recorded. Prints its port on the first line of stdout; runs until stdin closes.
//
//   PUT  /config/<name>   {"secrets": ["whsec_..."], "failFirst": 0, "status": 200}
//   POST /hooks/<name>    a delivery: answers 500 for the first failFirst, then status
//   GET  /received/<name> [{id, type, payload, verifiedWith: [secret index, ...], answered}]
"use strict";

const http = require("http");
const { Webhook } = require("standardwebhooks");

const configs = new Map();
const received = new Map();

function configOf(name) {
  if (!configs.has(name)) configs.set(name, { secrets: [], failFirst: 0, status: 200, seen: 0 });
  return configs.get(name);
}

function reply(res, status, body) {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on("data", (c) => chunks.push(c));
  req.on("end", () => {
    const body = Buffer.concat(chunks).toString("utf8");
    const [, kind, name] = req.url.split("/");
    if (req.method === "PUT" && kind === "config") {
      const config = configOf(name);
      Object.assign(config, JSON.parse(body));
      return reply(res, 200, { ok: true });
    }
    if (req.method === "GET" && kind === "received") {
      return reply(res, 200, received.get(name) || []);
    }
    if (req.method === "POST" && kind === "hooks") {
      const config = configOf(name);
      const verifiedWith = [];
      config.secrets.forEach((secret, index) => {
        try {
          new Webhook(secret).verify(body, req.headers);
          verifiedWith.push(index);
        } catch (_) {
          // Not signed with this secret.
        }
      });
      config.seen += 1;
      const answered = config.seen <= config.failFirst ? 500 : config.status;
      let payload = null;
      try {
        payload = JSON.parse(body);
      } catch (_) {
        // Recorded as null: the test sees it.
      }
      if (!received.has(name)) received.set(name, []);
      received.get(name).push({
        id: req.headers["webhook-id"],
        type: payload && payload.type,
        payload,
        verifiedWith,
        answered,
      });
      return reply(res, answered, { received: true });
    }
    reply(res, 404, { error: "unknown route" });
  });
});

server.listen(0, "127.0.0.1", () => {
  process.stdout.write(`${server.address().port}\n`);
});
process.stdin.on("end", () => process.exit(0));
process.stdin.resume();
