#!/usr/bin/env node
// SPDX-License-Identifier: ISC
// verify-delivery.js: check a `humanos-send --print` request the way the
// provider's reference receiver (humanos-webhooks.md) would, with nothing but
// Node's crypto, and print the decrypted event on stdout (exactly its bytes).
//
//   node t/helper/verify-delivery.js --signature-secret S \
//       --encryption-secret B64 \
//       --salt S [--iv-length N] [--timestamp TS] < request
//
// Checks: the request line and headers humanos-send writes, Content-Length,
// the body being exactly {"iv","data","tag"} of strict standard base64 with a
// 16-byte tag (and an N-byte IV), the x-signature (lower-case hex HMAC-SHA256
// over `${x-timestamp}.${body}`), the x-timestamp (TS if given), and the
// AES-256-GCM tag.  Exits 1, saying why on stderr, when anything is off.
"use strict";
const crypto = require("crypto");
const fs = require("fs");

function fail(msg) {
  process.stderr.write(`verify-delivery: ${msg}\n`);
  process.exit(1);
}

function args(argv) {
  const o = {};
  for (let i = 0; i < argv.length; i += 2) {
    const k = argv[i], v = argv[i + 1];
    if (!/^--(signature-secret|encryption-secret|salt|iv-length|timestamp)$/
        .test(k) || v === undefined)
      fail(`usage: verify-delivery.js --signature-secret S ` +
        `--encryption-secret B64 --salt S [--iv-length N] [--timestamp TS]`);
    o[k.slice(2)] = v;
  }
  for (const k of ["signature-secret", "encryption-secret", "salt"])
    if (o[k] === undefined)
      fail(`--${k} is required`);
  return o;
}

function strictB64(what, s) {
  if (typeof s !== "string" ||
      !/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/
        .test(s))
    fail(`${what} is not standard padded base64`);
  const b = Buffer.from(s, "base64");
  if (b.toString("base64") !== s)
    fail(`${what} is not canonical base64`);
  return b;
}

function main() {
  const o = args(process.argv.slice(2));
  const raw = fs.readFileSync(0);
  const sep = raw.indexOf("\r\n\r\n");
  if (sep < 0)
    fail("no blank line (CRLF CRLF) after the headers");
  const head = raw.subarray(0, sep).toString("utf8").split("\r\n");
  if (head[0] !== "POST /webhook HTTP/1.1")
    fail(`request line: ${JSON.stringify(head[0])}`);
  if (head.some((l) => l.includes("\n")))
    fail("a header line ends in a bare LF");
  const h = {};
  for (const line of head.slice(1)) {
    const m = /^([A-Za-z-]+): (.*)$/.exec(line);
    if (!m)
      fail(`header line: ${JSON.stringify(line)}`);
    h[m[1].toLowerCase()] = m[2];
  }
  if (h["content-type"] !== "application/json")
    fail(`content-type: ${h["content-type"]}`);
  if (!h["host"])
    fail("no Host header (HTTP/1.1 requires one)");
  const len = Number(h["content-length"]);
  const rest = raw.subarray(sep + 4);
  if (!Number.isInteger(len) || rest.length !== len)
    fail(`content-length ${h["content-length"]} but ${rest.length} ` +
      `bytes follow`);
  const body = rest.subarray(0, len).toString("utf8");
  const ts = h["x-timestamp"], sig = h["x-signature"];
  if (!/^[0-9]+$/.test(ts || ""))
    fail(`x-timestamp: ${ts}`);
  if (o.timestamp !== undefined && ts !== o.timestamp)
    fail(`x-timestamp is ${ts}, not ${o.timestamp}`);

  // The provider's generateSignature(), and a constant-time comparison.
  const want = crypto.createHmac("sha256", o["signature-secret"])
    .update(`${ts}.${body}`).digest("hex");
  if (!/^[0-9a-f]{64}$/.test(sig || "") ||
      !crypto.timingSafeEqual(Buffer.from(sig), Buffer.from(want)))
    fail("x-signature does not verify");

  let env;
  try {
    env = JSON.parse(body);
  } catch (e) {
    fail(`the body is not JSON: ${e.message}`);
  }
  const keys = Object.keys(env);
  if (keys.join(",") !== "iv,data,tag")
    fail(`the body has keys ${keys.join(",")}`);
  const iv = strictB64("iv", env.iv), data = strictB64("data", env.data),
    tag = strictB64("tag", env.tag);
  if (tag.length !== 16)
    fail(`the tag has ${tag.length} bytes`);
  if (iv.length === 0)
    fail("the IV is empty");
  if (o["iv-length"] !== undefined && iv.length !== Number(o["iv-length"]))
    fail(`the IV has ${iv.length} bytes, not ${o["iv-length"]}`);

  const key = crypto.pbkdf2Sync(Buffer.from(o["encryption-secret"], "base64"),
    o.salt, 10000, 32, "sha256");
  let plain;
  try {
    const d = crypto.createDecipheriv("aes-256-gcm", key, iv);
    d.setAuthTag(tag);
    plain = Buffer.concat([d.update(data), d.final()]);
  } catch (e) {
    fail(`decryption failed: ${e.message}`);
  }
  process.stdout.write(plain);
}

main();
