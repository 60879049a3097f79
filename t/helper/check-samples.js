#!/usr/bin/env node
// SPDX-License-Identifier: ISC
// check-samples.js: check that a decrypted event has exactly the shape the
// provider publishes for its versioned webhooks (SPEC section 3), with field
// lists written here from the SPEC's table, independently of the C code.
//
//   node t/helper/check-samples.js NAME API_VERSION < event.json
//
// NAME is credential, identity or otp-failed; API_VERSION 2026-05-17 or
// 2026-04-14.  Every required field must be there with the right type, and no
// other field may be (an optional one may be absent).  Exits 1, listing every
// problem on stderr, when anything is off.
//
// Sources: SPEC section 3 (field table, per-event lines); where the SPEC
// names a field but leaves its inside open, the provider's API reference:
//   https://humanos.mintlify.app/api-reference/2026-04-14/webhooks/credential-event
//   (the 2026-04-14 credential object: id, resourceType, status, proofs, data,
//   name, internalId).
"use strict";
const fs = require("fs");

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,3})?Z$/;

// Field checkers: each returns null when v is right, else what is wrong.
const string = (v) => typeof v === "string" && v !== "" ? null :
  "not a non-empty string";
const bool = (v) => typeof v === "boolean" ? null : "not a boolean";
const number = (v) => typeof v === "number" && isFinite(v) ? null :
  "not a number";
const iso = (v) => typeof v === "string" && ISO.test(v) &&
  !isNaN(Date.parse(v)) ? null : "not an ISO 8601 date";
const oneOf = (...vals) => (v) => vals.includes(v) ? null :
  `not one of ${vals.join(", ")}`;
const match = (re) => (v) => typeof v === "string" && re.test(v) ? null :
  `does not match ${re}`;
const anyObject = (v) => v !== null && typeof v === "object" &&
  !Array.isArray(v) ? null : "not an object";
const arrayOf = (check) => (v, path, errs) => {
  if (!Array.isArray(v))
    return "not an array";
  v.forEach((el, i) => field(el, check, `${path}[${i}]`, errs));
  return null;
};
const nonEmpty = (check) => (v, path, errs) => Array.isArray(v) &&
  v.length === 0 ? "an empty array" : check(v, path, errs);

// An object with exactly these fields: { name: check } required, and
// { name: [check] } optional.
const object = (spec) => (v, path, errs) => {
  if (anyObject(v) !== null)
    return "not an object";
  for (const k of Object.keys(v))
    if (!(k in spec))
      errs.push(`${path}.${k}: not a field of the published shape`);
  for (const [k, s] of Object.entries(spec)) {
    const optional = Array.isArray(s);
    if (!(k in v)) {
      if (!optional)
        errs.push(`${path}.${k}: missing`);
      continue;
    }
    field(v[k], optional ? s[0] : s, `${path}.${k}`, errs);
  }
  return null;
};

function field(v, check, path, errs) {
  const e = check(v, path, errs);
  if (e !== null)
    errs.push(`${path}: ${e} (${JSON.stringify(v)})`);
}

// SPEC section 3, the table: what every versioned event carries.
function base(eventType, version) {
  const b = {
    eventType: oneOf(eventType),
    requestId: string,
    issuerDid: string,
    internalId: [string],
    api_version: oneOf(version),
  };
  if (version === "2026-05-17") {
    b.user = object({ contact: string, id: string, internalId: [string] });
  } else {
    // 2026-04-14: did in place of id, and decisionDate at the top level.
    b.user = object({ contact: string, did: string, internalId: [string] });
    b.decisionDate = iso;
  }
  return b;
}

// SPEC section 3, the lines below the table.
const SHAPES = {
  "identity": (v) => Object.assign(base("identity", v), {
    decision: object({ success: bool, isFraud: bool, date: iso,
      riskScore: number, message: string, outcome: string }),
    identity: [anyObject],
  }),
  "credential": (v) => v === "2026-05-17" ?
    Object.assign(base("credential", v), {
      credential: object({
        id: match(/^urn:via:credential:.+/),
        resourceType: string,
        status: string,
        w3cCredential: anyObject,
        name: string,
        description: string,
        internalId: string,
        tags: arrayOf(string),
        decisions: nonEmpty(arrayOf(object({ id: string, contact: string,
          accepted: bool, decidedAt: iso }))),
      }),
      decision: object({ action: oneOf("accept", "reject"), date: iso }),
    }) :
    Object.assign(base("credential", v), {
      action: oneOf("accept", "reject"),
      credential: object({ id: string, resourceType: string,
        status: string, proofs: nonEmpty(arrayOf(anyObject)),
        data: arrayOf(anyObject), name: [string], internalId: [string] }),
    }),
  "otp-failed": (v) => Object.assign(base("otp.failed", v), {
    otp: object({ resendEndpoint: string,
      error: object({ code: string, message: string }) }),
  }),
};
const VERSIONS = ["2026-05-17", "2026-04-14"];

function check(name, version, text) {
  const errs = [];
  let ev;
  try {
    ev = JSON.parse(text);
  } catch (e) {
    return [`not JSON: ${e.message}`];
  }
  if ("event" in Object(ev))
    errs.push("has \"event\": the versioned format names itself in " +
      "eventType only");
  if (!("eventType" in Object(ev)))
    errs.push("no eventType");
  field(ev, object(SHAPES[name](version)), "event", errs);
  return errs;
}

function main() {
  const [name, version] = process.argv.slice(2);
  if (!(name in SHAPES) || !VERSIONS.includes(version)) {
    process.stderr.write("usage: check-samples.js credential|identity|" +
      `otp-failed ${VERSIONS.join("|")} < event.json\n`);
    process.exit(2);
  }
  const errs = check(name, version, fs.readFileSync(0, "utf8"));
  for (const e of errs)
    process.stderr.write(`check-samples: ${name} ${version}: ${e}\n`);
  process.exit(errs.length ? 1 : 0);
}

if (require.main === module)
  main();
module.exports = { check, VERSIONS };
