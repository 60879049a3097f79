#!/usr/bin/env node
// SPDX-License-Identifier: ISC
// mkfixtures.js: crypto fixtures for the receiver, made independently of
// the C code with nothing but Node's built-in crypto, the way the provider's
// reference receiver (humanos-webhooks.md) and sender work:
//
//   x-signature = hex HMAC-SHA256(signature secret, `${timestamp}.${rawBody}`)
//   key         = PBKDF2(Buffer.from(encryption secret, "base64"), salt,
//                        10000, 32, "sha256")
//   body        = {"iv": B64, "data": B64, "tag": B64}, AES-256-GCM, no AAD
//
// Every case is one file t/fixtures/NAME.json holding one line of JSON:
//
//   name, note        what the case is
//   signature_secret, encryption_secret, salt
//                     the RECEIVER's configuration (for the wrong_* cases
//                     the delivery was made with other secrets)
//   key               hex of the key the receiver derives from them
//   timestamp         the x-timestamp header, as sent
//   signature         the x-signature header, as sent
//   body              the raw request body, as sent
//   plaintext         the event the provider encrypted (UTF-8)
//   iv_length         bytes of IV in the body
//   expect            "ok", or the SPEC error code the receiver must answer:
//                     invalid_signature, decrypt_failed, malformed_body or
//                     invalid_event (decrypts, but is not a JSON object)
//
// t/fixtures/MANIFEST names the cases in order.  The output is deterministic
// (fixed IVs and timestamps): `node t/helper/mkfixtures.js` rewrites
// t/fixtures/, `--out DIR` writes elsewhere, `--check` exits 1 unless the
// committed files are exactly what this script makes.
"use strict";
const crypto = require("crypto");
const fs = require("fs");
const path = require("path");

