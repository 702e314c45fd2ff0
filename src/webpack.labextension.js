// Extra webpack config for the prebuilt labextension (package.json jupyterlab.webpackConfig).
// plotly.js-dist-min ships minified already; re-minifying its 4.6 MB bundle was ~70 s of a ~95 s build.
const TerserPlugin = require('terser-webpack-plugin');

module.exports = {
  optimization: {
    minimizer: [new TerserPlugin({ exclude: /plotly/ })]
  }
};
