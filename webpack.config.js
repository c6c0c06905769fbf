// Bundles the extension to dist/extension.js. mysql2 is bundled; keytar is a native addon and stays
// external (loaded lazily, with SecretStorage as the fallback); `vscode` is provided by the host.
const path = require('node:path');

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
};