// The provider's sample events (humanos-webhooks.md; kyc less its trailing
// comma), and the versioned format's credential, identity and otp.failed
// (below, in both webhook versions).
const T = {};
T["kyc"] = {"event":"process.kyc.completed","organizationId":"680a65a4da4a16c0ea64face","processId":"689a037727b93cfe15f82230","userId":"684ade7148a18e172af7cab1","completedAt":"2025-08-11T14:52:43.613Z","metadata":{"kycId":"689a028f8bec20beaa53f23e","kycType":"PROFESSIONAL","verificationStatus":"COMPLETED","documentsVerified":["IDENTITY_DOCUMENT","LIVENESS_CHECK","FACE_MATCH"],"verificationDate":"2025-08-11T14:52:43.613Z","identityData":{"fullName":"Rodrigo Carvalheda Duarte da Fonseca Sarroeira","gender":"M","birth":"21-12-2001","docId":"14499760","countryAlpha3":"PRT","expiresAt":"2026-12-23T00:00:00.000Z","issueDate":null,"taxNumber":null,"healthNumber":null,"socialSecurityNumber":null,"photo":null,"height":"1,79","documentDiscriminator":"6ZWS","placeOfBirth":null,"mrzText":null}},"timestamp":1754923963854};
T["signature-user"] = {
  "eventType": "process.signature.completed",
  "organizationId": "680a65a4da4a16c0ea64face",
  "processId": "68c4292cfcf19b66d3d200b3",
  "userId": "684ade7148a18e172af7cab1",
  "completedAt": "2025-09-12T14:27:51.571Z",
  "metadata": {
    "items": [
      {
        "itemId": "68c4292cfcf19b66d3d200b5",
        "internalId": "3nvf9fdnb3fk",
        "documentId": "683de6b22d2267803376acb1",
        "documentName": "Service Agreement",
        "hash": "0x47f18c9c0c8119fb96582105c9e06a973bc384f0bc842290cbe38cdba2ec669d",
        "signature": "0x6cf9d8dbe1ed9c2eabe373b66c83495a684263065d2ad88acfe7b5ad95a4ec8f174a471e81f76e9c917d3e1f300f7d142f58a20bf91dddc42bc9276c6bde1c371b",
        "decisionDate": "2025-09-12T14:27:51.571Z",
        "rejected": false
      },
      {
        "itemId": "68c4292cfcf19b66d3d200b6",
        "internalId": "7hd83ksla92p",
        "documentId": "683de6b22d2267803376acb2",
        "documentName": "Contract Amendment",
        "hash": "0xa21f3e5c7b62f90e6c8e1e5d74d13a8f47f45bbf332e14db4b39a7a1c5e63f9a",
        "signature": "0xd9f8c8f0b0a6c1e5e94e7b42f9c50d1c43db7a441c5b0de8b3eaa4b8d6dbb7eecdf41d12a3b5c7d6f9a842e16a6f4c5bc64a890cd56b50d4c43c61e94d2b3f1c2",
        "decisionDate": "2025-09-12T14:32:10.842Z",
        "rejected": true
      },
      {
        "itemId": "68c4292cfcf19b66d3d200b7",
        "internalId": "9plm4sdqk71r",
        "documentId": "683de6b22d2267803376acb3",
        "documentName": "Non-Disclosure Agreement",
        "hash": "0xc9f71a3e6b94e0a4f6ad982c1d9e3721d8472e67af5d456e91bda63ac5d3cf17",
        "signature": "0xa8bfa7c3c2e5f6b471d01b0dbf73d6c9e0b5d1f8a6c84e3a7f1e6c9b52b7c8d1a92e03db0e9c5f3b0a72d3a1c6e7f814c82b3d9f27b8e5a0f3b4c5e6a7d8f9b2c",
        "decisionDate": "2025-09-12T14:35:22.197Z",
        "rejected": false
      }
    ]
  }
};
T["signature-professional"] = {
  "eventType": "process.signature.completed",
  "organizationId": "680a65a4da4a16c0ea64face",
  "processId": "68c3f4a9275a5464513815e5",
  "professionalId": "680a6d31a601995047471150",
  "professionalName": "Rodrigo Sarroeira",
  "professionalInternalId": "CA435",
  "completedAt": "2025-09-12T14:46:43.320Z",
  "metadata": {
    "items": [
      {
        "itemId": "68c3f4a9275a5464513815e7",
        "documentId": "683de6b22d2267803376acb1",
        "documentName": "Service Agreement",
        "hash": "0x47f18c9c0c8119fb96582105c9e06a973bc384f0bc842290cbe38cdba2ec669d",
        "signature": "0x3147a17ccd944eef40dc3ebe36bbff08e42d80b5cd97972f8e821deaa1cb12933053bd31399470846a86aa5b9f2c72b5109084fae2e8a57a93fb1687d84918bf1c",
        "decisionDate": "2025-09-12T14:46:43.320Z",
        "rejected": false
      },
      {
        "itemId": "68c3f4a9275a5464513815e8",
        "documentId": "683de6b22d2267803376acb2",
        "documentName": "Non-Disclosure Agreement",
        "hash": "0xb8d71e4a6f9b2c83e40f9d81d7d4e6a1c2f9b37a6d28e47e12c4b5c3e7f0d918",
        "signature": "0xa17d6c9f1e3f92a5c8b7d41a2e9f04c5b6c1d8f3a2b7e4f8c9a5d3e2b1f6a47c90e1f3a5d7c2b8e4f1a9d3e7f0c5b2a9d",
        "decisionDate": "2025-09-12T14:49:15.500Z",
        "rejected": true
      }
    ]
  }
};
T["consent"] = {
  "eventType": "process.consent.completed",
  "organizationId": "680a65a4da4a16c0ea64face",
  "processId": "68c42ec3e47c9a7f9241e0ba",
  "userId": "684ade7148a18e172af7cab1",
  "completedAt": "2025-09-12T14:37:31.236Z",
  "metadata": {
    "items": [
      {
        "itemId": "68c42ec4e47c9a7f9241e0bc",
        "consentId": "68c2d5b3ad6376134938a601",
        "internalId": "7hd83ksla92p",
        "consentName": "Data Privacy Policy",
        "text": "By agreeing, you confirm that you have read and understood our Data Privacy Policy, which explains how your personal data will be collected, stored, and used.",
        "link": "https://example.com/privacy-policy",
        "required": true,
        "decisionDate": "2025-09-12T14:37:31.236Z",
        "rejected": false
      },
      {
        "itemId": "68c42ec4e47c9a7f9241e0bd",
        "consentId": "6894b96e8aecc042e54184cc",
        "internalId": null,
        "consentName": "Marketing Communications",
        "text": "I agree to receive promotional emails, newsletters, and updates about new products and services. You can unsubscribe at any time.",
        "link": "https://example.com/marketing-consent",
        "required": false,
        "decisionDate": "2025-09-12T14:37:31.236Z",
        "rejected": true
      },
      {
        "itemId": "68c42ec4e47c9a7f9241e0be",
        "consentId": "68812c92f69fa320d3b3fd7c",
        "internalId": null,
        "consentName": "Terms and Conditions",
        "text": "By continuing, you confirm that you have read, understood, and agree to the Terms and Conditions. Please review them carefully as they outline your rights and obligations when using our services.",
        "link": "https://example.com/terms-and-conditions",
        "required": true,
        "decisionDate": "2025-09-12T14:37:31.236Z",
        "rejected": false
      }
    ]
  }
};
T["form-filled"] = {
  "event": "process.form.filled",
  "processId": "68c88aaa6002536da855c049",
  "organizationId": "680a65a4da4a16c0ea64face",
  "userId": "684ade7148a18e172af7cab1",
  "completedAt": "2025-09-15T21:54:36.637Z",
  "metadata": {
    "items": [
      {
        "itemId": "68c88aaa6002536da855c04b",
        "formId": "fo67jWVc",
        "submittedFields": [
          { "question": "What is your full name?", "answer": { "type": "text", "text": "John Doe" } },
          { "question": "Select your gender", "answer": { "type": "choice", "text": "Male" } },
          { "question": "Do you currently study?", "answer": { "type": "boolean", "text": "true" } },
          { "question": "Which fruits do you like?", "answer": { "type": "choices", "text": "Apple, Banana, Orange" } },
          { "question": "How old are you?", "answer": { "type": "number", "text": "29" } },
          { "question": "What is your email?", "answer": { "type": "email", "text": "john.doe@example.com" } },
          { "question": "What is your phone number?", "answer": { "type": "phone_number", "text": "+351912345678" } }
        ]
      }
    ]
  }
};
T["form-rejected"] = {
  "event": "process.form.rejected",
  "processId": "68c88aaa6002536da855c049",
  "organizationId": "680a65a4da4a16c0ea64face",
  "userId": "684ade7148a18e172af7cab1",
  "rejectedAt": "2025-09-15T22:10:12.421Z",
  "metadata": {
    "items": [
      { "itemId": "68c88aaa6002536da855c04b", "formId": "fo67jWVc", "reason": "User opted out of completing this form." }
    ]
  }
};
// The versioned format (SPEC section 3; the provider's API reference at
// https://docs.humanos.id/api-reference/2026-05-17/webhooks/ and
// https://humanos.mintlify.app/api-reference/2026-04-14/webhooks/): eventType,
// never event.  Webhook version 2026-05-17 first, then the older 2026-04-14
// (user.did, decisionDate at the top level; credential: top-level action,
// credential.proofs[] and data[]).  Ids, DIDs and texts are placeholders.
const ISSUER = "did:web:humanos.tech:issuer:680a65a4da4a16c0ea64face";
const ISSUER_OLD = "did:via:humanos:680a65a4da4a16c0ea64face";
const USER = { "contact": "+351912345678", "id": "did:web:humanos.tech:user:013a0628-fd20-4f73-a7d0-785e9f6e79c1", "internalId": "user_98765" };
const USER_OLD = { "contact": "+351912345678", "did": "did:via:humanos:user-013a0628-fd20-4f73-a7d0-785e9f6e79c1", "internalId": "user_98765" };
const WHEN = "2025-11-26T05:02:56.123Z";
const CRED = "urn:via:credential:5f0c6e1e-6f3b-4a4e-9a55-3c1b2f7d9e10";
const IDENTITY = { "fullName": "Rodrigo Carvalheda Duarte da Fonseca Sarroeira", "gender": "M", "birth": "2001-12-21T00:00:00.000Z", "docId": "14499760", "fullDocId": "14499760 6ZWS", "expiresAt": "2026-12-23T00:00:00.000Z", "issueDate": null, "placeOfBirth": null, "documentType": "ID_CARD", "countryAlpha3": "PRT" };
const ID_DECISION = { "success": true, "isFraud": false, "date": WHEN, "riskScore": 12, "message": "Identity verified", "outcome": "APPROVED" };
const OTP_ERROR = { "code": "UNDELIVERABLE", "message": "Message could not be delivered to the carrier" };
T["credential"] = {
  "eventType": "credential",
  "requestId": "6926898052c1d9a04b7e0a11",
  "issuerDid": ISSUER,
  "user": USER,
  "api_version": "2026-05-17",
  "credential": {
    "id": CRED,
    "resourceType": "DOCUMENT",
    "status": "ACTIVE",
    "w3cCredential": {
      "@context": ["https://www.w3.org/ns/credentials/v2", "https://via.humanos.dev/ns/v1"],
      "id": CRED,
      "type": ["VerifiableCredential", "VIAMandate"],
      "issuer": ISSUER,
      "validFrom": WHEN,
      "validUntil": null,
      "credentialSubject": { "id": USER.id, "mandate": { "grantor": [USER.id], "scope": "humanos.credential.request", "context": { "authorizedDIDs": [ISSUER] } } },
      "proofs": [{ "type": "DataIntegrityProof", "cryptosuite": "eddsa-jcs-2022", "verificationMethod": `${ISSUER}#key-1`, "created": WHEN, "proofPurpose": "assertionMethod", "proofValue": "z3FXQjecWufY46yg5abdVZsXqLhxhueuSoZgNSARiKBk" }]
    },
    "name": "Service Agreement",
    "description": "Document to be requested on onboarding",
    "internalId": "internal-12345",
    "tags": ["onboarding"],
    "decisions": [{ "id": "urn:via:decision:0b7e4f7c-2d1a-4c35-8f0e-6a9d2c4b1e77", "contact": "+351912345678", "accepted": true, "decidedAt": WHEN }]
  },
  "decision": { "action": "accept", "date": WHEN },
  "internalId": "req_internal_001"
};
T["identity"] = {
  "eventType": "identity",
  "requestId": "6926898052c1d9a04b7e0a12",
  "issuerDid": ISSUER,
  "user": USER,
  "api_version": "2026-05-17",
  "decision": ID_DECISION,
  "internalId": "req_internal_001",
  "identity": IDENTITY
};
T["otp-failed"] = {
  "eventType": "otp.failed",
  "requestId": "6926898052c1d9a04b7e0a13",
  "issuerDid": ISSUER,
  "user": USER,
  "api_version": "2026-05-17",
  "otp": { "resendEndpoint": "/request/resend/6926898052c1d9a04b7e0a13", "error": OTP_ERROR },
  "internalId": "req_internal_001"
};
T["credential-2026-04-14"] = {
  "eventType": "credential",
  "requestId": "6926898052c1d9a04b7e0a14",
  "issuerDid": ISSUER_OLD,
  "user": USER_OLD,
  "decisionDate": WHEN,
  "action": "reject",
  "credential": {
    "id": "6926898052c1d9a04b7e0a15",
    "resourceType": "DOCUMENT",
    "status": "REJECTED",
    "proofs": [{ "type": "DataIntegrityProof", "cryptosuite": "eddsa-jcs-2022", "proofPurpose": "assertionMethod", "verificationMethod": `${ISSUER_OLD}#key-1`, "proofValue": "z3FXQjecWufY46yg5abdVZsXqLhxhueuSoZgNSARiKBk", "actionType": "REJECT", "actionProof": "0x47f18c9c0c8119fb96582105c9e06a973bc384f0bc842290cbe38cdba2ec669d", "createdAt": WHEN }],
    "data": [{ "label": "Consent statement", "type": "string", "value": "I consent to the terms and conditions", "hidden": false, "fields": [] }],
    "name": "Service Agreement",
    "internalId": "internal-12345"
  },
  "internalId": "req_internal_001",
  "api_version": "2026-04-14"
};
T["identity-2026-04-14"] = {
  "eventType": "identity",
  "requestId": "6926898052c1d9a04b7e0a16",
  "issuerDid": ISSUER_OLD,
  "user": USER_OLD,
  "decisionDate": WHEN,
  "identity": IDENTITY,
  "decision": ID_DECISION,
  "internalId": "req_internal_001",
  "api_version": "2026-04-14"
};
T["otp-failed-2026-04-14"] = {
  "eventType": "otp.failed",
  "requestId": "6926898052c1d9a04b7e0a17",
  "issuerDid": ISSUER_OLD,
  "user": USER_OLD,
  "decisionDate": WHEN,
  "otp": { "resendEndpoint": "/v1/requests/6926898052c1d9a04b7e0a17/resend", "error": OTP_ERROR },
  "internalId": "req_internal_001",
  "api_version": "2026-04-14"
};

