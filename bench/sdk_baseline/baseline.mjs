// The official-SDK baseline for bench/sdk_compare_bench: N CancelCollection calls through
// Alibaba Cloud's own SDK core (@alicloud/openapi-client, the base of every generated product
// SDK), C at a time, against a running qbi-sim. No persistence, no retries: the floor any
// runner is compared with.
//
// The call is made exactly as the generated quickbi-public 2022-01-01 client makes it
// (cancelCollectionWithOptions): Params {action CancelCollection, version 2022-01-01, protocol
// HTTPS, pathname /, method POST, authType AK, style RPC, reqBodyType formData, bodyType json},
// the parameters in the query string, through Client.callApi. With no signatureAlgorithm in
// the Config (the generated client sets none) callApi signs with ACS3-HMAC-SHA256 (v3); the
// SDK's own signer does it. Connections are the SDK's: httpx's module-wide https.Agent with
// keepAlive, so C concurrent calls hold C kept-alive TLS connections.
//
// Usage:
//   ALIBABA_CLOUD_ACCESS_KEY_ID=... ALIBABA_CLOUD_ACCESS_KEY_SECRET=... \
//   node baseline.mjs --endpoint 127.0.0.1:PORT --favorites FILE --concurrency C [--ca FILE]
//                     [--limit N] [--json]
//
//   --favorites FILE  one call per line: "UserId<TAB>WorksId" (blank lines and # comments skipped)
//   --ca FILE         PEM CA to verify the server with (the SDK's Config.ca); without it the
//                     system bundle plus NODE_EXTRA_CA_CERTS
//   --limit N         only the first N lines
//   --json            print one JSON object instead of the text line
// The AccessKey comes only from the environment, never from the command line.
//
// Output (stdout, one line): calls=N ok=N failed=N elapsed_ms=MS calls_per_s=R
// where ok counts HTTP 200 answers with Success and Result true; failures are listed by code
// on stderr. Exit 0 when every call succeeded, 1 otherwise, 64 on a usage error.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';

const require = createRequire(import.meta.url);
const OpenApi = require('@alicloud/openapi-client');
const Util = require('@alicloud/tea-util');

const OpenApiClient = OpenApi.default;
const { Config, OpenApiRequest, Params } = OpenApi;
const { RuntimeOptions } = Util;

function usage(message) {
  process.stderr.write(`baseline.mjs: ${message}\n`);
  process.exit(64);
}

function parseArgs(argv) {
  const opts = { concurrency: 8, limit: Infinity, json: false };
  for (let i = 0; i < argv.length; ++i) {
    const a = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) usage(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '--endpoint') opts.endpoint = value();
    else if (a === '--favorites') opts.favorites = value();
    else if (a === '--concurrency') opts.concurrency = Number.parseInt(value(), 10);
    else if (a === '--ca') opts.ca = value();
    else if (a === '--limit') opts.limit = Number.parseInt(value(), 10);
    else if (a === '--json') opts.json = true;
    else usage(`unknown option '${a}' (see the comment at the top of baseline.mjs)`);
  }
  if (!opts.endpoint) usage('--endpoint HOST:PORT is required');
  if (!opts.favorites) usage('--favorites FILE is required');
  if (!(opts.concurrency >= 1)) usage('--concurrency must be a positive integer');
  return opts;
}

function readCalls(path, limit) {
  const calls = [];
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    const t = line.trim();
    if (!t || t.startsWith('#')) continue;
    const [userId, worksId] = t.split('\t');
    if (!userId || !worksId) usage(`${path}: expected "UserId<TAB>WorksId", got '${t}'`);
    calls.push({ userId, worksId });
    if (calls.length >= limit) break;
  }
  return calls;
}

const opts = parseArgs(process.argv.slice(2));
const accessKeyId = process.env.ALIBABA_CLOUD_ACCESS_KEY_ID;
const accessKeySecret = process.env.ALIBABA_CLOUD_ACCESS_KEY_SECRET;
if (!accessKeyId || !accessKeySecret)
  usage('set ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET in the environment');
const calls = readCalls(opts.favorites, opts.limit);

const config = new Config({
  accessKeyId,
  accessKeySecret,
  endpoint: opts.endpoint,
  protocol: 'HTTPS',
  readTimeout: 15000,
  connectTimeout: 5000,
});
if (opts.ca) config.ca = readFileSync(opts.ca, 'utf8');
const client = new OpenApiClient(config);

// What the generated QuickBI client's cancelCollectionWithOptions builds.
const params = new Params({
  action: 'CancelCollection',
  version: '2022-01-01',
  protocol: 'HTTPS',
  pathname: '/',
  method: 'POST',
  authType: 'AK',
  style: 'RPC',
  reqBodyType: 'formData',
  bodyType: 'json',
});
const runtime = new RuntimeOptions({});

const isTrue = (v) => v === true || v === 'true';
let ok = 0;
const failures = new Map();  // code -> count
const fail = (code) => failures.set(code, (failures.get(code) || 0) + 1);

async function cancelCollection({ userId, worksId }) {
  const request = new OpenApiRequest({ query: { UserId: userId, WorksId: worksId } });
  try {
    const response = await client.callApi(params, request, runtime);
    const body = response.body || {};
    if (response.statusCode === 200 && isTrue(body.Success) && isTrue(body.Result)) ++ok;
    else fail(`HTTP ${response.statusCode} Result=${body.Result}`);
  } catch (e) {
    fail(e.code || e.name || 'Error');
    if (failures.size === 1 && [...failures.values()][0] === 1)
      process.stderr.write(`baseline.mjs: first failure: ${e.message}\n`);
  }
}

let next = 0;
async function worker() {
  while (next < calls.length) await cancelCollection(calls[next++]);
}

const t0 = performance.now();
await Promise.all(Array.from({ length: Math.min(opts.concurrency, calls.length) }, worker));
const elapsedMs = performance.now() - t0;

const failed = calls.length - ok;
const rate = calls.length / (elapsedMs / 1000);
if (opts.json) {
  process.stdout.write(JSON.stringify({
    calls: calls.length, ok, failed, concurrency: opts.concurrency,
    elapsed_ms: Math.round(elapsedMs), calls_per_s: Number(rate.toFixed(1)),
    failures: Object.fromEntries(failures),
  }) + '\n');
} else {
  process.stdout.write(`calls=${calls.length} ok=${ok} failed=${failed} concurrency=${opts.concurrency} ` +
                       `elapsed_ms=${Math.round(elapsedMs)} calls_per_s=${rate.toFixed(1)}\n`);
}
for (const [code, n] of failures) process.stderr.write(`baseline.mjs: ${n} x ${code}\n`);
process.exit(failed === 0 ? 0 : 1);
