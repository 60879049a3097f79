// SPDX-License-Identifier: ISC
// bench/reference/server.js: the provider's documented Express receiver
// (humanos-webhooks.md), as a careful user would deploy it, for bench/run.
//
// Kept from the doc: express, crypto.pbkdf2Sync per request, AES-256-GCM
// with createDecipheriv, JSON.parse, 200 on success.  Fixed where the doc's
// example is wrong or lacks what we compare against:
//   - the signature is checked over the RAW body (express.raw), since the
//     provider signs the bytes it sends, not a re-serialisation, and is
//     compared in constant time;
//   - the event is stored as one durable row, the way humanos-webhook does:
//     write tmp/NAME, fsync, rename into new/, fsync new/ (SYNC=full);
//     SYNC=none skips the fsyncs (for a spool on tmpfs).
//
// Environment: PORT, SPOOL (a directory), SIGNATURE_SECRET,
// ENCRYPTION_SECRET (base64), ENCRYPTION_SALT, SYNC (full|none),
// KEY_CACHE (1: derive the key once at start, not per request).
"use strict";
const express = require("express");
const crypto = require("crypto");
const fs = require("fs");
const path = require("path");

const PORT = parseInt(process.env.PORT || "3000", 10);
const SPOOL = process.env.SPOOL;
const SIGNATURE_SECRET = process.env.SIGNATURE_SECRET;
const ENCRYPTION_SECRET = process.env.ENCRYPTION_SECRET;
const ENCRYPTION_SALT = process.env.ENCRYPTION_SALT;
const SYNC = (process.env.SYNC || "full") === "full";
const KEY_CACHE = process.env.KEY_CACHE === "1";

const TMP = path.join(SPOOL, "tmp");
const NEW = path.join(SPOOL, "new");
fs.mkdirSync(TMP, { recursive: true });
fs.mkdirSync(NEW, { recursive: true });
const newDirFd = fs.openSync(NEW, "r");

function deriveKey() {
	return crypto.pbkdf2Sync(Buffer.from(ENCRYPTION_SECRET, "base64"),
	    ENCRYPTION_SALT, 10000, 32, "sha256");
}
const cachedKey = KEY_CACHE ? deriveKey() : null;

function generateSignature(raw, secret, timestamp) {
	return crypto.createHmac("sha256", secret)
	    .update(`${timestamp}.`).update(raw).digest("hex");
}

let seq = 0;
function store(plain, webhook, timestamp) {
	const name = `${Date.now()}.${process.pid}.${seq++}.json`;
	const row = JSON.stringify({
		id: crypto.createHash("sha256").update(plain).digest("hex"),
		received_at: new Date().toISOString(),
		event: webhook.event || webhook.eventType || null,
		delivery_timestamp: timestamp,
		payload: webhook,
	}) + "\n";
	const tmp = path.join(TMP, name);
	const fd = fs.openSync(tmp, "wx", 0o640);
	try {
		fs.writeSync(fd, row);
		if (SYNC)
			fs.fsyncSync(fd);
	} finally {
		fs.closeSync(fd);
	}
	fs.renameSync(tmp, path.join(NEW, name));
	if (SYNC)
		fs.fsyncSync(newDirFd);
}

const app = express();
app.use(express.raw({ type: "application/json", limit: "1mb" }));

app.post("*", (req, res) => {
	try {
		const signature = req.headers["x-signature"];
		const timestamp = req.headers["x-timestamp"];
		if (typeof signature !== "string" || typeof timestamp !== "string" ||
		    !Buffer.isBuffer(req.body))
			return res.status(401).send("Invalid signature");
		// 1. Verify signature (over the raw body)
		const expected = Buffer.from(generateSignature(req.body,
		    SIGNATURE_SECRET, timestamp));
		const got = Buffer.from(signature.toLowerCase());
		if (got.length !== expected.length ||
		    !crypto.timingSafeEqual(got, expected))
			return res.status(401).send("Invalid signature");
		// 2. Decrypt payload
		const { iv, data, tag } = JSON.parse(req.body.toString("utf8"));
		const key = cachedKey || deriveKey();
		const decipher = crypto.createDecipheriv("aes-256-gcm", key,
		    Buffer.from(iv, "base64"));
		decipher.setAuthTag(Buffer.from(tag, "base64"));
		const plain = Buffer.concat([
			decipher.update(Buffer.from(data, "base64")),
			decipher.final(),
		]);
		const webhook = JSON.parse(plain.toString("utf8"));
		// 3. Process the event: store it durably, then answer.
		store(plain, webhook, timestamp);
		res.sendStatus(200);
	} catch (err) {
		res.status(500).send(err.message);
	}
});

app.listen(PORT, "127.0.0.1", () => console.log(`Listening on port ${PORT}`));