// --- The provider's side ---------------------------------------------------

function deriveKey(encryptionSecret, salt) {
  return crypto.pbkdf2Sync(Buffer.from(encryptionSecret, "base64"), salt,
    10000, 32, "sha256");
}

function generateSignature(rawBody, secret, timestamp) {
  return crypto.createHmac("sha256", secret)
    .update(`${timestamp}.${rawBody}`).digest("hex");
}

// A fixed IV per case, so that the fixtures are reproducible.
function fixedIv(name, len) {
  const out = Buffer.alloc(len);
  for (let i = 0, ctr = 0; i < len; ctr++) {
    const h = crypto.createHash("sha256").update(`iv:${name}:${ctr}`).digest();
    i += h.copy(out, i);
  }
  return out;
}

function encrypt(key, iv, plaintext) {
  const c = crypto.createCipheriv("aes-256-gcm", key, iv);
  const data = Buffer.concat([c.update(Buffer.from(plaintext, "utf8")),
    c.final()]);
  return { iv, data, tag: c.getAuthTag() };
}

function envelope(e) {
  return JSON.stringify({ iv: e.iv.toString("base64"),
    data: e.data.toString("base64"), tag: e.tag.toString("base64") });
}

// --- The receiver's side (SPEC section 2), to check every expectation ------

