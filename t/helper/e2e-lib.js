// SPDX-License-Identifier: ISC
// e2e-lib.js: what the end-to-end tests check independently of the C
// code, with node's own crypto and JSON (see t/e2e-lib.sh).
//
//   node e2e-lib.js split REQ                  REQ.body, REQ.ts, REQ.sig from
//                                             a `humanos-send --print` request
//   node e2e-lib.js decrypt REQ ENC SALT       the plaintext of REQ, on stdout
//   node e2e-lib.js sign SECRET TS BODYFILE    the x-signature of BODYFILE
//   node e2e-lib.js row SPOOL ID EVENTFILE RESOURCE EVENT LOCATION PROFILE TS
//                                             the row of ID is there, once,
//                                             complete, and says all that
//   node e2e-lib.js rows SPOOL                 every row of SPOOL is one line of
//                                             JSON in a *.json file, no tmp/
//                                             file is left; prints the ids
//   node e2e-lib.js events DIR N               N distinct kyc events DIR/N.json
//   node e2e-lib.js prepare DIR N              DIR/N.req (humanos-send --print)
//                                             into DIR/N.body, DIR/N.hdr (curl
//                                             -H @file) and DIR/N.id (the id
//                                             of DIR/N.json)
//   node e2e-lib.js field FILE KEY             a top-level string or boolean
//                                             of the JSON in FILE
'use strict';
const fs = require('fs');
const path = require('path');
const crypto = require('crypto');
const util = require('util');

function die(msg) {
	process.stderr.write(msg + '\n');
	process.exit(1);
}

// A request as `humanos-send --print` writes it: headers, blank line, body.
function parseRequest(file) {
	const raw = fs.readFileSync(file);
	let sep = raw.indexOf('\r\n\r\n'), skip = 4;
	const lf = raw.indexOf('\n\n');
	if (sep < 0 || (lf >= 0 && lf < sep)) {
		sep = lf;
		skip = 2;
	}
	if (sep < 0)
		die(file + ': no blank line after the headers');
	const headers = {};
	for (const line of raw.slice(0, sep).toString('latin1').split(/\r?\n/).slice(1)) {
		const i = line.indexOf(':');
		if (i > 0)
			headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
	}
	let body = raw.slice(sep + skip);
	if (headers['content-length'] !== undefined)
		body = body.slice(0, Number(headers['content-length']));
	return { headers, body };
}

function decrypt(req, enc, salt) {
	const env = JSON.parse(req.body.toString('utf8'));
	const key = crypto.pbkdf2Sync(Buffer.from(enc, 'base64'), salt, 10000, 32, 'sha256');
	const d = crypto.createDecipheriv('aes-256-gcm', key, Buffer.from(env.iv, 'base64'));
	d.setAuthTag(Buffer.from(env.tag, 'base64'));
	return Buffer.concat([d.update(Buffer.from(env.data, 'base64')), d.final()]);
}

// One row file: exactly one line of JSON and its newline.
function readRow(file) {
	const raw = fs.readFileSync(file, 'utf8');
	if (!raw.endsWith('\n'))
		die(file + ': does not end in a newline');
	if (raw.indexOf('\n') !== raw.length - 1)
		die(file + ': more than one line');
	try {
		return JSON.parse(raw);
	} catch (e) {
		die(file + ': not JSON: ' + e.message);
	}
}

function resources(spool) {
	return fs.readdirSync(spool).filter((r) => !r.startsWith('.') &&
	    fs.statSync(path.join(spool, r)).isDirectory());
}

function checkRow(a) {
	const [spool, id, eventFile, resource, event, location, profile, ts] = a;
	const plain = fs.readFileSync(eventFile);
	const want = crypto.createHash('sha256').update(plain).digest('hex');
	if (id !== want)
		die('response id ' + id + ' is not the SHA-256 of the event ' + want);
	const found = [];
	for (const r of resources(spool)) {
		const dir = path.join(spool, r, 'new');
		if (!fs.existsSync(dir))
			continue;
		for (const f of fs.readdirSync(dir)) {
			const row = readRow(path.join(dir, f));
			if (row.id === id)
				found.push({ r, f, row });
		}
	}
	if (found.length !== 1)
		die('row ' + id + ' found ' + found.length + ' times: ' +
		    JSON.stringify(found.map((x) => x.r + '/new/' + x.f)));
	const { r, f, row } = found[0];
	const fails = [];
	const expect = (what, got, exp) => {
		if (!util.isDeepStrictEqual(got, exp))
			fails.push(what + ': ' + JSON.stringify(got) + ' != ' + JSON.stringify(exp));
	};
	expect('folder', r, resource);
	expect('resource', row.resource, resource);
	expect('event', row.event, event);
	expect('location', row.location, location);
	expect('profile', row.profile, profile);
	expect('delivery_timestamp', String(row.delivery_timestamp), ts);
	expect('payload', row.payload, JSON.parse(plain.toString('utf8')));
	if (!/^[^.].*\.json$/.test(f))
		fails.push('file name ' + f);
	if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/.test(row.received_at))
		fails.push('received_at ' + row.received_at);
	if (fails.length)
		die(r + '/new/' + f + ':\n  ' + fails.join('\n  '));
}

