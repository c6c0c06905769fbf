// Bundles the extension to dist/extension.js. mysql2 is bundled; keytar is a native addon and stays
// external (loaded lazily, with SecretStorage as the fallback); `vscode` is provided by the host.
const path = require('node:path');
const fs = require('node:fs');

// The TLS details webview loads @vscode-elements/elements' self-contained bundle from dist/webview/ (so it
// ships in the VSIX without node_modules).
class CopyWebviewAssetsPlugin {
  apply(compiler) {
    compiler.hooks.afterEmit.tap('CopyWebviewAssetsPlugin', () => {
      const out = path.resolve(__dirname, 'dist', 'webview');
      fs.mkdirSync(out, { recursive: true });
      fs.copyFileSync(require.resolve('@vscode-elements/elements/dist/bundled.js'), path.join(out, 'vscode-elements.js'));
    });
  }
}

/** @type {import('webpack').Configuration} */
module.exports = {
  target: 'node',
  mode: 'none',
  entry: { extension: './src/extension.ts' },
  output: {
    path: path.resolve(__dirname, 'dist'),
    filename: '[name].js',
    libraryTarget: 'commonjs2',
    chunkFilename: '[name].chunk.js',
  },
  externals: { vscode: 'commonjs vscode', keytar: 'commonjs keytar' },
  resolve: { extensions: ['.ts', '.js'] },
  module: {
    rules: [{ test: /\.ts$/, exclude: /node_modules/, use: [{ loader: 'ts-loader', options: { transpileOnly: true, configFile: 'tsconfig.json' } }] }],
  },
  // mysql2 optionally requires modules it does not need here.
  ignoreWarnings: [/Critical dependency/, /Can't resolve 'cardinal'/],
  devtool: 'nosources-source-map',
  performance: { hints: false },
  plugins: [new CopyWebviewAssetsPlugin()],
};