const STRICT_B64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function b64strict(s) {
  if (typeof s !== "string" || !STRICT_B64.test(s))
    return null;
  const b = Buffer.from(s, "base64");
  return b.toString("base64") === s ? b : null;	// canonical only
}

function receive(c) {
  const want = generateSignature(c.body, c.signature_secret, c.timestamp);
  if (!/^[0-9a-fA-F]{64}$/.test(c.signature) ||
      !crypto.timingSafeEqual(Buffer.from(c.signature.toLowerCase()),
        Buffer.from(want)))
    return "invalid_signature";
  let env;
  try {
    env = JSON.parse(c.body);
  } catch (e) {
    return "malformed_body";
  }
  const iv = b64strict(env.iv), data = b64strict(env.data),
    tag = b64strict(env.tag);
  if (!iv || !data || !tag || iv.length === 0 || tag.length !== 16)
    return "malformed_body";
  let plain;
  try {
    const d = crypto.createDecipheriv("aes-256-gcm",
      deriveKey(c.encryption_secret, c.salt), iv);
    d.setAuthTag(tag);
    plain = Buffer.concat([d.update(data), d.final()]);
  } catch (e) {
    return "decrypt_failed";
  }
  if (!plain.equals(Buffer.from(c.plaintext, "utf8")))
    throw new Error(`${c.name}: decrypts to something else`);
  try {
    const ev = JSON.parse(plain.toString("utf8"));
    if (ev === null || typeof ev !== "object" || Array.isArray(ev))
      return "invalid_event";
  } catch (e) {
    return "invalid_event";
  }
  return "ok";
}