/* The files below a tmp/ directory: in it, and in its writers' <xx>/. */
function writing(tmp) {
	if (!fs.existsSync(tmp))
		return [];
	const left = [];
	for (const f of fs.readdirSync(tmp)) {
		const p = path.join(tmp, f);
		if (fs.lstatSync(p).isDirectory())
			left.push(...fs.readdirSync(p).map((g) => f + '/' + g));
		else
			left.push(f);
	}
	return left;
}

function checkRows(spool) {
	const ids = [];
	for (const r of resources(spool)) {
		const tmp = path.join(spool, r, 'tmp');
		const left = writing(tmp);
		if (left.length)
			die(tmp + ': left behind: ' + left.join(' '));
		const dir = path.join(spool, r, 'new');
		if (!fs.existsSync(dir))
			continue;
		for (const f of fs.readdirSync(dir)) {
			if (!/^[^.].*\.json$/.test(f))
				die(r + '/new/' + f + ': not a row name');
			const row = readRow(path.join(dir, f));
			if (typeof row.id !== 'string' || typeof row.payload !== 'object')
				die(r + '/new/' + f + ': no id or payload');
			ids.push(row.id);
		}
	}
	process.stdout.write(ids.map((i) => i + '\n').join(''));
}

const [cmd, ...a] = process.argv.slice(2);
switch (cmd) {
case 'split': {
	const req = parseRequest(a[0]);
	fs.writeFileSync(a[0] + '.body', req.body);
	fs.writeFileSync(a[0] + '.ts', req.headers['x-timestamp'] || '');
	fs.writeFileSync(a[0] + '.sig', req.headers['x-signature'] || '');
	break;
}
case 'decrypt':
	process.stdout.write(decrypt(parseRequest(a[0]), a[1], a[2]));
	break;
case 'sign':
	process.stdout.write(crypto.createHmac('sha256', Buffer.from(a[0], 'utf8'))
	    .update(a[1] + '.').update(fs.readFileSync(a[2])).digest('hex'));
	break;
case 'row':
	checkRow(a);
	break;
case 'rows':
	checkRows(a[0]);
	break;
case 'events':
	for (let i = 0; i < Number(a[1]); i++)
		fs.writeFileSync(path.join(a[0], i + '.json'), JSON.stringify({
			event: 'process.kyc.completed',
			organizationId: '680a65a4da4a16c0ea64face',
			processId: crypto.randomBytes(12).toString('hex'),
			userId: '684ade7148a18e172af7cab1',
			completedAt: new Date().toISOString(),
			metadata: { kycType: 'PERSONAL', n: i },
		}));
	break;
case 'prepare':
	for (let i = 0; i < Number(a[1]); i++) {
		const base = path.join(a[0], String(i));
		const req = parseRequest(base + '.req');
		fs.writeFileSync(base + '.body', req.body);
		fs.writeFileSync(base + '.hdr', 'Content-Type: application/json\n' +
		    'x-timestamp: ' + req.headers['x-timestamp'] + '\n' +
		    'x-signature: ' + req.headers['x-signature'] + '\n');
		fs.writeFileSync(base + '.id', crypto.createHash('sha256')
		    .update(fs.readFileSync(base + '.json')).digest('hex') + '\n');
	}
	break;
case 'field': {
	let v;
	try {
		v = JSON.parse(fs.readFileSync(a[0], 'utf8'))[a[1]];
	} catch (e) {
		die(a[0] + ': not JSON');
	}
	process.stdout.write(v === undefined ? '' : String(v));
	break;
}
default:
	die('usage: e2e-lib.js split|decrypt|sign|row|rows|events|prepare|field ...');
}
