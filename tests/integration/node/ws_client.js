// A real WebSocket client for rollcall's integration tests: Debian's `ws` library
// (node-ws, found through NODE_PATH=/usr/share/nodejs) driving the echo endpoint or
// a live attendance feed. Prints one JSON object with what it saw on stdout and
// exits 0; exits 1 with {"error": ...} on a failure or after 15 s.
//
//   node ws_client.js echo  URL SPEC_JSON   SPEC: [{"kind":"text"|"binary","size":N}, ...]
//   node ws_client.js live  URL
//   node ws_client.js toobig URL N          sends one N-byte binary message, reports the close
'use strict';
const crypto = require('crypto');
const WebSocket = require('ws');

const [mode, url, arg] = process.argv.slice(2);
const out = {};
const finish = (code) => { process.stdout.write(JSON.stringify(out) + '\n'); process.exit(code); };
const fail = (why) => { out.error = String(why); finish(1); };
setTimeout(() => fail('timed out'), 15000).unref();

// The same payloads as test_ws_protocol.py's utf8_text(n) and pattern(n, seed).
const UNIT = 'aé€𝄞κόσμε ';
function utf8Text(n) {
  const ub = Buffer.byteLength(UNIT, 'utf8');
  const k = Math.floor(n / ub);
  return UNIT.repeat(k) + 'z'.repeat(n - k * ub);
}
function pattern(n, seed) {
  const parts = [];
  let have = 0;
  for (let i = 0; have < n; i++) {
    const d = crypto.createHash('sha256').update(`${seed}:${i}`).digest();
    parts.push(d);
    have += d.length;
  }
  return Buffer.concat(parts).subarray(0, n);
}
const sha256 = (buf) => crypto.createHash('sha256').update(buf).digest('hex');

const ws = new WebSocket(url, { perMessageDeflate: true, handshakeTimeout: 10000 });
ws.on('error', (e) => fail(e.message));
ws.on('unexpected-response', (req, res) => fail(`HTTP ${res.statusCode}`));
ws.on('close', (code, reason) => {
  out.close = { code, reason: reason.toString() };
  finish(0);
});

ws.on('open', () => {
  out.extensions = ws.extensions;
  out.protocol = ws.protocol;
  if (mode === 'echo') {
    const spec = JSON.parse(arg);
    out.echoes = [];
    ws.on('message', (data, isBinary) => {
      out.echoes.push({ binary: isBinary, len: data.length, sha256: sha256(data) });
      if (out.echoes.length === spec.length) {
        ws.ping(Buffer.from('node-ping'));
      }
    });
    ws.on('pong', (data) => {
      out.pong = data.toString();
      ws.close(1000, 'done');
    });
    // All at once: the server must answer them in order.
    spec.forEach((m, i) => {
      if (m.kind === 'text') ws.send(utf8Text(m.size));
      else ws.send(pattern(m.size, m.size), { binary: true });
    });
  } else if (mode === 'live') {
    out.messages = [];
    ws.on('message', (data, isBinary) => {
      if (isBinary) return fail('binary frame on the feed');
      const ev = JSON.parse(data.toString());
      out.messages.push(ev);
      if (out.messages.length === 1) ws.send(JSON.stringify({ type: 'ping' }));
      else if (ev.type === 'pong') ws.close(1000);
    });
  } else if (mode === 'toobig') {
    ws.send(pattern(Number(arg), 1), { binary: true });
  } else {
    fail(`unknown mode ${mode}`);
  }
});