// --- The cases ---------------------------------------------------------------

const SECRETS = {
  signature_secret: "whsec_2f8c1e0a9b7d4c3e",
  encryption_secret: "q83vEjRWeJ0zj9bTgVXN/UK+3pfQ1RYvnnJq8UtTx0E=",
  salt: "humanos-fixture-salt",
};
const OTHER = {
  signature_secret: "whsec_not_the_right_one",
  encryption_secret: "3q2+78r+ur7K/u/e3q2+78r+ur7K/u/e3q2+78r+ur4=",
  salt: "humanos-other-salt",
};
const TS = "1764133376123";	// 2025-11-26T05:02:56.123Z

// One delivery.  opts: iv_length; timestamp (signed and sent) or
// send_timestamp (sent instead of the signed one); sender / receiver secrets
// that differ from SECRETS; resign(env, parts), changing the envelope before
// it is signed; tamper(body), changing the body after; uppercase.
function make(name, note, plaintext, expect, opts = {}) {
  const sender = Object.assign({}, SECRETS, opts.sender || {});
  const receiver = Object.assign({}, SECRETS, opts.receiver || {});
  const ivLen = opts.iv_length || 12;
  const ts = opts.timestamp || TS;
  const parts = encrypt(deriveKey(sender.encryption_secret, sender.salt),
    fixedIv(name, ivLen), plaintext);
  let env = { iv: parts.iv.toString("base64"),
    data: parts.data.toString("base64"), tag: parts.tag.toString("base64") };
  if (opts.resign)
    env = opts.resign(env, parts);
  let body = JSON.stringify(env);
  let signature = generateSignature(body, sender.signature_secret, ts);
  if (opts.tamper)
    body = opts.tamper(body);
  if (opts.uppercase)
    signature = signature.toUpperCase();
  const c = {
    name, note,
    signature_secret: receiver.signature_secret,
    encryption_secret: receiver.encryption_secret,
    salt: receiver.salt,
    key: deriveKey(receiver.encryption_secret, receiver.salt).toString("hex"),
    timestamp: opts.send_timestamp || ts,
    signature,
    body,
    plaintext,
    iv_length: ivLen,
    expect,
  };
  const got = receive(c);
  if (got !== expect)
    throw new Error(`${name}: the reference receiver says ${got}, ` +
      `not ${expect}`);
  return c;
}

