"""An HTTP/2-only push service over TLS for the sender's tests (python3-h2).

Usage: h2_push_service.py CERT KEY BATCH

Offers only `h2` in ALPN. It holds each request's answer until BATCH requests are
waiting on the same connection (or HOLD_S seconds passed), then answers them all at
once, so the count it reports shows how many requests one connection carried at
the same time. A path under /gone/ answers 410, any other 201.

It prints the port once it listens, then one line per request and per batch:
  request conn=1 path=/push/1 ttl=60 urgency=high topic=t encoding=aes128gcm auth=vapid... bytes=10
  batch conn=1 alpn=h2 streams=8
"""

import asyncio
import ssl
import sys

import h2.config
import h2.connection
import h2.events
import h2.exceptions

HOLD_S = 3.0


class Connection(asyncio.Protocol):
    made = 0

    def __init__(self, batch):
        Connection.made += 1
        self.id = Connection.made
        self.batch = batch
        self.h2 = h2.connection.H2Connection(h2.config.H2Configuration(client_side=False))
        self.streams = {}  # stream id -> [headers, body bytes]
        self.held = []
        self.timer = None
        self.transport = None
        self.alpn = None

    def connection_made(self, transport):
        self.transport = transport
        self.alpn = transport.get_extra_info("ssl_object").selected_alpn_protocol()
        self.h2.initiate_connection()
        self.transport.write(self.h2.data_to_send())

    def data_received(self, data):
        try:
            events = self.h2.receive_data(data)
        except h2.exceptions.ProtocolError as e:
            print(f"error conn={self.id} alpn={self.alpn} {e}", flush=True)
            self.transport.close()
            return
        for event in events:
            self.on_event(event)
        self.transport.write(self.h2.data_to_send())

    def on_event(self, event):
        if isinstance(event, h2.events.RequestReceived):
            headers = {k.decode(): v.decode() for k, v in event.headers}
            self.streams[event.stream_id] = [headers, 0]
        elif isinstance(event, h2.events.DataReceived):
            self.streams[event.stream_id][1] += len(event.data)
            self.h2.acknowledge_received_data(event.flow_controlled_length, event.stream_id)
        elif isinstance(event, h2.events.StreamEnded):
            self.hold(event.stream_id)

    def hold(self, stream_id):
        headers, size = self.streams.pop(stream_id)
        fields = " ".join(
            f"{name}={headers.get(key, '-')}"
            for name, key in (
                ("path", ":path"),
                ("method", ":method"),
                ("ttl", "ttl"),
                ("urgency", "urgency"),
                ("topic", "topic"),
                ("encoding", "content-encoding"),
                ("auth", "authorization"),
            )
        )
        print(f"request conn={self.id} {fields} bytes={size}", flush=True)
        status = "410" if headers.get(":path", "").startswith("/gone/") else "201"
        self.held.append((stream_id, status))
        if len(self.held) >= self.batch:
            self.answer()
        elif self.timer is None:
            self.timer = asyncio.get_running_loop().call_later(HOLD_S, self.answer)

    def answer(self):
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None
        print(f"batch conn={self.id} alpn={self.alpn} streams={len(self.held)}", flush=True)
        for stream_id, status in self.held:
            self.h2.send_headers(stream_id, [(":status", status), ("content-length", "0")], end_stream=True)
        self.held = []
        self.transport.write(self.h2.data_to_send())


async def main(cert, key, batch):
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    context.set_alpn_protocols(["h2"])
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: Connection(batch), "127.0.0.1", 0, ssl=context)
    print(server.sockets[0].getsockname()[1], flush=True)
    await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], int(sys.argv[3])))
