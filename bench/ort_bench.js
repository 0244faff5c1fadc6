#!/usr/bin/env node
// Times ONNX Runtime (npm onnxruntime-node, CPU) on the ONNX export of the dlc
// model written by export_peers.py.
//
//   node ort_bench.js --threads T [--batches 1,64] [--iters 1:500,64:100]
//                     [--warmup 20] [--dir build] [--check]
//                     [--model FILE --shape C,H,W]
//
// One session per batch size on DIR/mnist_cnn_b<N>.onnx (static shapes, as dlc
// specializes per batch), or on FILE for every batch size (its input's first
// dimension must be free; --shape gives the rest, random data), with
// intraOpNumThreads T, interOpNumThreads 1,
// executionMode 'sequential' and graphOptimizationLevel 'all'. Each timed run
// is one synchronous run of the package's native session (which allocates the
// output, as `dlc bench` does): the public `await session.run()` adds a
// setImmediate hop through Node's event loop, several microseconds that are
// not ONNX Runtime's work and would be 10-15% of its batch-1 latency. The
// public API's median is reported too (public_median_ms, not with --model);
// if the native
// binding cannot be reached, the public API is timed instead (api: 'public').
//
// With --check, the batch-N session whose N matches DIR/check_x_nchw.npy must
// reproduce dlc's output DIR/check_y.npy within 1e-4, or the script exits 2.
//
// Prints one JSON object per batch size, with the keys of torch_bench.py.
'use strict';

const fs = require('fs');
const path = require('path');

function parseArgs(argv) {
  const args = { threads: 1, batches: '1,64', iters: '1:500,8:200,64:100,256:50',
                 warmup: 20, dir: path.join(__dirname, 'build'), check: false,
                 model: '', shape: '' };
  for (let i = 2; i < argv.length; ++i) {
    const key = argv[i].replace(/^--/, '');
    if (key === 'check') { args.check = true; continue; }
    if (!(key in args) || i + 1 >= argv.length) throw new Error(`unknown option ${argv[i]}`);
    args[key] = argv[++i];
  }
  args.threads = Number(args.threads);
  args.warmup = Number(args.warmup);
  return args;
}

function itersFor(text, batch) {
  let best = 50;
  for (const part of text.split(',')) {
    const [b, k] = part.split(':').map(Number);
    if (b <= batch) best = k;
  }
  return best;
}

// Reads a little-endian float32 .npy (format 1.x or 2.x) written by npy.py.
function loadNpy(file) {
  const buf = fs.readFileSync(file);
  const major = buf[6];
  const headerLen = major === 1 ? buf.readUInt16LE(8) : buf.readUInt32LE(8);
  const start = (major === 1 ? 10 : 12) + headerLen;
  const header = buf.toString('latin1', major === 1 ? 10 : 12, start);
  if (!header.includes("'<f4'")) throw new Error(`${file}: expected float32`);
  const shape = header.match(/'shape': \(([^)]*)\)/)[1].split(',')
    .map((s) => s.trim()).filter((s) => s).map(Number);
  const data = new Float32Array(buf.buffer.slice(buf.byteOffset + start, buf.byteOffset + buf.length));
  return { shape, data };
}

function percentile(sorted, p) {
  const index = Math.floor(p * (sorted.length - 1) + 0.5);
  return sorted[Math.min(index, sorted.length - 1)];
}

async function main() {
  const args = parseArgs(process.argv);
  let ort;
  try {
    ort = require('onnxruntime-node');
  } catch (e) {
    console.error(`ort_bench: onnxruntime-node is not installed (${e.message.split('\n')[0]})`);
    process.exit(3);
  }
  const options = { intraOpNumThreads: args.threads, interOpNumThreads: 1,
                    executionMode: 'sequential', graphOptimizationLevel: 'all' };
  const version = require('onnxruntime-node/package.json').version;
  const check = args.check ? loadNpy(path.join(args.dir, 'check_x_nchw.npy')) : null;

  // The native session behind the public API: synchronous run(feeds, fetches, options).
  let native = null;
  try {
    const { binding, initOrt } = require(
      path.join(path.dirname(require.resolve('onnxruntime-node')), 'binding.js'));
    initOrt();
    native = (file) => {
      const s = new binding.InferenceSession();
      s.loadModel(file, options);
      return s;
    };
  } catch (e) {
    native = null;
  }

  for (const batch of args.batches.split(',').filter((b) => b).map(Number)) {
    const file = args.model || path.join(args.dir, `mnist_cnn_b${batch}.onnx`);
    const session = await ort.InferenceSession.create(file, options);
    const inputName = session.inputNames[0];
    const outputName = session.outputNames[0];
    const fetches = { [outputName]: null };
    const nativeSession = native ? native(file) : null;
    const runOnce = nativeSession
      ? async (feeds) => nativeSession.run(feeds, fetches, {})
      : async (feeds) => session.run(feeds);
    const perImageShape = args.shape ? args.shape.split(',').map(Number)
      : check ? check.shape.slice(1) : [1, 28, 28];
    const shape = [batch, ...perImageShape];
    const perImage = shape.slice(1).reduce((a, b) => a * b, 1);
    const x = new Float32Array(batch * perImage);
    for (let i = 0; i < x.length; ++i) x[i] = Math.random();

    if (check && check.shape[0] === batch) {
      const expected = loadNpy(path.join(args.dir, 'check_y.npy')).data;
      const input = { [inputName]: new ort.Tensor('float32', check.data, check.shape) };
      for (const [name, run] of [['native', runOnce], ['public', (f) => session.run(f)]]) {
        const got = (await run(input))[outputName].data;
        let err = got.length === expected.length ? 0 : Infinity;
        for (let i = 0; i < expected.length && err !== Infinity; ++i)
          err = Math.max(err, Math.abs(got[i] - expected[i]));
        if (!(err <= 1e-4)) {
          console.error(`ort_bench: ONNX Runtime's output (${name} API) differs from dlc's: ` +
                        `max |diff| ${err}`);
          process.exit(2);
        }
      }
    }

    const feeds = { [inputName]: new ort.Tensor('float32', x, shape) };
    const iters = itersFor(args.iters, batch);
    const time = async (run) => {
      const ms = [];
      for (let i = 0; i < args.warmup + iters; ++i) {
        const start = process.hrtime.bigint();
        await run(feeds);
        const elapsed = Number(process.hrtime.bigint() - start) / 1e6;
        if (i >= args.warmup) ms.push(elapsed);
      }
      return ms.sort((a, b) => a - b);
    };
    const ms = nativeSession
      ? await time((f) => nativeSession.run(f, fetches, {}))
      : await time((f) => session.run(f));
    const publicMs = nativeSession && !args.model ? await time((f) => session.run(f)) : ms;
    const median = percentile(ms, 0.5);
    console.log(JSON.stringify({ peer: 'onnxruntime', version, api: nativeSession ? 'native' : 'public',
                                 threads: args.threads, batch, iters, median_ms: median,
                                 p10_ms: percentile(ms, 0.1), p90_ms: percentile(ms, 0.9),
                                 images_per_s: batch * 1e3 / median,
                                 public_median_ms: percentile(publicMs, 0.5) }));
    await session.release();
  }
}

main().catch((e) => { console.error(`ort_bench: ${e.message}`); process.exit(1); });