function cases() {
  const out = [];
  for (const [name, ev] of Object.entries(T))
    out.push(make(`sample-${name}`, `the ${name} sample event`,
      JSON.stringify(ev), "ok"));
  const kyc = JSON.stringify(T["kyc"]);
  const form = JSON.stringify(T["form-rejected"]);
  out.push(make("iv-16", "a 16-byte IV", form, "ok", { iv_length: 16 }));
  out.push(make("iv-1", "a 1-byte IV", form, "ok", { iv_length: 1 }));
  out.push(make("iv-64", "a 64-byte IV", form, "ok", { iv_length: 64 }));
  out.push(make("unicode", "non-ASCII text in the event",
    JSON.stringify({ event: "process.form.filled",
      processId: "68c88aaa6002536da855c049",
      metadata: { items: [{ itemId: "68c88aaa6002536da855c04b",
        submittedFields: [{ question: "Name?",
          answer: { type: "text", text: "Zoë Ångström 日本 🎉" } }] }] } }),
    "ok"));
  out.push(make("timestamp-seconds", "x-timestamp in seconds, signed as sent",
    form, "ok", { timestamp: "1764133376" }));
  out.push(make("signature-uppercase", "the signature in upper-case hex",
    form, "ok", { uppercase: true }));
  out.push(make("empty-object", "the smallest event, {}", "{}", "ok"));
  out.push(make("unknown-event", "an event nobody knows (goes to other)",
    JSON.stringify({ event: "process.unknown.thing", n: 1 }), "ok"));
  out.push(make("not-json", "decrypts, but is not JSON",
    "this is not JSON", "invalid_event"));
  out.push(make("not-an-object", "decrypts to a JSON array",
    "[1,2,3]", "invalid_event"));
  out.push(make("tampered-body", "one byte of data changed after signing",
    kyc, "invalid_signature", { tamper: (b) => {
      const env = JSON.parse(b);
      const d = Buffer.from(env.data, "base64");
      d[5] ^= 0x01;
      env.data = d.toString("base64");
      return JSON.stringify(env);
    } }));
  out.push(make("tampered-tag", "the tag changed, then signed again",
    kyc, "decrypt_failed", { resign: (env, p) => {
      const t = Buffer.from(p.tag);
      t[0] ^= 0x80;
      return Object.assign(env, { tag: t.toString("base64") });
    } }));
  out.push(make("wrong-signature-secret", "signed with another secret",
    kyc, "invalid_signature",
    { sender: { signature_secret: OTHER.signature_secret } }));
  out.push(make("wrong-encryption-secret",
    "encrypted with another encryption secret", kyc, "decrypt_failed",
    { sender: { encryption_secret: OTHER.encryption_secret } }));
  out.push(make("wrong-salt", "encrypted with another salt", kyc,
    "decrypt_failed", { sender: { salt: OTHER.salt } }));
  out.push(make("tag-12", "a 12-byte tag (its prefix would verify)", kyc,
    "malformed_body", { resign: (env, p) =>
      Object.assign(env, { tag: p.tag.subarray(0, 12).toString("base64") }) }));
  out.push(make("iv-bad-base64", "the iv is not base64", kyc,
    "malformed_body", { resign: (env) =>
      Object.assign(env, { iv: env.iv.replace(/^../, "*!") }) }));
  out.push(make("iv-url-safe", "the iv in the URL-safe alphabet", kyc,
    "malformed_body", { resign: (env) =>
      Object.assign(env, { iv: "-_" + env.iv.slice(2) }) }));
  out.push(make("timestamp-tampered", "signed over one timestamp, sent with "
    + "the next", kyc, "invalid_signature",
    { send_timestamp: String(BigInt(TS) + 1n) }));
  return out;
}

