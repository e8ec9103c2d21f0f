// The kit covers the admin API: every operation of the served OpenAPI document has a method here
// (the table agrees on method and path, both ways), every operation is called by some method,
// and the type declarations declare every method the class has.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";

import { Mockdesk, OPERATIONS, startMockdesk } from "../index.js";

let desk;
before(async () => { desk = await startMockdesk({ args: ["--rate-limits", "off"] }); });
after(async () => { await desk.stop(); });

test("every admin operation has a method", async () => {
  const doc = await desk.openapi();
  const served = {};
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(item)) {
      if (!("x-mockdesk-kit" in op)) served[op.operationId] = [method.toUpperCase(), path];
    }
  }
  assert.deepEqual(served, { ...OPERATIONS });
  const source = readFileSync(new URL("../index.js", import.meta.url), "utf8");
  const unused = Object.keys(OPERATIONS).filter((op) => !source.includes(`#call("${op}"`));
  assert.deepEqual(unused, []);
});

test("index.d.ts declares every public method", () => {
  const types = readFileSync(new URL("../index.d.ts", import.meta.url), "utf8");
  const methods = Object.getOwnPropertyNames(Mockdesk.prototype).filter((m) => m !== "constructor");
  const missing = methods.filter((m) => !new RegExp(`\\n\\s+${m}\\(`).test(types));
  assert.deepEqual(missing, []);
  assert.ok(methods.length >= 40, methods.length);
});
