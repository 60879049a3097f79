#!/usr/bin/env node
// SPDX-License-Identifier: ISC
// bench/mkdeliveries.js: N distinct Humanos deliveries for the benchmark,
// made the way the provider's sender does (humanos-webhooks.md), with
// nothing but Node's built-in crypto:
//
//   key         = PBKDF2(Buffer.from(encryption secret, "base64"), salt,
//                        10000, 32, "sha256")          (once)
//   body        = {"iv": B64, "data": B64, "tag": B64}, AES-256-GCM, no AAD
//   x-signature = hex HMAC-SHA256(signature secret, `${timestamp}.${body}`)
//
// Each event is the provider's process.kyc.completed sample with its ids
// made unique (so each delivery's plaintext, hence its row id, differs).
//
// usage: node bench/mkdeliveries.js --count N --out FILE
//            --signature-secret S --encryption-secret B64 --salt S
//
// FILE gets one delivery per line: "<x-timestamp>\t<x-signature>\t<body>".
"use strict";
const crypto = require("crypto");
const fs = require("fs");

function arg(name, def) {
	const i = process.argv.indexOf("--" + name);
	if (i === -1) {
		if (def === undefined) {
			console.error(`mkdeliveries: --${name} is required`);
			process.exit(64);
		}
		return def;
	}
	return process.argv[i + 1];
}

const count = parseInt(arg("count"), 10);
const out = arg("out");
const sigSecret = arg("signature-secret");
const key = crypto.pbkdf2Sync(Buffer.from(arg("encryption-secret"), "base64"),
    arg("salt"), 10000, 32, "sha256");

// The provider's sample (humanos-webhooks.md, less its trailing comma).
const sample = {"event":"process.kyc.completed","organizationId":"680a65a4da4a16c0ea64face","processId":"689a037727b93cfe15f82230","userId":"684ade7148a18e172af7cab1","completedAt":"2025-08-11T14:52:43.613Z","metadata":{"kycId":"689a028f8bec20beaa53f23e","kycType":"PROFESSIONAL","verificationStatus":"COMPLETED","documentsVerified":["IDENTITY_DOCUMENT","LIVENESS_CHECK","FACE_MATCH"],"verificationDate":"2025-08-11T14:52:43.613Z","identityData":{"fullName":"Rodrigo Carvalheda Duarte da Fonseca Sarroeira","gender":"M","birth":"21-12-2001","docId":"14499760","countryAlpha3":"PRT","expiresAt":"2026-12-23T00:00:00.000Z","issueDate":null,"taxNumber":null,"healthNumber":null,"socialSecurityNumber":null,"photo":null,"height":"1,79","documentDiscriminator":"6ZWS","placeOfBirth":null,"mrzText":null}},"timestamp":1754923963854};

// A run nonce, so that two runs never make the same event either.
const run = crypto.randomBytes(6).toString("hex");
const fd = fs.openSync(out, "w");
let buf = [];
let size = 0;

for (let i = 0; i < count; i++) {
	const id = run + i.toString(16).padStart(12, "0");	/* 24 hex */
	const now = Date.now();
	sample.processId = id;
	sample.metadata.kycId = id;
	sample.completedAt = new Date(now).toISOString();
	sample.timestamp = now;
	const iv = crypto.randomBytes(12);
	const c = crypto.createCipheriv("aes-256-gcm", key, iv);
	const data = Buffer.concat([c.update(JSON.stringify(sample), "utf8"),
	    c.final()]);
	const body = JSON.stringify({ iv: iv.toString("base64"),
	    data: data.toString("base64"),
	    tag: c.getAuthTag().toString("base64") });
	const ts = String(now);
	const sig = crypto.createHmac("sha256", sigSecret)
	    .update(ts + "." + body).digest("hex");
	const line = ts + "\t" + sig + "\t" + body + "\n";
	buf.push(line);
	size += line.length;
	if (size > (1 << 20)) {
		fs.writeSync(fd, buf.join(""));
		buf = [];
		size = 0;
	}
}
fs.writeSync(fd, buf.join(""));
fs.closeSync(fd);