// --- Output ------------------------------------------------------------------

function files() {
  const f = new Map();
  const list = cases();
  for (const c of list)
    f.set(`${c.name}.json`, JSON.stringify(c) + "\n");
  f.set("MANIFEST", list.map((c) => c.name).join("\n") + "\n");
  return f;
}

function main(argv) {
  let dir = path.join(__dirname, "..", "fixtures"), check = false;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--check")
      check = true;
    else if (argv[i] === "--out" && i + 1 < argv.length)
      dir = argv[++i];
    else {
      process.stderr.write("usage: mkfixtures.js [--check] [--out DIR]\n");
      return 64;
    }
  }
  const want = files();
  if (check) {
    let bad = 0;
    for (const [name, text] of want) {
      let have = null;
      try {
        have = fs.readFileSync(path.join(dir, name), "utf8");
      } catch (e) { /* reported below */ }
      if (have !== text) {
        process.stderr.write(`${dir}/${name}: ` +
          `${have === null ? "missing" : "differs"}\n`);
        bad++;
      }
    }
    for (const name of fs.readdirSync(dir))
      if (!want.has(name)) {
        process.stderr.write(`${dir}/${name}: not made by this script\n`);
        bad++;
      }
    return bad ? 1 : 0;
  }
  fs.mkdirSync(dir, { recursive: true });
  for (const [name, text] of want)
    fs.writeFileSync(path.join(dir, name), text);
  return 0;
}

process.exitCode = main(process.argv.slice(2));
