#!/usr/bin/env python3
"""The webhook workload's receiver: a minimal HTTP/1.1 server on 127.0.0.1 (asyncio, keep-alive)
that answers every POST with 204 and counts the requests and their distinct `webhook-id`s.

    bench/webhook_receiver.py PORT

`GET /__stats` answers `{"posts": N, "distinct": N}`; `POST /__reset` clears them (and answers them).
Bodies must carry a Content-Length (wxbase's deliveries do).
"""

import asyncio
import json
import sys


class Counts:
    def __init__(self):
        self.posts = 0
        self.ids = set()


COUNTS = Counts()
NO_CONTENT = b"HTTP/1.1 204 No Content\r\n\r\n"


class Connection(asyncio.Protocol):
    def connection_made(self, transport):
        self.transport = transport
        self.buffer = b""

    def data_received(self, data):
        self.buffer += data
        while True:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            lines = self.buffer[:end].decode("latin-1").split("\r\n")
            headers = {}
            for line in lines[1:]:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
            length = int(headers.get("content-length", "0"))
            if len(self.buffer) < end + 4 + length:
                return
            self.buffer = self.buffer[end + 4 + length:]
            method, path = lines[0].split(" ")[:2]
            self.transport.write(answer(method, path, headers))

    def connection_lost(self, exc):
        self.transport = None


def answer(method, path, headers):
    global COUNTS
    if path == "/__reset":
        COUNTS = Counts()
    if path in ("/__stats", "/__reset"):
        body = json.dumps({"posts": COUNTS.posts, "distinct": len(COUNTS.ids)}).encode()
        return b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: %d\r\n\r\n%s" % (
            len(body), body)
    if method == "POST":
        COUNTS.posts += 1
        COUNTS.ids.add(headers.get("webhook-id"))
    return NO_CONTENT


async def serve(port):
    server = await asyncio.get_running_loop().create_server(Connection, "127.0.0.1", port, backlog=1024)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(serve(int(sys.argv[1])))
